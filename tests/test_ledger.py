"""The ledger of blocked deployments: chain format, tamper detection, signed checkpoints, concurrency.

Tampering is done the way an attacker would: on SQLite through a raw sqlite3 connection after
dropping the append-only triggers (someone with the file), on PostgreSQL as a superuser session with
triggers switched off (session_replication_role = replica). Digests are recomputed here from the
format in docs/ledger.md, independently of governance.ledger.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import sqlite3
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from governance.errors import ConfigError, ConflictError, InputError
from governance.ledger.chain import GENESIS, append_blocked, checkpoint_interval, write_checkpoint
from governance.ledger.export import export, list_entries
from governance.ledger.keys_adapter import find_signer
from governance.ledger.retention import purge_before
from governance.ledger.verify import ChainReport, verify_chain
from governance.signing.keys import KeyPaths, init_keys
from governance.store.db import make_engine, session_scope
from governance.timeutil import utcnow
from tests.helpers import REPO, gov

ENTRY_KEYS = ("seq", "decision_id", "model", "version", "target", "failing_policies", "requested_by",
              "ci", "at", "prev_digest")


# ---------------------------------------------------------------- helpers


def reference_digest(entry: dict[str, Any]) -> str:
    """docs/ledger.md's definition, written out again: sha256 over sorted, whitespace-free JSON."""
    preimage = {k: entry[k] for k in ENTRY_KEYS} | {"format": "gov-ledger-entry/1"}
    data = json.dumps(preimage, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def append(engine: Engine, count: int, *, every: int = 100, model: str = "credit-scorer",
           key_dir: Path | None = None) -> None:
    """`count` blocked checks, each in its own transaction as the gate makes them."""
    for i in range(count):
        with session_scope(engine) as session:
            append_blocked(session, decision_id=f"dec-{i}", model=model, version=f"1.{i}",
                           target="production", failing_policies=["fairness.dpd", "approval.four-eyes"],
                           requested_by="ci-bot",
                           ci={"GITHUB_RUN_ID": str(1000 + i)}, at=utcnow(), checkpoint_every=every,
                           key_dir=key_dir)


def verify(engine: Engine, **kwargs: Any) -> ChainReport:
    with session_scope(engine) as session:
        return verify_chain(session, **kwargs)


def problems(report: ChainReport) -> set[tuple[int, str]]:
    return {(p.seq, p.kind) for p in report.problems}


def tamper(engine: Engine, *statements: str) -> None:
    """Run SQL as an attacker who can bypass the append-only triggers."""
    if engine.dialect.name == "sqlite":
        db = sqlite3.connect(str(engine.url.database))
        for table in ("ledger_entry", "ledger_checkpoint"):
            for verb in ("update", "delete"):
                db.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        for sql in statements:
            db.execute(sql)
        db.commit()
        db.close()
        return
    raw = create_engine(engine.url)
    with raw.begin() as conn:
        try:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        except DBAPIError:
            pytest.skip("the PostgreSQL test role is not a superuser: cannot simulate the attacker")
        for sql in statements:
            conn.execute(text(sql))
    raw.dispose()


def rows(engine: Engine) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        return [json.loads(json.dumps({
            "seq": e.seq, "decision_id": e.decision_id, "model": e.model, "version": e.version,
            "target": e.target, "failing_policies": e.failing_policies, "requested_by": e.requested_by,
            "ci": e.ci, "at": e.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "prev_digest": e.prev_digest,
            "digest": e.digest})) for e in list_entries(session)]


@pytest.fixture
def keys() -> KeyPaths:
    """A signing key in the default folder (GOV_HOME/keys), as `gov keys init` makes it."""
    return init_keys()


# ---------------------------------------------------------------- the chain


def test_chain_links_from_genesis_and_digests_follow_the_documented_format(engine: Engine) -> None:
    append(engine, 4)
    entries = rows(engine)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert entries[0]["prev_digest"] == GENESIS == "sha256:" + "0" * 64
    for before, after in zip(entries, entries[1:], strict=False):
        assert after["prev_digest"] == before["digest"]
    for e in entries:
        assert e["digest"] == reference_digest(e)
    report = verify(engine)
    assert report.ok and report.entries_checked == 4 and report.head_seq == 4
    assert report.head_digest == entries[-1]["digest"]
    assert any("no signed checkpoint" in w for w in report.warnings)


def test_entry_records_who_asked_and_the_pipeline(sqlite_engine: Engine) -> None:
    from governance.identity import ci_context

    ci = ci_context({"GITHUB_RUN_ID": "8812", "GITHUB_REPOSITORY": "acme/credit", "HOME": "/root"})
    with session_scope(sqlite_engine) as session:
        entry = append_blocked(session, decision_id="d-1", model="m", version="3", target="staging",
                               failing_policies=["p.a", "p.b"], requested_by="alice", ci=ci, at=utcnow())
    stored = rows(sqlite_engine)[0]
    assert stored["ci"] == {"GITHUB_RUN_ID": "8812", "GITHUB_REPOSITORY": "acme/credit"}
    assert (stored["requested_by"], stored["failing_policies"], stored["target"]) == ("alice", ["p.a", "p.b"],
                                                                                     "staging")
    assert entry.digest == stored["digest"]


def test_naive_timestamp_is_refused_and_nothing_written(sqlite_engine: Engine) -> None:
    with pytest.raises(InputError, match="timezone-aware"), session_scope(sqlite_engine) as session:
        append_blocked(session, decision_id="d", model="m", version="1", target="t", failing_policies=["p"],
                       requested_by="u", ci={}, at=utcnow().replace(tzinfo=None))
    assert rows(sqlite_engine) == []


def test_checkpoints_are_signed_every_n_entries(engine: Engine, keys: KeyPaths) -> None:
    append(engine, 7, every=3)
    trusted = keys.cert.read_text()
    report = verify(engine, trust_cert=trusted)
    assert report.ok, report.problems
    assert report.checkpoints_checked == 2 and report.last_checkpoint_seq == 6
    assert report.warnings == []


def test_checkpoint_interval_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert checkpoint_interval() == 100
    monkeypatch.setenv("GOV_LEDGER_CHECKPOINT_EVERY", "25")
    assert checkpoint_interval() == 25
    monkeypatch.setenv("GOV_LEDGER_CHECKPOINT_EVERY", "zero")
    with pytest.raises(ConfigError):
        checkpoint_interval()


def test_append_without_a_key_still_writes_the_entry(sqlite_engine: Engine,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    append(sqlite_engine, 4, every=2)
    assert len(rows(sqlite_engine)) == 4
    assert "skipped: no signing key" in caplog.text
    report = verify(sqlite_engine)
    assert report.ok and report.checkpoints_checked == 0


def test_on_demand_checkpoint_signs_the_head_once(sqlite_engine: Engine, keys: KeyPaths) -> None:
    append(sqlite_engine, 5)
    signer = find_signer()
    assert signer is not None
    with session_scope(sqlite_engine) as session:
        cp, new = write_checkpoint(session, signer)
    with session_scope(sqlite_engine) as session:
        again, new_again = write_checkpoint(session, signer)
    assert (cp.seq, new, new_again, again.id) == (5, True, False, cp.id)
    assert cp.head_digest == rows(sqlite_engine)[-1]["digest"]


# ---------------------------------------------------------------- the database refuses changes


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entry SET model = 'other' WHERE seq = 1",
    "DELETE FROM ledger_entry WHERE seq = 2",
    "UPDATE ledger_checkpoint SET head_digest = 'x'",
    "DELETE FROM ledger_checkpoint",
])
def test_database_refuses_update_and_delete(engine: Engine, keys: KeyPaths, statement: str) -> None:
    append(engine, 3, every=2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert verify(engine).ok


@pytest.mark.parametrize("table", ["ledger_entry", "ledger_checkpoint"])
def test_postgresql_refuses_truncate(engine: Engine, keys: KeyPaths, table: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has DELETE only")
    append(engine, 2, every=2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {table}"))


# ---------------------------------------------------------------- tampering is detected


def test_edited_row_is_detected_at_its_seq(engine: Engine) -> None:
    append(engine, 5)
    tamper(engine, "UPDATE ledger_entry SET target = 'staging' WHERE seq = 3")
    report = verify(engine)
    assert problems(report) == {(3, "edited")}
    assert not report.ok and "TAMPERED" in report.summary()


def test_edit_with_recomputed_digest_breaks_the_next_link(engine: Engine) -> None:
    append(engine, 5)
    entry = rows(engine)[1]
    entry["failing_policies"] = []
    forged = reference_digest(entry)
    tamper(engine, "UPDATE ledger_entry SET failing_policies = '[]', "
                   f"digest = '{forged}' WHERE seq = 2")
    assert problems(verify(engine)) == {(3, "broken_link")}


def test_deleted_row_is_detected(engine: Engine) -> None:
    append(engine, 5)
    tamper(engine, "DELETE FROM ledger_entry WHERE seq = 3")
    assert problems(verify(engine)) == {(3, "missing"), (4, "broken_link")}


def test_deleting_the_first_row_is_detected(engine: Engine) -> None:
    append(engine, 3)
    tamper(engine, "DELETE FROM ledger_entry WHERE seq = 1")
    assert problems(verify(engine)) == {(1, "missing"), (2, "broken_link")}


def test_swapped_rows_are_detected(engine: Engine) -> None:
    append(engine, 5)
    tamper(engine,
           "UPDATE ledger_entry SET seq = -2 WHERE seq = 2",
           "UPDATE ledger_entry SET seq = 2 WHERE seq = 4",
           "UPDATE ledger_entry SET seq = 4 WHERE seq = -2")
    found = problems(verify(engine))
    assert {(2, "edited"), (4, "edited")} <= found
    assert {s for s, _ in found} == {2, 3, 4, 5}  # every entry whose content or link moved


def test_truncation_into_checkpointed_entries_is_detected(engine: Engine, keys: KeyPaths) -> None:
    append(engine, 8, every=3)  # checkpoints at 3 and 6
    tamper(engine, "DELETE FROM ledger_entry WHERE seq >= 5")
    report = verify(engine, trust_cert=keys.cert.read_text())
    assert problems(report) == {(6, "truncated")}
    assert "entries 5..6 were removed" in report.problems[0].message


def test_truncation_past_the_last_checkpoint_is_detected(engine: Engine, keys: KeyPaths) -> None:
    append(engine, 8, every=3)
    tamper(engine, "DELETE FROM ledger_entry WHERE seq >= 2")
    assert problems(verify(engine)) == {(3, "truncated"), (6, "truncated")}


def test_truncation_with_deleted_checkpoints_is_detected_by_an_anchor(engine: Engine, keys: KeyPaths) -> None:
    append(engine, 8, every=3)
    with session_scope(engine) as session:
        anchors = json.loads(export(session, "json"))["checkpoints"]
    tamper(engine, "DELETE FROM ledger_entry WHERE seq >= 4", "DELETE FROM ledger_checkpoint WHERE seq = 6")
    assert verify(engine).ok  # nothing in the database remembers entries 4..8 any more
    assert problems(verify(engine, anchors=anchors)) == {(6, "checkpoint_missing"), (6, "truncated")}


def test_rewritten_chain_is_caught_by_the_checkpoint(engine: Engine, keys: KeyPaths) -> None:
    append(engine, 4, every=3)
    entries = rows(engine)
    updates = []
    prev = GENESIS
    for e in entries:  # the attacker edits entry 2 and recomputes every digest and link after it
        if e["seq"] == 2:
            e["model"] = "innocent-model"
        e["prev_digest"] = prev
        e["digest"] = prev = reference_digest(e)
    # digest and prev_digest are UNIQUE: move every row out of the way first.
    updates.append("UPDATE ledger_entry SET digest = 'x' || seq, prev_digest = 'y' || seq")
    updates += [f"UPDATE ledger_entry SET model = '{e['model']}', prev_digest = '{e['prev_digest']}', "
                f"digest = '{e['digest']}' WHERE seq = {e['seq']}" for e in entries]
    tamper(engine, *updates)
    assert problems(verify(engine)) == {(3, "checkpoint_mismatch")}


def test_forged_checkpoint_signature_is_detected(engine: Engine, keys: KeyPaths) -> None:
    append(engine, 6, every=3)
    with session_scope(engine) as session:
        cps = json.loads(export(session, "json"))["checkpoints"]
    other = cps[0]["signature"]
    tamper(engine, f"UPDATE ledger_checkpoint SET signature = '{other}' WHERE seq = 6")
    assert problems(verify(engine)) == {(6, "bad_signature")}


def test_edited_checkpoint_head_is_detected(engine: Engine, keys: KeyPaths) -> None:
    append(engine, 3, every=3)
    tamper(engine, f"UPDATE ledger_checkpoint SET head_digest = '{GENESIS}' WHERE seq = 3")
    assert problems(verify(engine)) == {(3, "bad_signature"), (3, "checkpoint_mismatch")}


def test_checkpoint_resigned_with_another_key_fails_against_the_trusted_cert(
        sqlite_engine: Engine, keys: KeyPaths, tmp_path: Path) -> None:
    trusted = keys.cert.read_text()
    append(sqlite_engine, 3, every=3)
    tamper(sqlite_engine, "DELETE FROM ledger_checkpoint")
    attacker = init_keys(tmp_path / "attacker")
    signer = find_signer(tmp_path / "attacker")
    assert signer is not None
    with session_scope(sqlite_engine) as session:
        write_checkpoint(session, signer)
    assert verify(sqlite_engine).ok  # self-consistent with the key stored beside it...
    report = verify(sqlite_engine, trust_cert=trusted)  # ...but not signed by the key the auditor trusts
    assert problems(report) == {(3, "untrusted_signer")}
    assert attacker.cert.read_text() != trusted


def test_unreadable_row_is_a_problem_not_a_crash(sqlite_engine: Engine) -> None:
    append(sqlite_engine, 3)
    tamper(sqlite_engine, "UPDATE ledger_entry SET at = 'yesterday', ci = '{oops' WHERE seq = 2")
    assert problems(verify(sqlite_engine)) == {(2, "unreadable")}


# ---------------------------------------------------------------- concurrency


def _append_worker(url: str, count: int, prior_write: bool, barrier: Any, out: Any) -> None:
    from governance.store.tables import Job

    engine = make_engine(url)
    seqs = []
    barrier.wait()
    for i in range(count):
        with session_scope(engine) as session:
            if prior_write:  # as the gate does: its decision is written before the ledger entry
                now, name = utcnow(), uuid.uuid4().hex
                session.add(Job(namespace="ns", name=name, node_id=f"job:ns:{name}", first_seen=now,
                                last_seen=now))
                session.flush()
            entry = append_blocked(session, decision_id=f"w{i}", model="m", version="1", target="production",
                                   failing_policies=["p"], requested_by="ci", ci={"CI_JOB_ID": str(i)},
                                   at=utcnow(), checkpoint_every=7)
            seqs.append(entry.seq)
    engine.dispose()
    out.put(seqs)


def test_eight_concurrent_appenders_keep_one_chain(engine: Engine, keys: KeyPaths) -> None:
    workers, each = 8, 10
    # fork: separate processes and connections, without paying every import again per worker.
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(workers), ctx.Queue()
    url = engine.url.render_as_string(hide_password=False)
    procs = [ctx.Process(target=_append_worker, args=(url, each, i % 2 == 0, barrier, out))
             for i in range(workers)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    seqs = sorted(s for r in results for s in r)
    assert seqs == list(range(1, workers * each + 1))
    report = verify(engine, trust_cert=keys.cert.read_text())
    assert report.ok, report.problems
    assert report.entries_checked == 80 and report.checkpoints_checked == 80 // 7


# ---------------------------------------------------------------- exports and the auditor's script


def test_csv_export_can_be_reverified_row_by_row(sqlite_engine: Engine) -> None:
    import csv
    import io

    append(sqlite_engine, 3)
    with session_scope(sqlite_engine) as session:
        text_csv = export(session, "csv")
    parsed = list(csv.DictReader(io.StringIO(text_csv)))
    assert [r["seq"] for r in parsed] == ["1", "2", "3"]
    for r in parsed:
        entry = {**r, "seq": int(r["seq"]), "failing_policies": json.loads(r["failing_policies"]),
                 "ci": json.loads(r["ci"])}
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


def test_the_auditor_script_in_the_docs_verifies_an_export(sqlite_engine: Engine, keys: KeyPaths,
                                                           tmp_path: Path) -> None:
    script = tmp_path / "audit.py"
    script.write_text(_docs_script())
    append(sqlite_engine, 7, every=3)
    with session_scope(sqlite_engine) as session:
        data = json.loads(export(session, "json"))
    good = tmp_path / "ledger.json"
    good.write_text(json.dumps(data))
    run = subprocess.run([sys.executable, str(script), str(good), str(keys.cert)],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "7 entries, 2 checkpoints: intact" in run.stdout, run.stdout + run.stderr
    data["entries"][3]["requested_by"] = "someone-else"
    data["checkpoints"][1]["head_digest"] = data["entries"][4]["digest"]
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(data))
    run = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "seq 4: content does not match its digest" in run.stdout
    assert "seq 6: checkpoint signature does not verify" in run.stdout


# ---------------------------------------------------------------- retention


def test_purge_younger_than_retention_is_refused(sqlite_engine: Engine) -> None:
    now = utcnow()
    for age in (500, 10):
        with session_scope(sqlite_engine) as session:
            append_blocked(session, decision_id=f"d{age}", model="m", version="1", target="t",
                           failing_policies=["p"], requested_by="u", ci={}, at=now - timedelta(days=age))
    with pytest.raises(InputError, match="requires keeping 365 days"), session_scope(sqlite_engine) as s:
        purge_before(s, now - timedelta(days=364, hours=23), min_retention_days=365, now=now)
    # Old enough for the policy, yet still refused: this version never deletes ledger entries.
    with pytest.raises(ConflictError, match="1 ledger entries are older"), session_scope(sqlite_engine) as s:
        purge_before(s, now - timedelta(days=365), min_retention_days=365, now=now)
    assert len(rows(sqlite_engine)) == 2 and verify(sqlite_engine).ok


# ---------------------------------------------------------------- the CLI


def test_cli_list_export_verify(sqlite_engine: Engine, tmp_path: Path) -> None:
    append(sqlite_engine, 3)
    listing = gov("ledger", "list", "--model", "credit-scorer")
    assert listing.exit_code == 0 and "fairness.dpd,approval.four-eyes" in listing.stdout
    assert "GITHUB_RUN_ID=1002" in listing.stdout
    out = tmp_path / "l.csv"
    assert gov("ledger", "export", "--format", "csv", "--output", str(out)).exit_code == 0
    assert out.read_text().count("\n") == 4
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
    assert gov("ledger", "verify").exit_code == 0
    caught = gov("ledger", "verify", "--anchor", str(anchor))
    assert caught.exit_code == 1 and "seq 4: truncated" in caught.stdout
    missing = gov("ledger", "verify", "--anchor", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "cannot read anchor file" in missing.stderr
