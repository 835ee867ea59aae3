"""`gov verify` says what went wrong in plain words, with exit codes that tell tampering (1) from bad input
(2) and from "cannot check" (4): an annotation added after signing, a changed byte, an untrusted signer, a
missing attestation; and the blocked register's CSV export verified by its own DSSE attestation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from governance.signing.attest import attest_file, default_attestation_path, write_attestation
from governance.signing.keys import Signer, init_keys
from governance.signing.verify import describe_changes, verify_file, verify_report
from tests.helpers import gov
from tests.signing_helpers import POLICY_DIGEST, Published, add_annotations, needs_pdfsig
from tests.signing_helpers import pdfsig as _pdfsig

pytest_plugins = ["tests.conftest_signing"]

ANNOTATED = "the file was changed after signing: 1 incremental update adds an annotation on page 1"


def _copy(report: Published, folder: Path, data: bytes | None = None, attestation: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "report.pdf"
    pdf.write_bytes(data if data is not None else report.pdf.read_bytes())
    if attestation:
        shutil.copy(report.attestation, default_attestation_path(pdf))
    return pdf


def test_an_annotation_added_after_signing_is_told_in_plain_words(report: Published, tmp_path: Path) -> None:
    pdf = _copy(report, tmp_path, add_annotations(report.pdf.read_bytes(), [0]))
    result = verify_report(pdf, trust_roots=[report.cert])
    assert not result.ok and not result.cannot_check
    assert ANNOTATED in result.explain()
    assert result.check("pdf_signature").passed  # type: ignore[union-attr]  # the signed revision is intact
    cli = gov("verify", str(pdf), "--trust-root", str(report.cert))
    assert cli.exit_code == 1, cli.output
    assert "VERIFICATION FAILED" in cli.stdout and f"  - {ANNOTATED}" in cli.stdout


def test_two_annotations_are_counted(report: Published) -> None:
    data = add_annotations(report.pdf.read_bytes(), [0, 0])
    assert describe_changes(data, 1) == ["adds 2 annotations on page 1"]


@needs_pdfsig
def test_pdfsig_agrees_the_annotated_file_is_not_wholly_signed(report: Published, tmp_path: Path) -> None:
    pdf = _copy(report, tmp_path, add_annotations(report.pdf.read_bytes(), [0]))
    assert "Not total document signed" in _pdfsig(pdf)


def test_a_changed_byte_reads_as_a_signature_that_does_not_match(report: Published, tmp_path: Path) -> None:
    data = bytearray(report.pdf.read_bytes())
    at = data.index(b"stream", len(data) // 4) + 20  # inside a signed content stream
    data[at] ^= 0x01
    pdf = _copy(report, tmp_path, bytes(data))
    cli = gov("verify", str(pdf), "--trust-root", str(report.cert))
    assert cli.exit_code == 1
    assert "the signature does not match the document" in cli.stdout


def test_an_untrusted_signer_is_named_as_such(report: Published, tmp_path: Path) -> None:
    stranger = init_keys(tmp_path / "stranger")
    cli = gov("verify", str(report.pdf), "--trust-root", str(stranger.cert))
    assert cli.exit_code == 1
    assert "signed by a key this verifier does not trust" in cli.stdout


def test_missing_attestation_is_cannot_check_not_tampering(report: Published, tmp_path: Path) -> None:
    pdf = _copy(report, tmp_path, attestation=False)
    result = verify_report(pdf, trust_roots=[report.cert])
    assert not result.ok and result.cannot_check and not result.failed
    cli = gov("verify", str(pdf), "--trust-root", str(report.cert))
    assert cli.exit_code == 4, cli.output
    assert "cannot check the attestation (no .intoto.jsonl beside the file" in cli.stdout
    assert "VERIFICATION FAILED" not in cli.stdout and "CANNOT CHECK" in cli.stdout
    doc = json.loads(gov("verify", str(pdf), "--trust-root", str(report.cert), "-f", "json").stdout)
    assert doc["ok"] is False and doc["cannot_check"] is True


def test_missing_attestation_and_tampering_is_tampering(report: Published, tmp_path: Path) -> None:
    pdf = _copy(report, tmp_path, add_annotations(report.pdf.read_bytes(), [0]), attestation=False)
    cli = gov("verify", str(pdf), "--trust-root", str(report.cert))
    assert cli.exit_code == 1 and ANNOTATED in cli.stdout


def test_no_timestamp_is_a_note(report: Published) -> None:
    cli = gov("verify", str(report.pdf), "--trust-root", str(report.cert))
    assert cli.exit_code == 0, cli.output
    assert "NOTE  no timestamp" in cli.stdout


# --------------------------------------------------------------------------- the CSV export


def _attested_csv(folder: Path, signer: Signer) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "blocked-register.csv"
    csv.write_bytes(b"model,version,target\ncredit-risk,3,production\n")
    envelope = attest_file(
        csv.read_bytes(), name=csv.name, media_type="text/csv", policy_bundle_sha256=POLICY_DIGEST, signer=signer
    )
    write_attestation(envelope, default_attestation_path(csv))
    return csv


def test_an_attested_csv_verifies_and_an_edit_is_caught(tmp_path: Path, ec_keys: tuple[Signer, Path]) -> None:
    signer, cert = ec_keys
    csv = _attested_csv(tmp_path, signer)
    result = verify_file(csv, trust_roots=[cert])
    assert result.ok, result.checks
    assert {c.name for c in result.checks} == {"attestation", "trust", "subject_file"}
    cli = gov("verify", str(csv), "--trust-root", str(cert))
    assert cli.exit_code == 0 and "VERIFIED" in cli.stdout
    csv.write_bytes(csv.read_bytes().replace(b"credit-risk,3", b"credit-risk,4"))
    cli = gov("verify", str(csv), "--trust-root", str(cert))
    assert cli.exit_code == 1
    assert "the file was changed after it was attested" in cli.stdout


def test_csv_attested_by_an_untrusted_key(tmp_path: Path, ec_keys: tuple[Signer, Path]) -> None:
    signer, _ = ec_keys
    csv = _attested_csv(tmp_path, signer)
    stranger = init_keys(tmp_path / "stranger")
    cli = gov("verify", str(csv), "--trust-root", str(stranger.cert))
    assert cli.exit_code == 1 and "signed by a key this verifier does not trust" in cli.stdout


def test_csv_without_attestation_cannot_be_checked(tmp_path: Path, ec_keys: tuple[Signer, Path]) -> None:
    signer, cert = ec_keys
    csv = _attested_csv(tmp_path, signer)
    default_attestation_path(csv).unlink()
    cli = gov("verify", str(csv), "--trust-root", str(cert))
    assert cli.exit_code == 4 and "cannot check the attestation" in cli.stdout


def test_csv_with_a_forged_certificate_in_the_envelope(tmp_path: Path, ec_keys: tuple[Signer, Path]) -> None:
    # A stranger attests the CSV and names its own certificate: the DSSE verifies with it, trust does not.
    from governance.signing.keys import load_signer

    _, cert = ec_keys
    paths = init_keys(tmp_path / "stranger")
    csv = _attested_csv(tmp_path / "out", load_signer(paths.key, paths.cert))
    result = verify_file(csv, trust_roots=[cert])
    assert not result.ok and not result.check("trust").passed  # type: ignore[union-attr]


@pytest.fixture
def store(sqlite_engine: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A store with one blocked check, so the register has a row."""
    from governance.gate.service import run_check
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    policies = Path(__file__).resolve().parents[1] / "policies" / "default"
    monkeypatch.setenv("GOV_POLICY_DIR", str(policies))
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit-risk", owner="team:credit", risk_tier="high")
        spec = VersionSpec(version="3", artifact_uri="s3://x/3", artifact_digest="sha256:" + "3c" * 32, created_by="a")
        register_version(session, "credit-risk", spec)
    with session_scope(sqlite_engine) as session:
        run_check(session, "credit-risk", "3", "production", policy_dir=policies, requested_by="ci-bot", ci_env={})
    return sqlite_engine


def test_gov_report_blocked_csv_sign_writes_an_attestation(store: Any, tmp_path: Path) -> None:
    keys = init_keys(tmp_path / "keys")
    out = tmp_path / "blocked.csv"
    made = gov("report", "blocked", "-f", "csv", "--sign", "--key-dir", str(tmp_path / "keys"), "--out", str(out))
    assert made.exit_code == 0, made.output
    assert default_attestation_path(out).is_file() and "credit-risk" in out.read_text()
    statement = json.loads(
        __import__("base64").b64decode(json.loads(default_attestation_path(out).read_text())["payload"])
    )
    assert statement["predicateType"].endswith("/blocked-register/v1")
    cli = gov("verify", str(out), "--trust-root", str(keys.cert))
    assert cli.exit_code == 0, cli.output
    stdout_only = gov("report", "blocked", "-f", "csv", "--sign", "--key-dir", str(tmp_path / "keys"))
    assert stdout_only.exit_code == 2 and "--out" in stdout_only.stderr
