"""Real producers' events are accepted: a value breaking its declared format is stored as a warning.

The events in tests/data/openlineage/producers (see tests/data/SOURCES.md) were emitted by the
OpenLineage Spark and Flink integrations. They ingest with warnings and nothing rejected; `--strict`
(and GOV_LINEAGE_STRICT=1 for the service) rejects the ones with warnings; what the store needs (a UUID
runId, required properties) is still refused with exit 2. Warnings are read with `gov lineage warnings`
and `GET /api/v1/lineage/warnings`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from governance.lineage.ingest import ingest_paths
from governance.lineage.parse import EventValidationError, parse_event
from tests.conftest import data_path
from tests.helpers import gov
from tests.service_helpers import assert_error_shape, bearer

pytest_plugins = ["tests.conftest_service"]

PRODUCERS = "openlineage", "producers"
SPARK_QUICKSTART = "openlineage-spark-quickstart_local.json"
SPARK_RENTGEN = "data-rentgen-events_spark.jsonl"
FLINK_RENTGEN = "data-rentgen-events_flink.jsonl"


def _events(name: str) -> list[dict[str, Any]]:
    path = data_path(*PRODUCERS, name)
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(path.read_text(encoding="utf-8"))]


def _warnings(engine: Engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT event_digest, producer, code, json_path FROM lineage_warning ORDER BY id"))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_real_producer_events_parse_with_the_expected_warnings() -> None:
    """Each file's events: accepted by default, with these warnings; strict mode refuses those with any."""
    expected = {
        SPARK_QUICKSTART: [[("uri-format", "$.outputs[0].facets.dataSource.uri")]],
        SPARK_RENTGEN: [[]] * 5,
        FLINK_RENTGEN: [[("schema-url-mismatch", "$.run.facets.flink_job._schemaURL")]] * 3,
    }
    for name, per_event in expected.items():
        events = _events(name)
        assert len(events) == len(per_event), name
        for event, warnings in zip(events, per_event, strict=True):
            parsed = parse_event(copy.deepcopy(event))
            assert [(w.code, w.json_path) for w in parsed.warnings] == warnings, name
            assert parsed.kind == "RunEvent" and parsed.event_time.utcoffset() is not None
            if warnings:
                with pytest.raises(EventValidationError):
                    parse_event(event, strict=True)
            else:
                parse_event(event, strict=True)


def test_cli_ingests_real_producers_with_warnings_and_lists_them(engine: Engine) -> None:
    folder = data_path(*PRODUCERS)
    result = gov("lineage", "ingest", str(folder))
    assert result.exit_code == 0, result.output
    assert "9 new event(s), 0 duplicate(s) already stored, 0 rejected" in result.stdout
    assert "4 accepted with 4 format warning(s)" in result.stdout
    stored = _warnings(engine)
    assert len(stored) == 4
    assert {code for _d, _p, code, _j in stored} == {"uri-format", "schema-url-mismatch"}
    with engine.connect() as conn:
        digests = set(conn.execute(text("SELECT digest FROM raw_event")).scalars())
    assert {digest for digest, _p, _c, _j in stored} <= digests  # stored with their events

    # Ingesting again stores nothing twice, warnings included.
    again = gov("lineage", "ingest", str(folder))
    assert again.exit_code == 0 and "0 new event(s), 9 duplicate(s)" in again.stdout
    assert len(_warnings(engine)) == 4

    listed = gov("lineage", "warnings", "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == 4 and set(rows[0]) == {
        "event_digest",
        "producer",
        "code",
        "json_path",
        "message",
        "received_at",
    }
    flink = json.loads(gov("lineage", "warnings", "--producer", "integration/flink", "-f", "json").stdout)
    assert len(flink) == 3 and all(r["code"] == "schema-url-mismatch" for r in flink)
    uri = json.loads(gov("lineage", "warnings", "--code", "uri-format", "-f", "json").stdout)
    assert [r["json_path"] for r in uri] == ["$.outputs[0].facets.dataSource.uri"]
    assert "'file'" in uri[0]["message"] and "0.12.0-SNAPSHOT/integration/spark" in uri[0]["producer"]
    assert json.loads(gov("lineage", "warnings", "--since", "2999-01-01", "-f", "json").stdout) == []
    table = gov("lineage", "warnings", "--producer", "integration/spark")
    assert table.exit_code == 0 and "uri-format  $.outputs[0].facets.dataSource.uri" in table.stdout

    from governance.lineage.warnings import warning_counts_by_producer
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        counts = warning_counts_by_producer(session)
    assert counts == [
        ("https://github.com/OpenLineage/OpenLineage/tree/1.32.0/integration/flink", 3, 3),
        ("https://github.com/OpenLineage/OpenLineage/tree/0.12.0-SNAPSHOT/integration/spark", 1, 1),
    ]

    bad = gov("lineage", "warnings", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.output and "Traceback" not in bad.output


def test_strict_ingest_rejects_what_breaks_a_format(engine: Engine) -> None:
    result = gov("lineage", "ingest", "--strict", str(data_path(*PRODUCERS)))
    assert result.exit_code == 2
    assert "5 new event(s), 0 duplicate(s) already stored, 4 rejected" in result.stdout
    assert "$.outputs[0].facets.dataSource.uri: not a URI" in result.stderr
    assert "$.run.facets.flink_job.processingType: missing required field" in result.stderr
    assert _warnings(engine) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e["run"].__setitem__("runId", "spark-app-1"), "$.run.runId: not a UUID"),
        (lambda e: e["job"].pop("name"), "$.job.name: missing required field"),
        (lambda e: e.__setitem__("eventTime", "5 July 2024"), "$.eventTime: not an RFC 3339 date-time"),
        (lambda e: e.__setitem__("eventType", "DONE"), "$.eventType: must be one of"),
    ],
    ids=["runId", "job.name", "eventTime", "eventType"],
)
def test_what_the_store_needs_is_still_rejected(engine: Engine, tmp_path: Path, change: Any, message: str) -> None:
    event = _events(SPARK_QUICKSTART)[0]
    change(event)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    result = gov("lineage", "ingest", str(path))
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert _warnings(engine) == []


