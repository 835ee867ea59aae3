"""Signed reports end to end: Poppler's pdfsig and `gov verify` agree that a generated report is valid and
that a report with one changed byte is not; the attestation's subjects are the files' digests, and a
report presented with another report's attestation (a swapped results JSON) is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import gov

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO / "policies" / "default"
PDFSIG = shutil.which("pdfsig")
needs_pdfsig = pytest.mark.skipif(PDFSIG is None, reason="pdfsig not installed (apt-get install poppler-utils)")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@dataclass
class Signed:
    folder: Path
    audit: Path
    card_october: Path
    card_november: Path
    cert: Path
    bundle_digest: str


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    """A small store (one registered model, one version) and three signed reports from it."""
    from governance.period import parse_period
    from governance.policy.loader import load_bundle
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.reports.service import SignOptions, audit_report, scorecard_report
    from governance.signing.keys import init_keys
    from governance.store.db import make_engine, session_scope
    from governance.store.migrate import upgrade
    from governance.timeutil import utcnow

    folder = tmp_path_factory.mktemp("signed")
    engine = make_engine(f"sqlite:///{folder / 'gov.db'}")
    upgrade(engine)
    keys = init_keys(folder / "keys", organization="gov report tests")
    sign = SignOptions(key_dir=folder / "keys", signer_name="gov report tests")
    with session_scope(engine) as session:
        register_model(session, "credit-risk", owner="team:credit", risk_tier="high")
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version="3", artifact_uri="s3://x/3", artifact_digest="sha256:" + "3c" * 32, created_by="alice"
            ),
        )
    now = utcnow()
    with session_scope(engine) as session:
        audit = audit_report(
            session,
            model_glob="*",
            period=parse_period(None, now=now),
            policy_dir=POLICIES,
            out=folder / "audit.pdf",
            sign=sign,
            now=now,
        )
        october = scorecard_report(
            session,
            model_glob="*",
            period=parse_period("2026-10-01..2026-10-31", now=NOW),
            out=folder / "october" / "scorecard.pdf",
            policy_dir=POLICIES,
            sign=sign,
            now=NOW,
        )
        november = scorecard_report(
            session,
            model_glob="*",
            period=parse_period("2026-11-01..2026-11-30", now=NOW),
            out=folder / "november" / "scorecard.pdf",
            policy_dir=POLICIES,
            sign=sign,
            now=NOW,
        )
    engine.dispose()
    assert audit.signed and audit.attestation is not None
    return Signed(folder, audit.path, october.path, november.path, keys.cert, load_bundle(POLICIES).digest)


def _pdfsig(pdf: Path) -> str:
    assert PDFSIG is not None
    done = subprocess.run([PDFSIG, "-nocert", "-no-ocsp", str(pdf)], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


def _failed(result: Any) -> set[str]:
    return {c.name for c in result.checks if not c.passed}


@needs_pdfsig
def test_pdfsig_and_gov_verify_agree_on_a_generated_report(signed: Signed) -> None:
    out = _pdfsig(signed.audit)
    assert "Signature is Valid" in out and "Total document signed" in out, out
    assert "gov report tests" in out  # the signer name shown by the signature
    result = gov("verify", str(signed.audit), "--trust-root", str(signed.cert))
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.stdout and result.stdout.count("PASS") == 7


@needs_pdfsig
@pytest.mark.parametrize("where", ["content", "signature"])
def test_one_changed_byte_fails_both(signed: Signed, tmp_path: Path, where: str) -> None:
    data = bytearray(signed.audit.read_bytes())
    pos = data.index(b"stream\n") + 20 if where == "content" else data.index(b"/Reason (") + 10
    data[pos] ^= 0x01
    tampered = tmp_path / "audit.pdf"
    tampered.write_bytes(bytes(data))
    shutil.copy(signed.audit.with_name("audit.pdf.intoto.jsonl"), tmp_path / "audit.pdf.intoto.jsonl")
    assert "Signature is Valid" not in _pdfsig(tampered)
    result = gov("verify", str(tampered), "--trust-root", str(signed.cert))
    assert result.exit_code == 1, result.output
    assert "FAIL  pdf_signature" in result.stdout and "FAIL  subject_pdf" in result.stdout


def test_verify_exit_codes_for_untrusted_and_unreadable_input(signed: Signed, tmp_path: Path) -> None:
    from governance.signing.keys import init_keys

    stranger = init_keys(tmp_path / "stranger")
    untrusted = gov("verify", str(signed.audit), "--trust-root", str(stranger.cert))
    assert untrusted.exit_code == 1 and "FAIL  trust" in untrusted.stdout
    (tmp_path / "not.pdf").write_text("hello")
    assert gov("verify", str(tmp_path / "not.pdf"), "--trust-root", str(signed.cert)).exit_code == 2
    assert gov("verify", str(tmp_path / "missing.pdf"), "--trust-root", str(signed.cert)).exit_code == 2
    bad_root = gov("verify", str(signed.audit), "--trust-root", str(tmp_path / "missing.pem"))
    assert bad_root.exit_code == 2 and "error:" in bad_root.stderr
    report = json.loads(gov("verify", str(signed.audit), "--trust-root", str(signed.cert), "-f", "json").stdout)
    assert report["ok"] is True and {c["name"] for c in report["checks"]} >= {"coverage", "subject_results"}


def test_attestation_subjects_are_the_files_digests(signed: Signed) -> None:
    from governance.signing.attest import read_attestations
    from governance.signing.pdf import embedded_files

    envelope = read_attestations(signed.audit.with_name("audit.pdf.intoto.jsonl"))[0]
    import base64

    statement = json.loads(base64.b64decode(envelope["payload"]))
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    embedded = {f.name: f.data for f in embedded_files(signed.audit.read_bytes())}
    assert subjects["audit.pdf"] == hashlib.sha256(signed.audit.read_bytes()).hexdigest()
    assert subjects["results.json"] == hashlib.sha256(embedded["results.json"]).hexdigest()
    assert "sha256:" + subjects["policy-bundle"] == signed.bundle_digest
    results = json.loads(embedded["results.json"])
    assert results["policy_bundle"]["digest"] == signed.bundle_digest
    assert [i["digest"] for i in results["inputs"] if i["kind"] == "policy bundle"] == [signed.bundle_digest]


def test_a_swapped_results_json_is_detected(signed: Signed, tmp_path: Path) -> None:
    """November's scorecard (same signer, other results) presented with October's attestation."""
    from governance.signing.verify import verify_report

    assert verify_report(signed.card_october, trust_roots=[signed.cert]).ok
    forged = tmp_path / "scorecard.pdf"
    shutil.copy(signed.card_november, forged)
    shutil.copy(signed.card_october.with_name("scorecard.pdf.intoto.jsonl"), tmp_path / "scorecard.pdf.intoto.jsonl")
    result = verify_report(forged, trust_roots=[signed.cert])
    assert not result.ok
    assert {"subject_results", "subject_pdf"} <= _failed(result)
    assert "pdf_signature" not in _failed(result)  # the PDF itself is genuinely signed: only the binding fails
    assert gov("verify", str(forged), "--trust-root", str(signed.cert)).exit_code == 1
