"""The ledger's hash chain: format, what an entry records, signed checkpoints, concurrent appends.

Digests are checked against the format in docs/ledger.md, recomputed in tests/ledger_helpers.py.
"""

from __future__ import annotations

import multiprocessing
import uuid
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.errors import ConfigError, InputError
from governance.ledger.chain import GENESIS, append_blocked, checkpoint_interval, write_checkpoint
from governance.signing.keys import KeyPaths
from governance.signing.ledger_keys import find_signer
from governance.store.db import make_engine, session_scope
from governance.timeutil import utcnow
from tests.ledger_helpers import append, reference_digest, rows, verify

pytest_plugins = ["tests.conftest_ledger"]


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
        entry = append_blocked(
            session,
            decision_id="d-1",
            model="m",
            version="3",
            target="staging",
            failing_policies=["p.a", "p.b"],
            requested_by="alice",
            ci=ci,
            at=utcnow(),
        )
    stored = rows(sqlite_engine)[0]
    assert stored["ci"] == {"GITHUB_RUN_ID": "8812", "GITHUB_REPOSITORY": "acme/credit"}
    assert (stored["requested_by"], stored["failing_policies"], stored["target"]) == (
        "alice",
        ["p.a", "p.b"],
        "staging",
    )
    assert entry.digest == stored["digest"]


def test_naive_timestamp_is_refused_and_nothing_written(sqlite_engine: Engine) -> None:
    with pytest.raises(InputError, match="timezone-aware"), session_scope(sqlite_engine) as session:
        append_blocked(
            session,
            decision_id="d",
            model="m",
            version="1",
            target="t",
            failing_policies=["p"],
            requested_by="u",
            ci={},
            at=utcnow().replace(tzinfo=None),
        )
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


def test_append_without_a_key_still_writes_the_entry(sqlite_engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
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
                session.add(Job(namespace="ns", name=name, node_id=f"job:ns:{name}", first_seen=now, last_seen=now))
                session.flush()
            entry = append_blocked(
                session,
                decision_id=f"w{i}",
                model="m",
                version="1",
                target="production",
                failing_policies=["p"],
                requested_by="ci",
                ci={"CI_JOB_ID": str(i)},
                at=utcnow(),
                checkpoint_every=7,
            )
            seqs.append(entry.seq)
    engine.dispose()
    out.put(seqs)


def test_eight_concurrent_appenders_keep_one_chain(engine: Engine, keys: KeyPaths) -> None:
    workers, each = 8, 10
    # fork: separate processes and connections, without paying every import again per worker.
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(workers), ctx.Queue()
    url = engine.url.render_as_string(hide_password=False)
    procs = [ctx.Process(target=_append_worker, args=(url, each, i % 2 == 0, barrier, out)) for i in range(workers)]
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
