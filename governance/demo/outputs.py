"""The demo's outputs: the signed reports it writes and verifies, and the closing summary it prints."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from governance.demo.data import POLICIES, DemoResult


def reports(engine: Any, say: Callable[[str], None], result: DemoResult, out_dir: Path, cert: Path) -> None:
    from governance.period import parse_period
    from governance.reports.service import SignOptions, audit_report, blocked_report, scorecard_report
    from governance.signing.verify import verify_report
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    moment = utcnow()  # after every record the demo made, so the reports see all of them
    period = parse_period(None, now=moment)
    sign = SignOptions(key_dir=cert.parent, signer_name="gov demo evaluation signer", location="gov demo")
    common: dict[str, Any] = {"model_glob": "*", "period": period, "now": moment}
    with session_scope(engine) as session:
        outputs = {
            "audit report": audit_report(
                session, out=out_dir / "audit-report.pdf", policy_dir=POLICIES, sign=sign, trust_cert=cert, **common
            ),
            "scorecard": scorecard_report(
                session, out=out_dir / "scorecard.pdf", policy_dir=POLICIES, sign=sign, **common
            ),
            "scorecard (JSON)": scorecard_report(
                session, out=out_dir / "scorecard.json", fmt="json", policy_dir=POLICIES, **common
            ),
            "blocked register": blocked_report(
                session, out=out_dir / "blocked-register.pdf", policy_dir=POLICIES, sign=sign, trust_cert=cert, **common
            ),
            "blocked register (CSV)": blocked_report(
                session, out=out_dir / "blocked-register.csv", fmt="csv", trust_cert=cert, **common
            ),
        }
    say(f"[9] reports for {period.label()}:")
    for name, written in outputs.items():
        result.files[name] = written.path
        extra = f" + {written.attestation.name}" if written.attestation else ""
        say(f"      {name:<24} {written.path}{extra}{' (signed)' if written.signed else ''}")
        if written.signed:
            check = verify_report(written.path, trust_roots=[cert])
            result.verified[name] = check.ok
            failed = [c.name for c in check.checks if not c.passed]
            say(f"      {'':<24} gov verify: {'VERIFIED' if check.ok else 'FAILED: ' + ', '.join(failed)}")


def closing(say: Callable[[str], None], result: DemoResult, url: str, cert: Path) -> None:
    audit = result.files.get("audit report")
    say(f"done in {result.seconds:.1f} s. Store: {url}")
    if audit is not None:
        say("verify the signed report offline:")
        say(f"  gov verify {audit} --trust-root {cert}")
        if shutil.which("pdfsig"):
            say(f"  pdfsig {audit}")
        else:
            say(f"  pdfsig {audit}    (poppler-utils)")
    say(f"explore: GOV_DATABASE_URL={url} gov decision list")
