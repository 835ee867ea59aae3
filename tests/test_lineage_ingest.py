"""Ingestion: real events in, graph projected, duplicates and bad input handled without loss."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.lineage.ingest import ingest_objects, ingest_paths
from tests.helpers import EXAMPLES, gov, snapshot

EXAMPLE = EXAMPLES / "credit_platform.jsonl"


def _events() -> list[dict]:
    return [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()]


def test_examples_project_the_graph(engine: Engine) -> None:
    report = ingest_paths(engine, [EXAMPLES])
    assert report.rejected == []
    assert report.accepted == len(_events())
    snap = snapshot(engine)
    assert snap["raw_event"] == len(_events())
    assert snap["job"] == 5
    with engine.connect() as conn:
        states = dict(
            conn.execute(
                text("SELECT job.name, run.state FROM run JOIN job ON job.id = run.job_id WHERE run.state = 'FAIL'")
            ).all()
        )
        error = conn.execute(text("SELECT error_message FROM run WHERE state = 'FAIL'")).scalar()
        facets = conn.execute(text("SELECT facets FROM dataset WHERE name = 'bank.applications'")).scalar()
    assert states == {"ml.train_fraud_detector": "FAIL"}
    assert error == "OOM in trainer"
    facets = json.loads(facets) if isinstance(facets, str) else facets
    pii = [f["name"] for f in facets["schema"]["fields"] if any(t["value"] == "PII" for t in f.get("tags", []))]
    assert pii == ["full_name", "date_of_birth", "sex"]
    assert facets["ownership"]["owners"][0]["name"] == "team:credit-data"


def test_reingest_changes_nothing(engine: Engine) -> None:
    ingest_paths(engine, [EXAMPLE])
    before = snapshot(engine)
    again = ingest_paths(engine, [EXAMPLE])
    assert again.accepted == 0 and again.duplicates == len(_events())
    assert snapshot(engine) == before


def test_order_does_not_matter(engine: Engine, tmp_path: Path) -> None:
    """Events arriving out of order give the same run states and edge times (eventTime decides)."""
    events = _events()
    ingest_objects(engine, list(reversed(events)), source="reversed")
    reversed_snap = snapshot(engine)
    with engine.begin() as conn:
        for table in (
            "column_edge",
            "lineage_edge",
            "run_io",
            "dataset_facet_version",
            "run",
            "dataset",
            "job",
            "raw_event",
        ):
            conn.execute(text(f"DELETE FROM {table}"))
    ingest_objects(engine, events, source="ordered")
    assert snapshot(engine) == reversed_snap


def test_jsonl_gzip_and_arrays(engine: Engine, tmp_path: Path) -> None:
    events = _events()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress("\n".join(json.dumps(e) for e in events[:4]).encode()))
    (tmp_path / "b.json").write_text(json.dumps(events[4:]))
    report = ingest_paths(engine, [tmp_path])
    assert (report.accepted, report.rejected) == (len(events), [])


def _bad_cases(tmp_path: Path) -> dict[str, tuple[str, str]]:
    good = _events()[0]
    missing = {k: v for k, v in good.items() if k != "eventTime"}
    unknown_type = {**good, "eventType": "EXPLODED"}
    bad_time = {**good, "eventTime": "yesterday at noon"}
    huge = {
        **good,
        "run": {
            **good["run"],
            "facets": {
                "blob": {
                    "_producer": "https://x.test/p",
                    "_schemaURL": "https://x.test/s.json",
                    "data": "x" * (10 * 1024 * 1024),
                }
            },
        },
    }
    return {
        "malformed": ('{"eventType": "START", ', "malformed JSON"),
        "missing": (json.dumps(missing), "eventTime"),
        "unknown_type": (json.dumps(unknown_type), "eventType"),
        "bad_time": (json.dumps(bad_time), "eventTime"),
        "huge": (json.dumps(huge), "larger than"),
    }


@pytest.mark.parametrize("case", ["malformed", "missing", "unknown_type", "bad_time", "huge"])
def test_bad_event_is_rejected_with_location_and_nothing_written(case: str, engine: Engine, tmp_path: Path) -> None:
    text_, expected = _bad_cases(tmp_path)[case]
    good = json.dumps(_events()[1])
    path = tmp_path / f"{case}.jsonl"
    path.write_text(good + "\n" + text_ + "\n")
    result = gov("lineage", "ingest", str(path))
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("rejected:")]
    assert len(lines) == 1
    assert f"{path}:line 2:" in lines[0] and expected in lines[0]
    assert "Traceback" not in result.output
    snap = snapshot(engine)
    assert snap["raw_event"] == 1  # the valid event is kept, the bad one left no trace in the graph
    with engine.connect() as conn:
        reasons = conn.execute(text("SELECT location, reason FROM rejected_event")).all()
    assert [r[0] for r in reasons] == ["line 2"]


def test_duplicate_in_one_file_is_stored_once(engine: Engine, tmp_path: Path) -> None:
    event = json.dumps(_events()[0])
    path = tmp_path / "dup.jsonl"
    path.write_text(event + "\n" + json.dumps(json.loads(event), indent=None, sort_keys=True) + "\n")
    result = gov("lineage", "ingest", str(path))
    assert result.exit_code == 0, result.output
    assert "1 new event(s), 1 duplicate(s)" in result.stdout
    assert snapshot(engine)["raw_event"] == 1


def test_raw_event_is_verbatim(engine: Engine, tmp_path: Path) -> None:
    line = json.dumps(_events()[0], indent=None)
    path = tmp_path / "one.jsonl"
    path.write_text(line + "\n")
    ingest_paths(engine, [path])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT payload FROM raw_event")).scalar() == line


def test_missing_path_is_one_line_exit_2(engine: Engine, tmp_path: Path) -> None:
    result = gov("lineage", "ingest", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error:") and len(result.stderr.strip().splitlines()) == 1


def test_invalid_validation_results_facet_rejects_the_event(sqlite_engine: Engine, tmp_path: Path) -> None:
    event = next(e for e in _events() if "gov_validationResults" in e["run"]["facets"])
    event["run"]["facets"]["gov_validationResults"]["results"][0]["stage"] = "vibes"
    path = tmp_path / "bad_facet.jsonl"
    path.write_text(json.dumps(event) + "\n")
    result = gov("lineage", "ingest", str(path))
    assert result.exit_code == 2
    assert "$.run.facets.gov_validationResults.results[0].stage" in result.stderr
    assert snapshot(sqlite_engine)["raw_event"] == 0


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_unstorable_text_is_rejected_not_fatal(bad: str, sqlite_engine: Engine, tmp_path: Path) -> None:
    """NUL and lone surrogates are legal JSON escapes but no database stores them: reject with a path."""
    good = json.dumps(_events()[0])
    event = _events()[1]
    event["job"]["name"] += bad
    hostile = json.dumps(event)  # ensure_ascii: written as the JSON escapes \u0000 and \ud800
    path = tmp_path / "hostile.jsonl"
    path.write_text(good + "\n" + hostile + "\n")
    result = gov("lineage", "ingest", str(path))
    assert result.exit_code == 2, result.output
    assert ":line 2: $.job.name:" in result.stderr
    assert snapshot(sqlite_engine)["raw_event"] == 1
