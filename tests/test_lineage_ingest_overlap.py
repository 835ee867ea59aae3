"""PostgreSQL file ingest: two batches in flight (governance.lineage.overlap), binary COPY, straight COPY of
rows checked to be new, key lists as one array literal. Each changes how rows travel, never what is stored."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import governance.lineage.ingest as ingest
import governance.lineage.overlap as overlap
from governance.lineage.batch_sql import COPY_MIN_ROWS, BatchSQL, _binary_types
from governance.lineage.ingest import ingest_paths
from governance.store.db import make_engine
from tests.conftest import pg_database
from tests.test_lineage_ingest_pipeline import _events, _report, _tables, _write


@pytest.fixture
def pg() -> Iterator[Engine]:
    """A fresh migrated PostgreSQL store (skips without one)."""
    for url in pg_database():
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_overlapped_batches_store_what_one_at_a_time_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg: Engine
) -> None:
    """Out-of-order events, duplicates within and across batches, a reject: written two batches at a
    time, the store equals the one written one batch at a time, table by table, and so do the reports."""
    path = _write(tmp_path / "events.jsonl", _events(), ['{"eventType": "START", '])
    monkeypatch.setattr(ingest, "BATCH_SIZE", 70)  # ~12 batches, every one above COPY_MIN_ROWS
    threads = []
    original = overlap.BatchWriter._write

    def recording(self: overlap.BatchWriter, *args: object) -> set[str]:
        threads.append(threading.current_thread().name)
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(overlap.BatchWriter, "_write", recording)
    overlapped = _report(ingest_paths(pg, [path], workers=0))
    assert len(threads) >= 10 and len(set(threads)) == 2  # two writer threads took turns
    for url in pg_database():
        monkeypatch.setattr(overlap, "IN_FLIGHT", 1)
        serial = make_engine(url)
        assert _report(ingest_paths(serial, [path], workers=0)) == overlapped
        assert _tables(serial) == _tables(pg)
        serial.dispose()
    again = ingest_paths(pg, [path], workers=0)
    assert again.accepted == 0 and again.duplicates == overlapped[0] + overlapped[1]


def test_a_failing_batch_fails_the_ingest_and_keeps_what_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg: Engine
) -> None:
    distinct = {json.dumps(e, sort_keys=True): e for e in sorted(_events(), key=lambda e: e["eventTime"])}
    events = list(distinct.values())[:300]
    path = _write(tmp_path / "events.jsonl", events)
    monkeypatch.setattr(ingest, "BATCH_SIZE", 100)
    import governance.lineage.project as project

    calls = []
    original = project._write_batch

    def third_fails(engine: Engine, batch: list, locked: object) -> set[str]:  # type: ignore[type-arg]
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return original(engine, batch, locked)  # type: ignore[arg-type]

    monkeypatch.setattr(project, "_write_batch", third_fails)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest_paths(pg, [path], workers=0)
    with pg.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw_event")).scalar() == 200  # the first two batches
    monkeypatch.setattr(project, "_write_batch", original)
    again = ingest_paths(pg, [path], workers=0)
    assert (again.accepted, again.duplicates) == (100, 200)


def test_copy_new_gives_way_to_a_concurrent_insert(pg: Engine) -> None:
    """Straight COPY of rows found absent: when one of them exists after all (another writer), nothing
    of the COPY stays, the transaction goes on, and the ON CONFLICT statement settles the rows."""
    now = datetime.now(UTC)
    rows = [(f"r{i:04d}", "authors", "[]", "u:alice", now) for i in range(COPY_MIN_ROWS + 5)]
    head = "INSERT INTO run_fact (run_id, fact, value, submitted_by, recorded_at)"
    with pg.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO run_fact (run_id, fact, value, submitted_by, recorded_at) "
            "VALUES ('r0007', 'authors', '[\"mallory\"]', 'x', now())"
        )
    with pg.begin() as conn:
        db = BatchSQL(conn)
        assert db.copy_new(head, rows) is False
        assert conn.exec_driver_sql("SELECT count(*) FROM run_fact").scalar() == 1
        db.insert(head, rows, "ON CONFLICT (run_id, fact) DO NOTHING")
    with pg.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM run_fact").scalar() == len(rows)
        kept = conn.exec_driver_sql("SELECT value::text FROM run_fact WHERE run_id = 'r0007'").scalar()
        assert kept == '["mallory"]'  # the first write stands
    with pg.begin() as conn:
        fresh = [(f"s{i:04d}", "inputs", "[]", "u:alice", now) for i in range(COPY_MIN_ROWS)]
        assert BatchSQL(conn).copy_new(head, fresh) is True
        assert BatchSQL(conn).copy_new(head, fresh[:3]) is False  # too few rows: the caller's statement


def test_key_lists_with_quotes_backslashes_and_braces_find_their_rows(pg: Engine) -> None:
    keys = ['a"b', "c\\d", "e,f", "{g}", "h i", "NULL", "", "ü", "x'y", 'a\\"b\\']
    with pg.begin() as conn:
        for i, key in enumerate(keys):
            conn.exec_driver_sql(
                "INSERT INTO job (namespace, name, node_id, facets, facet_times, first_seen, last_seen) "
                "VALUES ('ns', %s, %s, '{}', '{}', now(), now())",
                (f"n{i}", key),
            )
    with pg.begin() as conn:
        found = BatchSQL(conn).select_in("SELECT node_id FROM job", "node_id", keys)
        assert sorted(r[0] for r in found) == sorted(keys)
        assert BatchSQL(conn).select_in("SELECT node_id FROM job", "node_id", ["nope", "NULL"]) == [("NULL",)]


def test_binary_copy_only_for_types_it_can_write(pg: Engine) -> None:
    with pg.begin() as conn:
        cur = conn.connection.cursor()
        assert _binary_types(cur, "run_io", ("run_id", "dataset_id", "facets", "event_time")) == [
            "varchar",
            "int4",
            "text",
            "timestamptz",
        ]
        conn.exec_driver_sql("CREATE TEMP TABLE odd (n numeric, b bytea)")
        assert _binary_types(cur, "odd", ("n", "b")) is None  # no binary form here: text COPY


def test_a_node_shared_by_two_batches_is_written_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg: Engine
) -> None:
    """The job's owner is first-write-wins. Batch 1 claims team-a, batch 2 team-b; batch 1 is slow to
    store its raw events. Batch 2 must still wait for batch 1's locks: team-a stands, team-b is a conflict."""
    import governance.lineage.project as project
    from bench.synth import run_events

    events = list(run_events(140, jobs=1, datasets=4))
    for i, event in enumerate(events):
        event["job"]["facets"] = {
            "ownership": {
                "_producer": "https://example.com/p",
                "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json",
                "owners": [{"name": "team-a" if i < 70 else "team-b"}],
            }
        }
    path = _write(tmp_path / "events.jsonl", events)
    monkeypatch.setattr(ingest, "BATCH_SIZE", 70)
    original, calls = project._insert_raw, []

    def slow_first(db: BatchSQL, batch: list) -> dict[str, int]:  # type: ignore[type-arg]
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.5)
        return original(db, batch)

    monkeypatch.setattr(project, "_insert_raw", slow_first)
    report = ingest_paths(pg, [path], workers=0)
    assert report.accepted == 140 and len(calls) == 2
    with pg.connect() as conn:
        owners = conn.execute(text("SELECT facets::json->'ownership'->'owners' FROM job")).scalar()
        claimed = conn.execute(text("SELECT claimed_value::text FROM node_fact_conflict")).scalars().all()
    assert owners == [{"name": "team-a"}]
    assert claimed and all("team-b" in c for c in claimed)
