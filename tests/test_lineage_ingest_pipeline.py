"""The fast file-ingest path: the validation worker, batch boundaries and raw-id assignment change nothing
in what is stored (compared table by table, by natural keys), and JSON Lines split at newlines only."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import governance.lineage.ingest as ingest
from bench.synth import run_events
from governance.lineage.ingest import ingest_paths
from governance.store.db import make_engine
from governance.store.migrate import upgrade
from tests.helpers import EXAMPLES

EXAMPLE = EXAMPLES / "credit_platform.jsonl"


def _store(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def _events() -> list[dict[str, Any]]:
    """Synthetic runs with changing facets, the example platform, out of order, some sent twice."""
    events = list(run_events(600, jobs=13, datasets=31))
    for i, event in enumerate(events):
        if i % 3 == 0:
            event["job"]["facets"] = {
                "sql": {
                    "_producer": "https://example.com/p",
                    "query": f"select {i % 4}",
                    "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json",
                }
            }
        for ds in event["outputs"]:
            ds["facets"]["version"] = {
                "_producer": "https://example.com/p",
                "datasetVersion": str(i % 5),
                "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json",
            }
    events += [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()]
    random.Random(3).shuffle(events)
    return events + events[::7]


def _write(path: Path, events: list[dict[str, Any]], extra: list[str] = ()) -> Path:  # type: ignore[assignment]
    path.write_text("".join(json.dumps(e) + "\n" for e in events) + "".join(line + "\n" for line in extra))
    return path


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every graph table by natural keys: ids replaced by what they point at, receive times left out."""
    queries = {
        "raw_event": "SELECT digest, kind, event_type, event_time, run_id, job_namespace, job_name, producer, payload "
        "FROM raw_event",
        "job": "SELECT node_id, namespace, name, facets, facet_times, first_seen, last_seen FROM job",
        "dataset": "SELECT node_id, namespace, name, facets, facet_times, first_seen, last_seen FROM dataset",
        "dataset_facet_version": "SELECT d.node_id, v.facet, v.value, v.event_time, r.digest "
        "FROM dataset_facet_version v JOIN dataset d ON d.id = v.dataset_id "
        "JOIN raw_event r ON r.id = v.raw_event_id",
        "run": "SELECT r.run_id, j.node_id, r.state, r.state_time, r.started_at, r.ended_at, r.parent_run_id, "
        "r.error_message, r.facets, r.first_seen FROM run r JOIN job j ON j.id = r.job_id",
        "run_io": "SELECT io.run_id, d.node_id, io.direction, io.version, io.facets, io.event_time FROM run_io io "
        "JOIN dataset d ON d.id = io.dataset_id",
        "lineage_edge": "SELECT src, dst, first_seen FROM lineage_edge",
        "column_edge": "SELECT src_dataset, src_field, dst_dataset, dst_field, transformation, first_seen "
        "FROM column_edge",
        "rejected_event": "SELECT source, location, json_path, reason, payload FROM rejected_event",
    }
    with engine.connect() as conn:
        return {
            name: sorted(tuple(str(v) for v in row) for row in conn.execute(text(sql))) for name, sql in queries.items()
        }


def _report(report: ingest.IngestReport) -> tuple[Any, ...]:
    return report.accepted, report.duplicates, [r.line() for r in report.rejected], report.results


def test_worker_gives_exactly_the_single_process_result(tmp_path: Path) -> None:
    bad = ['{"eventType": "START", ', json.dumps({**_events()[0], "eventTime": "noon"})]
    path = _write(tmp_path / "events.jsonl", _events(), bad)
    stores = {workers: _store(tmp_path / f"w{workers}.db") for workers in (0, 1)}
    reports = {workers: _report(ingest_paths(engine, [path], workers=workers)) for workers, engine in stores.items()}
    assert reports[0] == reports[1]
    accepted, duplicates, rejected, _ = reports[0]
    assert accepted > 600 and duplicates > 0 and len(rejected) == 2
    assert _tables(stores[0]) == _tables(stores[1])


def test_batch_boundaries_change_nothing_for_events_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In eventTime order, batches of 7 store what one batch stores (nodes, runs, history, edges...)."""
    events = sorted(_events(), key=lambda e: e["eventTime"])
    path = _write(tmp_path / "ordered.jsonl", events)
    whole = _store(tmp_path / "whole.db")
    ingest_paths(whole, [path], workers=0)
    monkeypatch.setattr(ingest, "BATCH_SIZE", 7)
    small = _store(tmp_path / "small.db")
    ingest_paths(small, [path], workers=0)
    assert _tables(whole) == _tables(small)


def test_reingest_with_new_events_keeps_raw_ids_straight(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Duplicates inside a batch of new events: each facet version still points at the event that carried it."""
    monkeypatch.setattr(ingest, "BATCH_SIZE", 50)
    events = sorted(_events(), key=lambda e: e["eventTime"])
    ingest_paths(engine, [_write(tmp_path / "a.jsonl", events[::2])], workers=0)
    again = ingest_paths(engine, [_write(tmp_path / "b.jsonl", events)], workers=0)
    assert again.duplicates >= len(events[::2]) and again.accepted > 0
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.facet, v.value, v.event_time, r.payload, r.event_time FROM dataset_facet_version v "
                "JOIN raw_event r ON r.id = v.raw_event_id"
            )
        ).all()
    assert rows
    for facet, value, at, payload, raw_at in rows:
        assert str(at) == str(raw_at)
        value = json.loads(value) if isinstance(value, str) else value
        carried = [
            ds.get("facets", {}).get(facet)
            for key in ("inputs", "outputs")
            for ds in json.loads(payload).get(key) or []
        ]
        assert value in carried


def test_json_lines_split_at_newlines_only(engine: Engine, tmp_path: Path) -> None:
    """U+2028, U+2029 and U+0085 are valid unescaped inside JSON strings; they do not end a line."""
    event = json.loads(EXAMPLE.read_text().splitlines()[0])
    event["job"]["facets"] = {
        "documentation": {
            "_producer": "https://example.com/p",
            "description": "one\u2028two\u2029three\u0085four",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DocumentationJobFacet.json",
        }
    }
    line = json.dumps(event, ensure_ascii=False)
    path = tmp_path / "separators.jsonl"
    path.write_text(line + "\r\n\n", encoding="utf-8")
    report = ingest_paths(engine, [path])
    assert (report.accepted, report.rejected) == (1, [])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT payload FROM raw_event")).scalar() == line
