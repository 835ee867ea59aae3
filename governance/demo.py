"""`gov demo`: the whole product on a fresh SQLite store with the bundled example data.

Each step is a plain call of the same service functions the CLI and API use: ingest the example OpenLineage
events, register two models, compute fairness evidence on the bundled synthetic predictions, record approvals
(one violating separation of duties), run the gate with the default policies, sign a ledger checkpoint, and
write the signed audit report, the maturity scorecard and the register of blocked deployments.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from governance.assets import asset_path
from governance.errors import ConfigError

EXAMPLES = asset_path("lineage", "examples")
PREDICTIONS = EXAMPLES / "predictions"
POLICIES = asset_path("policies", "default")
CREDIT_RUN = "55cbe03c-43cf-56cf-a69b-2c6acc32403c"
FRAUD_RUN = "7bb2fc67-fc6e-5c03-bf21-a841428344a9"
CREDIT_MODEL_DATASET = "dataset:s3://bank-ml-lake:models/credit-risk/3"
TARGET = "production"
# (model, version, expected gate outcome): what the demo is built to show.
EXPECTED = (("credit-risk", "3", "deployable"), ("fraud-detector", "7", "blocked"))
APPROVALS = (
    ("credit-risk", "3", "model-risk-officer", "carol", "Validation pack reviewed; within appetite."),
    ("credit-risk", "3", "business-owner", "dave", "Approved for the consumer lending book."),
    # bob created fraud-detector 7: separation of duties refuses his approval, so the gate blocks it.
    ("fraud-detector", "7", "model-risk-officer", "bob", "Looks good to me."),
    ("fraud-detector", "7", "business-owner", "erin", "Approved for card payments."),
)


@dataclass
class DemoResult:
    out_dir: Path
    database_url: str
    lines: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # "model version" -> deployable | blocked
    verified: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0


def _fresh_store(out_dir: Path) -> str:
    db_path = out_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db_path}"


def run_demo(out_dir: Path, *, echo: Callable[[str], None] = print) -> DemoResult:
    """Run every step into `out_dir` (store, keys, reports) and say where the results are."""
    from governance.store.db import make_engine
    from governance.store.migrate import upgrade

    for needed in (EXAMPLES, PREDICTIONS, POLICIES):
        if not needed.is_dir():
            raise ConfigError(f"example data not found at {needed}", hint="run from a source checkout")
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    url = _fresh_store(out_dir)
    engine = make_engine(url)
    upgrade(engine)
    result = DemoResult(out_dir=out_dir, database_url=url)

    def say(text: str) -> None:
        result.lines.append(text)
        echo(text)

    try:
        _ingest_and_register(engine, say)
        _lineage(engine, say)
        _fairness(engine, say)
        _approvals(engine, say)
        signer, cert = _keys(out_dir / "keys", say)
        _gate(engine, say, result, signer)
        _reports(engine, say, result, out_dir, cert)
    finally:
        engine.dispose()
    result.seconds = time.perf_counter() - started
    _closing(say, result, url, cert)
    return result


def _rebased_examples(recent: timedelta = timedelta(days=10)) -> tuple[list[dict[str, Any]], int]:
    """The example events with eventTime shifted by whole days so the last one is about `recent` ago.

    The files are dated October 2026 and the default policies want evidence younger than 90 days:
    without this the demo's verdicts would depend on the day it runs.
    """
    import json

    from governance.timeutil import parse_timestamp, utcnow

    events = [
        json.loads(line)
        for path in sorted(EXAMPLES.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    latest = max(parse_timestamp(e["eventTime"]) for e in events)
    days = max(0, (utcnow() - recent - latest).days)
    for event in events:
        moved = parse_timestamp(event["eventTime"]) + timedelta(days=days)
        event["eventTime"] = moved.isoformat().replace("+00:00", "Z")
    return events, days


def _ingest_and_register(engine: Any, say: Callable[[str], None]) -> None:
    from governance.lineage.ingest import ingest_objects
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    events, days = _rebased_examples()
    report = ingest_objects(engine, events, source="lineage/examples")
    say(
        f"[1] ingested lineage/examples: {report.summary()} "
        f"(event times moved {days} days forward, so the evidence is as recent as the policies require)"
    )
    with session_scope(engine) as session:
        register_model(
            session,
            "credit-risk",
            owner="team:credit-models",
            risk_tier="high",
            description="Probability-of-default model for consumer loans",
            tags={"domain": "lending", "intended_use": "consumer loan approval, human review of declines"},
        )
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version="3",
                artifact_uri="s3://bank-ml-lake/models/credit-risk/3",
                artifact_digest="sha256:" + "3c" * 32,
                created_by="alice",
                training_run_id=CREDIT_RUN,
                stage="staging",
            ),
        )
        register_model(
            session,
            "fraud-detector",
            owner="team:fraud",
            risk_tier="critical",
            description="Card-transaction fraud scoring",
            tags={"domain": "payments", "intended_use": "real-time card fraud screening"},
        )
        register_version(
            session,
            "fraud-detector",
            VersionSpec(
                version="7",
                artifact_uri="s3://bank-ml-lake/models/fraud-detector/7",
                artifact_digest="sha256:" + "7f" * 32,
                created_by="bob",
                training_run_id=FRAUD_RUN,
                stage="staging",
            ),
        )
    say("[2] registered credit-risk 3 (high risk, created by alice) and fraud-detector 7 (critical, created by bob)")


def _lineage(engine: Any, say: Callable[[str], None]) -> None:
    from governance.lineage.graph import datasets_of_model_version
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        data = datasets_of_model_version(session, "credit-risk", "3")
    say(
        f"[3] lineage: credit-risk 3 was trained on {len(data)} dataset(s), recursively: "
        + ", ".join(d.split(":", 1)[1] for d in data)
    )


def _fairness(engine: Any, say: Callable[[str], None]) -> None:
    from governance.evidence.evaluation import Settings
    from governance.evidence.fairness import FairnessRequest, evaluate_fairness
    from governance.store.db import session_scope

    runs = (
        ("credit-risk", "3", "credit_risk_eval.csv", ("sex",)),
        ("credit-risk", "3", "credit_risk_eval.csv", ("sex", "age_band")),
        ("fraud-detector", "7", "fraud_detector_eval.csv", ("sex",)),
    )
    with session_scope(engine) as session:
        for model, version, name, sensitive in runs:
            privileged = "male" if sensitive == ("sex",) else "sex=male,age_band=41-60"
            request = FairnessRequest(
                label="label",
                prediction="prediction",
                sensitive=sensitive,
                favorable="1",
                score="score",
                favorable_meaning="loan approved" if model == "credit-risk" else "transaction flagged for review",
                settings=Settings(privileged=privileged, bootstrap=1000, seed=0),
            )
            stored = evaluate_fairness(session, model, version, str(PREDICTIONS / name), request)
            dpd = stored.results["metrics"]["fairlearn.demographic_parity_difference"]
            ci = dpd.get("ci") or [float("nan"), float("nan")]
            say(
                f"[4] fairness: {model} {version} by {' x '.join(sensitive)} on {name} ({stored.results['rows']:,} "
                f"rows): demographic parity difference {dpd['value']:.3f}, 95% CI [{ci[0]:.3f}, {ci[1]:.3f}]"
            )


def _approvals(engine: Any, say: Callable[[str], None]) -> None:
    from governance.approvals.records import approve
    from governance.auth.errors import PermissionDenied
    from governance.store.db import session_scope

    for model, version, role, who, comment in APPROVALS:
        try:
            with session_scope(engine) as session:
                approve(session, model, version, role, approver=who, comment=comment)
        except PermissionDenied as exc:
            say(f"[5] approval: {who} tried to approve {model} {version} as {role}  <- refused: {exc.message}")
        else:
            say(f"[5] approval: {who} approved {model} {version} as {role}")


def _keys(folder: Path, say: Callable[[str], None]) -> tuple[Any, Path]:
    from governance.signing.keys import CERT_FILE, KEY_FILE, init_keys, load_signer

    if (folder / KEY_FILE).exists() and (folder / CERT_FILE).exists():
        say(f"[6] signing key: reusing {folder}")
    else:
        init_keys(
            folder, algorithm="ecdsa", common_name="gov demo evaluation signer", organization="gov demo", force=True
        )
        say(f"[6] signing key: created {folder} (ECDSA P-256, self-signed evaluation certificate)")
    return load_signer(folder / KEY_FILE, folder / CERT_FILE), folder / CERT_FILE


def _gate(engine: Any, say: Callable[[str], None], result: DemoResult, signer: Any) -> None:
    from governance.gate.service import run_check
    from governance.ledger.chain import write_checkpoint
    from governance.store.db import session_scope

    for model, version, expected in EXPECTED:
        with session_scope(engine) as session:
            report = run_check(
                session,
                model,
                version,
                TARGET,
                policy_dir=POLICIES,
                requested_by="demo-pipeline",
                ci_env={"GOV_PIPELINE_ID": "gov-demo"},
            )
        state = "deployable" if report.deployable else "blocked"
        result.outcomes[f"{model} {version}"] = state
        why = "" if report.deployable else " by " + ", ".join(o.policy_id for o in report.blocking)
        say(
            f"[7] gate: {model} {version} -> {TARGET}: {state.upper()} (exit {report.exit_code}){why}; "
            f"decision {report.decision_id[:8]}, ledger {report.ledger}"
        )
        if state != expected:
            say(f"    NOTE: the demo expects {model} {version} to be {expected}. What blocks it:")
            for o in report.blocking:
                say(f"      {o.policy_id}: {o.message}")
    with session_scope(engine) as session:
        cp, _new = write_checkpoint(session, signer) if _ledger_has_entries(session) else (None, False)
    if cp is not None:
        say(f"    ledger checkpoint signed at seq {cp.seq} (head {cp.head_digest[:23]}…)")


def _ledger_has_entries(session: Any) -> bool:
    from sqlmodel import select

    from governance.ledger.tables import LedgerEntry

    return session.exec(select(LedgerEntry).limit(1)).first() is not None


def _reports(engine: Any, say: Callable[[str], None], result: DemoResult, out_dir: Path, cert: Path) -> None:
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
    say(f"[8] reports for {period.label()}:")
    for name, written in outputs.items():
        result.files[name] = written.path
        extra = f" + {written.attestation.name}" if written.attestation else ""
        say(f"      {name:<24} {written.path}{extra}{' (signed)' if written.signed else ''}")
        if written.signed:
            check = verify_report(written.path, trust_roots=[cert])
            result.verified[name] = check.ok
            failed = [c.name for c in check.checks if not c.passed]
            say(f"      {'':<24} gov verify: {'VERIFIED' if check.ok else 'FAILED: ' + ', '.join(failed)}")


def _closing(say: Callable[[str], None], result: DemoResult, url: str, cert: Path) -> None:
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
