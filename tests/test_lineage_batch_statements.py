"""PostgreSQL ingest writes a batch in a bounded number of statements, whatever its size.

Each statement the server executes is counted at the DBAPI cursor (executemany counts one per row,
as the server runs one per row; a COPY counts one), so going back to row-by-row writes fails here.
The projection written through the staging tables (large batches) must equal the one written row by
row (small batches), and each batch stays one transaction: a failing batch leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.lineage import batch_sql
from governance.lineage.collect import Accepted
from governance.lineage.project import write_batch
from governance.lineage.sources import SourceItem
from governance.lineage.validate import validate_item

# Statements per batch on PostgreSQL at most, for any number of events (measured: 30-36 here).
MAX_STATEMENTS = 45
TABLES = (
    "raw_event",
    "job",
    "dataset",
    "dataset_facet_version",
    "run",
    "run_io",
    "lineage_edge",
    "column_edge",
    "run_fact",
)


class _Counting:
    """The DBAPI cursor, counting the statements the server executes."""

    def __init__(self, cur: Any, counts: list[int]) -> None:
        self._cur, self._counts = cur, counts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self._counts[-1] += 1
        return self._cur.execute(*args, **kwargs)

    def executemany(self, query: str, params: Sequence[Any], **kwargs: Any) -> Any:
        self._counts[-1] += len(params)
        return self._cur.executemany(query, params, **kwargs)

    def copy(self, *args: Any, **kwargs: Any) -> Any:
        self._counts[-1] += 1
        return self._cur.copy(*args, **kwargs)


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Statements per write_batch call, one entry per call."""
    out: list[int] = []
    original = batch_sql.BatchSQL.__init__

    def counting_init(self: batch_sql.BatchSQL, conn: Any) -> None:
        original(self, conn)
        out.append(0)
        self.cur = _Counting(self.cur, out)

    monkeypatch.setattr(batch_sql.BatchSQL, "__init__", counting_init)
    yield out


def _events(runs: int, state: str, *, offset: int = 0) -> list[Accepted]:
    """One event per run: `runs` runs over 97 jobs and 300 datasets, with schema and column lineage."""
    out = []
    base = {"_producer": "https://example.com/producer", "_schemaURL": "https://example.com/facet.json"}
    for i in range(runs):
        job = i % 97
        obj = {
            "eventType": state,
            "eventTime": f"2026-11-{1 + offset:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
            "producer": "https://example.com/producer",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {
                "runId": f"00000000-0000-4000-8000-{i:012d}",
                "facets": {"runAuthors": {**base, "authors": [{"name": f"author{job % 5}"}]}}
                if state == "COMPLETE"
                else {},
            },
            "job": {"namespace": "bs", "name": f"job_{job}"},
            "inputs": [{"namespace": "wh", "name": f"t_{(job * 3 + k) % 300}"} for k in range(2)],
            "outputs": [
                {
                    "namespace": "lake",
                    "name": f"out_{job}",
                    "facets": {
                        "schema": {
                            **base,
                            "fields": [{"name": "id", "type": "BIGINT"}, {"name": f"v{offset}", "type": "INT"}],
                        },
                        "columnLineage": {
                            **base,
                            "fields": {"id": {"inputFields": [{"namespace": "wh", "name": f"t_{job}", "field": "id"}]}},
                        },
                    },
                }
            ],
        }
        outcome = validate_item(SourceItem("test", f"[{i}]", json.dumps(obj), obj=obj))
        assert isinstance(outcome, Accepted), outcome
        out.append(outcome)
    return out


def _ingest(engine: Engine, runs: int, per_batch: int) -> None:
    for offset, state in enumerate(("START", "COMPLETE")):
        events = _events(runs, state, offset=offset)
        for start in range(0, len(events), per_batch):
            write_batch(engine, events[start : start + per_batch])


# Surrogate ids depend on how events fall into batches; rows referring to nodes name them instead.
_NAMED = {
    "run": "SELECT job.node_id AS job, run.* FROM run JOIN job ON job.id = run.job_id",
    "run_io": "SELECT dataset.node_id AS dataset, run_io.* FROM run_io JOIN dataset ON dataset.id = run_io.dataset_id",
    "dataset_facet_version": "SELECT dataset.node_id AS dataset, v.* FROM dataset_facet_version v "
    "JOIN dataset ON dataset.id = v.dataset_id",
}
_IDS = ("id", "job_id", "dataset_id", "raw_event_id", "received_at", "recorded_at")


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with engine.connect() as conn:
        for table in TABLES:
            result = conn.execute(text(_NAMED.get(table, f"SELECT * FROM {table}")))
            keep = [i for i, name in enumerate(result.keys()) if name not in _IDS]
            out[table] = sorted((tuple(str(row[i]) for i in keep) for row in result), key=repr)
    return out


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)}, lineage_warning RESTART IDENTITY CASCADE"))
            return
        for table in ("lineage_warning", "run_fact_conflict", *reversed(TABLES)):
            conn.execute(text(f"DELETE FROM {table}"))


def test_statements_per_batch_do_not_grow_with_the_batch_on_postgresql(engine: Engine, counts: list[int]) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite steps one prepared statement per row in-process (no round trips)")
    for runs in (300, 1200):
        counts.clear()
        _truncate(engine)
        _ingest(engine, runs, per_batch=runs)  # one batch of START events, then one of COMPLETE events
        assert len(counts) == 2
        assert max(counts) <= MAX_STATEMENTS, f"{runs} events per batch took {counts} statements"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw_event")).scalar_one() == 2400
        assert conn.execute(text("SELECT count(*) FROM run WHERE state = 'COMPLETE'")).scalar_one() == 1200


def test_a_large_batch_writes_what_small_batches_write(engine: Engine) -> None:
    """Large batches (staging tables + one statement per table on PostgreSQL) store the same rows as
    batches small enough to be written row by row."""
    _ingest(engine, 400, per_batch=20)
    small = _tables(engine)
    _truncate(engine)
    _ingest(engine, 400, per_batch=400)
    large = _tables(engine)
    for table in TABLES:
        assert large[table] == small[table], table
    assert len(large["raw_event"]) == 800 and len(large["run_fact"]) == 1200  # authors, inputs, state per run


@pytest.mark.parametrize("runs", [5, 300])  # PostgreSQL: pipeline mode, and staging tables + COPY
def test_a_batch_failing_in_the_database_leaves_nothing_and_the_next_one_is_written(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, runs: int
) -> None:
    from governance.lineage import project

    events = _events(runs, "START")

    def failing(db: Any, c: Any) -> None:  # a statement the server refuses, its result never read
        db.insert("INSERT INTO lineage_edge (src, dst, first_seen)", [("a", "b", None)] * 70)

    with monkeypatch.context() as patch:
        patch.setattr(project, "_write_columns", failing)
        with pytest.raises(Exception, match="(?i)null"):
            write_batch(engine, events)
    with engine.connect() as conn:
        for table in ("raw_event", "run", "run_io", "job", "lineage_edge"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table
    assert write_batch(engine, events) == {e.digest for e in events}
    with contextlib.closing(engine.connect()) as conn:
        assert conn.execute(text("SELECT count(*) FROM run_io")).scalar_one() == 3 * runs
        assert conn.execute(text("SELECT count(*) FROM column_edge")).scalar_one() == min(runs, 97)
