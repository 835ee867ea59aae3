"""What an auditor or operator uses: exports, the verification script in docs/ledger.md, `gov ledger`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from governance.errors import InputError
from governance.ledger.chain import GENESIS
from governance.ledger.export import export, list_entries
from governance.signing.keys import KeyPaths
from governance.store.db import session_scope
from governance.timeutil import utcnow
from tests.helpers import REPO, gov
from tests.ledger_helpers import append, reference_digest, tamper

pytest_plugins = ["tests.conftest_ledger"]


# ---------------------------------------------------------------- exports and the auditor's script


def test_csv_export_can_be_reverified_row_by_row(sqlite_engine: Engine) -> None:
    import csv
    import io

    append(sqlite_engine, 3)
    with session_scope(sqlite_engine) as session:
        text_csv = export(session, "csv")
    comment, _, body = text_csv.partition("\n")
    assert comment.startswith("# gov-ledger-export/1 (csv): raw values for digest recomputation")
    parsed = list(csv.DictReader(io.StringIO(body)))
    assert [r["seq"] for r in parsed] == ["1", "2", "3"]
    for r in parsed:
        entry = {
            **r,
            "seq": int(r["seq"]),
            "failing_policies": json.loads(r["failing_policies"]),
            "ci": json.loads(r["ci"]),
        }
        assert reference_digest(entry) == r["digest"]


def test_export_and_list_filter_by_time_and_model(sqlite_engine: Engine) -> None:
    append(sqlite_engine, 2, model="a")
    middle = utcnow()
    append(sqlite_engine, 3, model="b")
    with session_scope(sqlite_engine) as session:
        assert len(list_entries(session, model="a")) == 2
        assert [e.seq for e in list_entries(session, since=middle)] == [3, 4, 5]
        assert [e.seq for e in list_entries(session, until=middle)] == [1, 2]
        data = json.loads(export(session, "json", since=middle))
        with pytest.raises(InputError, match="csv or json"):
            export(session, "xml")
    assert [e["seq"] for e in data["entries"]] == [3, 4, 5] and data["genesis"] == GENESIS


def _docs_script() -> str:
    docs = (REPO / "docs" / "ledger.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", docs, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_auditor_script_in_the_docs_verifies_an_export(
    sqlite_engine: Engine, keys: KeyPaths, tmp_path: Path
) -> None:
    script = tmp_path / "audit.py"
    script.write_text(_docs_script())
    append(sqlite_engine, 7, every=3)
    with session_scope(sqlite_engine) as session:
        data = json.loads(export(session, "json"))
    good = tmp_path / "ledger.json"
    good.write_text(json.dumps(data))
    run = subprocess.run([sys.executable, str(script), str(good), str(keys.cert)], capture_output=True, text=True)
    assert run.returncode == 0 and "7 entries, 2 checkpoints: intact" in run.stdout, run.stdout + run.stderr
    data["entries"][3]["requested_by"] = "someone-else"
    data["checkpoints"][1]["head_digest"] = data["entries"][4]["digest"]
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(data))
    run = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "seq 4: content does not match its digest" in run.stdout
    assert "seq 6: checkpoint signature does not verify" in run.stdout


# ---------------------------------------------------------------- the CLI


def test_cli_list_export_verify(sqlite_engine: Engine, tmp_path: Path) -> None:
    append(sqlite_engine, 3)
    listing = gov("ledger", "list", "--model", "credit-scorer")
    assert listing.exit_code == 0 and "fairness.dpd,approval.four-eyes" in listing.stdout
    assert "GITHUB_RUN_ID=1002" in listing.stdout
    out = tmp_path / "l.csv"
    assert gov("ledger", "export", "--format", "csv", "--output", str(out)).exit_code == 0
    assert out.read_text().count("\n") == 5  # the comment line, the header row, 3 entries
    ok = gov("ledger", "verify")
    assert ok.exit_code == 0 and ok.stdout.startswith("ledger intact: 3 entries")
    tamper(sqlite_engine, "UPDATE ledger_entry SET version = '9' WHERE seq = 2")
    bad = gov("ledger", "verify")
    assert bad.exit_code == 1
    assert "problem: seq 2: edited" in bad.stdout
    as_json = json.loads(gov("ledger", "verify", "--format", "json").stdout)
    assert as_json["ok"] is False and as_json["problems"][0]["seq"] == 2


def test_cli_checkpoint_needs_a_key(sqlite_engine: Engine) -> None:
    append(sqlite_engine, 1)
    result = gov("ledger", "checkpoint")
    assert result.exit_code == 3 and "gov keys init" in result.stderr
    assert "Traceback" not in result.output


def test_cli_checkpoint_anchor_and_trust(sqlite_engine: Engine, keys: KeyPaths, tmp_path: Path) -> None:
    append(sqlite_engine, 4)
    anchor = tmp_path / "cp.json"
    signed = gov("ledger", "checkpoint", "--output", str(anchor))
    assert signed.exit_code == 0 and "checkpoint signed: seq 4" in signed.stdout
    good = gov("ledger", "verify", "--trust-cert", str(keys.cert), "--anchor", str(anchor))
    assert good.exit_code == 0, good.output
    tamper(sqlite_engine, "DELETE FROM ledger_checkpoint", "DELETE FROM ledger_entry WHERE seq = 4")
    # Issue 12 item 5: the default trust root is this installation's key, so a ledger whose checkpoints
    # were all deleted fails (it passed before); the anchor still says which entries went.
    assert gov("ledger", "verify").exit_code == 1
    caught = gov("ledger", "verify", "--anchor", str(anchor))
    assert caught.exit_code == 1 and "seq 4: truncated" in caught.stdout
    missing = gov("ledger", "verify", "--anchor", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "cannot read anchor file" in missing.stderr
