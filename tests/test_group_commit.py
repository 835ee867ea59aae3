"""Group commit of single-event POSTs: concurrent events share transactions, each is answered only
once committed, duplicates are told apart, and one event's failure is that event's alone."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from governance.lineage.collect import Accepted
from governance.lineage.group_commit import GroupCommit, write_statuses
from governance.lineage.sources import SourceItem
from governance.lineage.validate import validate_item
from tests.helpers import snapshot
from tests.service_helpers import assert_error_shape


def _event(job: str = "train", run_id: str | None = None) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-27T07:00:00+00:00",
        "run": {"runId": run_id or str(uuid.uuid4())},
        "job": {"namespace": "gc", "name": job},
        "inputs": [{"namespace": "warehouse", "name": "features"}],
        "outputs": [{"namespace": "models", "name": job}],
        "producer": "https://example.com/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def _accepted(obj: dict[str, Any]) -> Accepted:
    import json

    outcome = validate_item(SourceItem("test", "body", json.dumps(obj), obj=obj))
    assert isinstance(outcome, Accepted), outcome
    return outcome


async def _submit_all(group: GroupCommit, events: list[Accepted]) -> list[Any]:
    return await asyncio.gather(*(group.submit(e) for e in events), return_exceptions=True)


def test_concurrent_events_share_transactions_and_all_are_stored(engine: Engine) -> None:
    batches: list[int] = []

    def counting(eng: Engine, events: list[Accepted]) -> list[str]:
        batches.append(len(events))
        return write_statuses(eng, events)

    events = [_accepted(_event(f"job_{i % 7}")) for i in range(60)]
    group = GroupCommit(engine, writer=counting)
    statuses = asyncio.run(_submit_all(group, events))
    group.close()
    assert statuses == ["accepted"] * 60
    assert sum(batches) == 60 and max(batches) > 1  # the first goes alone, the rest queue behind it
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw_event")).scalar_one() == 60
        assert conn.execute(text("SELECT count(*) FROM job")).scalar_one() == 7


def test_a_copy_in_the_same_batch_is_a_duplicate_and_the_graph_equals_one_by_one(engine: Engine, tmp_path: Any) -> None:
    from governance.lineage.ingest import ingest_objects
    from governance.store.db import make_engine
    from governance.store.migrate import upgrade

    objs = [_event("a"), _event("b")]
    events = [_accepted(objs[0]), _accepted(objs[1]), _accepted(objs[0])]
    group = GroupCommit(engine, max_batch=10)
    first = asyncio.run(_submit_all(group, events))
    again = asyncio.run(_submit_all(group, events[:1]))
    group.close()
    assert first == ["accepted", "accepted", "duplicate"] and again == ["duplicate"]
    reference = make_engine(f"sqlite:///{tmp_path / 'one_by_one.db'}")
    upgrade(reference)
    for obj in objs:
        ingest_objects(reference, [obj], source="test")
    assert _graph(engine) == _graph(reference)
    reference.dispose()


def _graph(engine: Engine) -> dict[str, Any]:
    state = snapshot(engine)
    return {table: rows for table, rows in state.items() if table in ("job", "dataset", "lineage_edge", "run")}


def test_one_failing_event_fails_alone(sqlite_engine: Engine) -> None:
    poison = _accepted(_event("poison"))

    def picky(eng: Engine, events: list[Accepted]) -> list[str]:
        if any(e.digest == poison.digest for e in events):
            raise ValueError("this event cannot be stored")
        return write_statuses(eng, events)

    events = [_accepted(_event(f"ok_{i}")) for i in range(10)]
    events.insert(5, poison)
    group = GroupCommit(sqlite_engine, writer=picky)
    outcomes = asyncio.run(_submit_all(group, events))
    group.close()
    assert isinstance(outcomes[5], ValueError)
    assert outcomes[:5] + outcomes[6:] == ["accepted"] * 10
    with sqlite_engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM job"))}
    assert names == {f"ok_{i}" for i in range(10)}


def test_a_lock_timeout_is_retried_not_reported(sqlite_engine: Engine) -> None:
    calls = {"n": 0}

    def locked_once(eng: Engine, events: list[Accepted]) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        return write_statuses(eng, events)

    group = GroupCommit(sqlite_engine, writer=locked_once)
    assert asyncio.run(_submit_all(group, [_accepted(_event())])) == ["accepted"]
    group.close()
    assert calls["n"] == 2


def test_a_caller_that_goes_away_does_not_cancel_the_write(sqlite_engine: Engine) -> None:
    release = threading.Event()

    def slow(eng: Engine, events: list[Accepted]) -> list[str]:
        release.wait(10)
        return write_statuses(eng, events)

    async def scenario() -> None:
        group = GroupCommit(sqlite_engine, writer=slow)
        task = asyncio.ensure_future(group.submit(_accepted(_event("left"))))
        await asyncio.sleep(0.05)
        task.cancel()  # the client disconnected
        release.set()
        await asyncio.sleep(0)
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await group.submit(_accepted(_event("after"))) == "accepted"
        group.close()

    asyncio.run(scenario())
    with sqlite_engine.connect() as conn:
        assert {r[0] for r in conn.execute(text("SELECT name FROM job"))} == {"left", "after"}


def test_a_failed_write_is_a_500_in_the_one_error_shape_and_logged(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    def broken(eng: Engine, events: list[Accepted]) -> list[str]:
        raise RuntimeError("disk on fire")

    app = create_app(engine=sqlite_engine, settings=Settings(auth=False))
    app.state.group_commit.writer = broken
    with TestClient(app, base_url="http://localhost") as client:
        response = client.post("/api/v1/lineage", json=_event())
    assert_error_shape(response, 500)
    assert response.json()["error"]["message"] == "internal error: RuntimeError"
    assert "disk on fire" not in response.text  # no internals to the client; the log has them
    logged = [r for r in caplog.records if r.getMessage() == "POST /api/v1/lineage failed"]
    assert logged and logged[0].exc_info and "disk on fire" in str(logged[0].exc_info[1])


def test_on_sqlite_a_held_write_lock_sends_the_batch_to_the_thread_and_the_loop_runs_on(sqlite_engine: Engine) -> None:
    """Asserted by order, not by time: the loop's try cannot wait (busy timeout 0), the loop keeps running
    while the batch waits for the lock (which only this test releases), and the write that lands ran in
    another thread. A lock wait on the loop would block it until the watchdog frees the lock (a hang
    guard, 20 s): the batch would then be written before the loop ran on."""
    from governance.store.db import no_wait_engine

    holder = sqlite_engine.raw_connection()  # another writer (a CLI ingest, a second worker) holds the lock
    holder.cursor().execute("BEGIN IMMEDIATE")
    watchdog_fired = threading.Event()

    def free_the_lock() -> None:
        watchdog_fired.set()
        holder.rollback()

    watchdog = threading.Timer(20, free_the_lock)
    watchdog.start()
    writes: list[tuple[int, str]] = []  # (thread, outcome) of each write attempt

    def recording(eng: Engine, events: list[Accepted]) -> list[str]:
        try:
            statuses = write_statuses(eng, events)
        except Exception as exc:
            writes.append((threading.get_ident(), f"refused: {exc}"[:80]))
            raise
        writes.append((threading.get_ident(), "written"))
        return statuses

    async def scenario() -> str:
        on_loop = no_wait_engine(sqlite_engine)
        with on_loop.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 0  # the loop's try never waits
        group = GroupCommit(sqlite_engine, writer=recording, on_loop=on_loop)
        pending = asyncio.ensure_future(group.submit(_accepted(_event("waited"))))
        for _ in range(10):
            await asyncio.sleep(0.01)  # the event loop is not blocked by the lock wait
        assert not pending.done() and not watchdog_fired.is_set(), "the loop waited for the write lock"
        watchdog.cancel()
        holder.rollback()
        status = await pending
        group.close()
        return status

    try:
        assert asyncio.run(scenario()) == "accepted"
    finally:
        watchdog.cancel()
        holder.close()
    loop_thread = threading.get_ident()  # asyncio.run ran the loop in this thread
    assert writes[0] == (loop_thread, "refused: database is locked"), writes  # tried on the loop, refused at once
    assert writes[-1][1] == "written" and writes[-1][0] != loop_thread, writes  # written by the writer thread
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM job")).scalars().all() == ["waited"]


def test_on_sqlite_batches_are_written_on_the_loop_when_the_lock_is_free(sqlite_engine: Engine) -> None:
    from governance.store.db import no_wait_engine

    used: list[Engine] = []

    def recording(eng: Engine, events: list[Accepted]) -> list[str]:
        used.append(eng)
        return write_statuses(eng, events)

    on_loop = no_wait_engine(sqlite_engine)
    group = GroupCommit(sqlite_engine, writer=recording, on_loop=on_loop)
    assert asyncio.run(_submit_all(group, [_accepted(_event(f"j{i}")) for i in range(5)])) == ["accepted"] * 5
    assert used and all(eng is on_loop for eng in used)
    group.close()


def test_a_batch_request_shares_the_writer_and_a_refused_event_is_a_retriable_failure_of_its_own(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    seen: list[int] = []

    def picky(eng: Engine, events: list[Accepted]) -> list[str]:
        seen.append(len(events))
        if any(e.facts.job_name == "poison" for e in events):
            raise RuntimeError("disk on fire")
        return write_statuses(eng, events)

    app = create_app(engine=sqlite_engine, settings=Settings(auth=False))
    app.state.group_commit.writer = picky
    body = [_event("ok_0"), _event("poison"), {"eventType": "COMPLETE"}, _event("ok_1")]
    # raise_server_exceptions=False: answered as `gov serve` answers, not re-raised into the test
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as client:
        answer = client.post("/api/v1/lineage/batch", json=body).json()
        everything_refused = client.post("/api/v1/lineage/batch", json=[_event("poison")])
    assert answer["status"] == "partial_success"
    assert answer["summary"] == {
        "received": 4,
        "successful": 2,
        "failed": 2,
        "retriable": 1,
        "non_retriable": 1,
        "new": 2,
        "duplicates": 0,
        "warnings": 0,
    }
    by_index = {f["index"]: f for f in answer["failed_events"]}
    assert by_index[1]["retriable"] is True and "disk on fire" not in by_index[1]["reason"]
    assert by_index[2]["retriable"] is False  # invalid: sending it again will not help
    assert seen[0] == 3  # the three valid events went to the writer together
    with sqlite_engine.connect() as conn:
        assert {r[0] for r in conn.execute(text("SELECT name FROM job"))} == {"ok_0", "ok_1"}
        assert conn.execute(text("SELECT count(*) FROM rejected_event")).scalar() == 1
    assert_error_shape(everything_refused, 500)  # nothing stored at all: the store's error, as for one event
    assert any("disk on fire" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
