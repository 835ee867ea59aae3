"""The ledger cannot be changed quietly: the database and retention refuse, and verify finds the rest.

Tampering (tests/ledger_helpers.py `tamper`) is done as an attacker would: around the append-only
triggers on SQLite, with triggers switched off by a superuser on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from governance.errors import ConflictError, InputError
from governance.ledger.chain import GENESIS, append_blocked, write_checkpoint
from governance.ledger.export import export
from governance.ledger.retention import purge_before
from governance.ledger.verify import ChainReport
from governance.signing.keys import KeyPaths, init_keys
from governance.signing.ledger_keys import find_signer
from governance.store.db import session_scope
from governance.timeutil import utcnow
from tests.ledger_helpers import append, reference_digest, rows, tamper, verify

pytest_plugins = ["tests.conftest_ledger"]


def problems(report: ChainReport) -> set[tuple[int, str]]:
    """(seq, kind) of every problem verify found."""
    return {(p.seq, p.kind) for p in report.problems}


# ---------------------------------------------------------------- the database refuses changes


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET model = 'other' WHERE seq = 1",
        "DELETE FROM ledger_entry WHERE seq = 2",
        "UPDATE ledger_checkpoint SET head_digest = 'x'",
        "DELETE FROM ledger_checkpoint",
    ],
)
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
    tamper(engine, f"UPDATE ledger_entry SET failing_policies = '[]', digest = '{forged}' WHERE seq = 2")
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
    tamper(
        engine,
        "UPDATE ledger_entry SET seq = -2 WHERE seq = 2",
        "UPDATE ledger_entry SET seq = 2 WHERE seq = 4",
        "UPDATE ledger_entry SET seq = 4 WHERE seq = -2",
    )
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
    updates += [
        f"UPDATE ledger_entry SET model = '{e['model']}', prev_digest = '{e['prev_digest']}', "
        f"digest = '{e['digest']}' WHERE seq = {e['seq']}"
        for e in entries
    ]
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
    sqlite_engine: Engine, keys: KeyPaths, tmp_path: Path
) -> None:
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


# ---------------------------------------------------------------- retention


def test_purge_younger_than_retention_is_refused(sqlite_engine: Engine) -> None:
    now = utcnow()
    for age in (500, 10):
        with session_scope(sqlite_engine) as session:
            append_blocked(
                session,
                decision_id=f"d{age}",
                model="m",
                version="1",
                target="t",
                failing_policies=["p"],
                requested_by="u",
                ci={},
                at=now - timedelta(days=age),
            )
    with pytest.raises(InputError, match="requires keeping 365 days"), session_scope(sqlite_engine) as s:
        purge_before(s, now - timedelta(days=364, hours=23), min_retention_days=365, now=now)
    # Old enough for the policy, yet still refused: this version never deletes ledger entries.
    with pytest.raises(ConflictError, match="1 ledger entries are older"), session_scope(sqlite_engine) as s:
        purge_before(s, now - timedelta(days=365), min_retention_days=365, now=now)
    assert len(rows(sqlite_engine)) == 2 and verify(sqlite_engine).ok