def test_the_validation_worker_keeps_warnings(engine: Engine, tmp_path: Path) -> None:
    """File ingest validated in a second process stores the same warnings as in-process validation."""
    lines = [json.dumps(e) for name in (SPARK_QUICKSTART, FLINK_RENTGEN) for e in _events(name)]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_paths(engine, [path], workers=1)
    assert (report.accepted, len(report.rejected), report.warnings, report.warned_events) == (4, 0, 4, 4)
    assert len(_warnings(engine)) == 4
    strict = ingest_paths(engine, [path], workers=1, strict=True)
    assert len(strict.rejected) == 4


def test_api_accepts_with_warnings_and_lists_them(api: Any, tokens: dict[Role, str]) -> None:
    ingest, auditor = bearer(tokens[Role.INGEST]), bearer(tokens[Role.AUDITOR])
    event = _events(SPARK_QUICKSTART)[0]
    response = api.post("/api/v1/lineage", json=event, headers=ingest)
    assert response.status_code == 201, response.text
    assert [w["code"] for w in response.json()["warnings"]] == ["uri-format"]
    batch = api.post("/api/v1/lineage/batch", json=_events(FLINK_RENTGEN), headers=ingest)
    assert batch.status_code == 200 and batch.json()["summary"]["warnings"] == 3
    assert batch.json()["summary"]["failed"] == 0

    listed = api.get("/api/v1/lineage/warnings", headers=auditor)
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["warnings"]) == 4
    only = api.get(
        "/api/v1/lineage/warnings", params={"producer": "spark", "code": "uri-format"}, headers=auditor
    ).json()["warnings"]
    assert [w["json_path"] for w in only] == ["$.outputs[0].facets.dataSource.uri"]
    assert api.get("/api/v1/lineage/warnings", params={"since": "2999-01-01"}, headers=auditor).json() == {
        "warnings": []
    }
    assert_error_shape(api.get("/api/v1/lineage/warnings", params={"since": "soon"}, headers=auditor), 400)
    assert_error_shape(api.get("/api/v1/lineage/warnings", headers=ingest), 403)


def test_api_strict_mode_from_the_environment(
    engine: Engine, tokens: dict[Role, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    monkeypatch.setenv("GOV_LINEAGE_STRICT", "1")
    app = create_app(engine, Settings(reports_dir=tmp_path, policy_dir=tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = bearer(tokens[Role.INGEST])
        body = assert_error_shape(
            client.post("/api/v1/lineage", json=_events(SPARK_QUICKSTART)[0], headers=headers), 400
        )
        assert "not a URI" in json.dumps(body)
        batch = client.post("/api/v1/lineage/batch", json=_events(FLINK_RENTGEN), headers=headers)
        assert batch.json()["summary"]["failed"] == 3
        ok = client.post("/api/v1/lineage", json=_events(SPARK_RENTGEN)[0], headers=headers)
        assert ok.status_code == 201 and "warnings" not in ok.json()
