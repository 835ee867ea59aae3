"""`gov report`, `gov keys`: formats, outputs, key creation and import, and one-line errors with exit codes."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import gov

REPO = Path(__file__).resolve().parents[1]
POLICIES = str(REPO / "policies" / "default")


@pytest.fixture
def store(sqlite_engine: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A store with one model version and one blocked check (so the ledger has an entry)."""
    from governance.gate.service import run_check
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    monkeypatch.setenv("GOV_POLICY_DIR", POLICIES)
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit-risk", owner="team:credit", risk_tier="high")
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version="3", artifact_uri="s3://x/3", artifact_digest="sha256:" + "3c" * 32, created_by="alice"
            ),
        )
    with session_scope(sqlite_engine) as session:
        report = run_check(
            session,
            "credit-risk",
            "3",
            "production",
            policy_dir=Path(POLICIES),
            requested_by="ci-bot",
            ci_env={"GITHUB_RUN_ID": "42"},
        )
    assert not report.deployable  # no lineage, no evidence, no approvals: fail-closed
    return sqlite_engine


def test_scorecard_json_goes_to_stdout(store: Any) -> None:
    result = gov("report", "scorecard", "--format", "json")
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert card["schema"] == "gov.scorecard/1"
    [model] = card["models"]
    assert model["model"] == "credit-risk" and model["level"] == 0
    missed = {c["key"] for c in model["criteria"] if not c["met"]}
    assert "B" in missed and "A" not in missed
    assert card["policy_bundle"]["digest"].startswith("sha256:")


def test_blocked_register_csv_lists_the_blocked_check(store: Any) -> None:
    result = gov("report", "blocked", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert (row["seq"], row["model"], row["target"]) == ("1", "credit-risk", "production")
    assert row["requested_by"] == "ci-bot" and json.loads(row["ci"]) == {"GITHUB_RUN_ID": "42"}
    assert "approval.two-person" in json.loads(row["failing_policies"])
    empty = gov("report", "blocked", "--format", "json", "--period", "2020-01-01..2020-12-31")
    assert json.loads(empty.stdout)["entries"] == []


def test_audit_html_and_json_outputs(store: Any, tmp_path: Path) -> None:
    html = tmp_path / "audit.html"
    result = gov("report", "audit", "--format", "html", "--out", str(html), "--model", "credit-*")
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert "credit-risk 3" in text and "approval.two-person" in text and "Training lineage unknown" in text
    data = json.loads(gov("report", "audit", "--format", "json").stdout)
    [version] = data["versions"]
    assert version["state"] == "blocked" and version["decisions"][0]["target"] == "production"
    assert data["meta"]["overall"] == "blocked" and data["summary"]["blocked_deployments"] == 1
    none = json.loads(gov("report", "audit", "--format", "json", "--model", "nothing*").stdout)
    assert none["meta"]["overall"] == "empty" and none["inventory"] == []


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["report", "audit", "--format", "docx"], "--format"),
        (["report", "scorecard", "--period", "2026-13-01..2026-12-31"], "--period"),
        (["report", "audit", "--key", "k.pem", "--cert", "c.pem"], "--sign"),
        (["report", "blocked", "--format", "xml"], "--format"),
        (["report", "scorecard", "--format", "json", "--sign"], "--sign"),
    ],
)
def test_usage_errors_are_one_line_exit_2(store: Any, args: list[str], where: str) -> None:
    result = gov(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {where}") and result.stderr.count("\n") == 1


def test_signing_without_a_key_is_a_configuration_error(store: Any, tmp_path: Path) -> None:
    result = gov("report", "audit", "--sign", "--out", str(tmp_path / "a.pdf"), "--key-dir", str(tmp_path / "none"))
    assert result.exit_code == 3 and "gov keys init" in result.stderr
    assert not (tmp_path / "a.pdf").exists()


def test_keys_init_show_and_refuse_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    created = gov("keys", "init", "--dir", str(folder), "--algorithm", "rsa", "--organization", "Bank")
    assert created.exit_code == 0, created.output
    key = folder / "signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    shown = gov("keys", "show", "--dir", str(folder), "--format", "json")
    info = json.loads(shown.stdout)
    assert info["algorithm"] == "RSA 3072" and info["self_signed"] and "O=Bank" in info["subject"]
    again = gov("keys", "init", "--dir", str(folder))
    assert again.exit_code == 3 and "--force" in again.stderr
    assert gov("keys", "init", "--dir", str(folder), "--force").exit_code == 0
    assert json.loads(gov("keys", "show", "--dir", str(folder), "-f", "json").stdout)["algorithm"].startswith("ECDSA")
    assert gov("keys", "init", "--dir", str(folder), "--algorithm", "dsa").exit_code == 2


def test_keys_import_pkcs12_and_pem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from governance.signing.keys import init_keys, load_signer

    source = init_keys(tmp_path / "org", common_name="Bank model risk", organization="Bank")
    signer = load_signer(source.key, source.cert)
    p12 = tmp_path / "org.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"org", signer.private_key, signer.certificate, None, BestAvailableEncryption(b"s3cret")
        )
    )
    monkeypatch.setenv("GOV_SIGNING_PASSPHRASE", "s3cret")
    imported = gov("keys", "init", "--dir", str(tmp_path / "k1"), "--import-pkcs12", str(p12))
    assert imported.exit_code == 0, imported.output
    shown = json.loads(gov("keys", "show", "--dir", str(tmp_path / "k1"), "-f", "json").stdout)
    assert shown["keyid"] == signer.keyid and "CN=Bank model risk" in shown["subject"]
    # The stored key is encrypted with the passphrase: without it, loading fails as a configuration error.
    monkeypatch.delenv("GOV_SIGNING_PASSPHRASE")
    assert gov("keys", "show", "--dir", str(tmp_path / "k1")).exit_code == 3
    pem = gov("keys", "init", "--dir", str(tmp_path / "k2"), "--key", str(source.key), "--cert", str(source.cert))
    assert pem.exit_code == 0, pem.output
    assert json.loads(gov("keys", "show", "--dir", str(tmp_path / "k2"), "-f", "json").stdout)["keyid"] == signer.keyid
    mismatch = init_keys(tmp_path / "other")
    bad = gov("keys", "init", "--dir", str(tmp_path / "k3"), "--key", str(source.key), "--cert", str(mismatch.cert))
    assert bad.exit_code == 3 and "does not match" in bad.stderr
