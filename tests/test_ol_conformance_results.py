"""parse_event's errors name the JSON path at fault, and what it accepts comes back as typed models.

Error messages, the ParsedEvent it returns (client models, time, raw event), event kinds, the
`uuid` format of run ids, and events built with openlineage-python itself.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openlineage.client.event_v2 import DatasetEvent, JobEvent, RunEvent
from openlineage.client.generated.column_lineage_dataset import ColumnLineageDatasetFacet
from openlineage.client.generated.parent_run import ParentRunFacet
from openlineage.client.generated.schema_dataset import SchemaDatasetFacet

from governance.errors import InputError
from governance.lineage.parse import EventValidationError, ParsedEvent, parse_event
from tests.ol_helpers import (
    BAD_RUN_IDS,
    CORPUS,
    DELETE,
    UUID,
    _minimal,
    oracle,
    ours,
    with_change,
)

# ---- error messages and the parsed result -------------------------------------------------------


def _airflow(line: str = "01") -> dict[str, Any]:
    return copy.deepcopy(next(c.event for c in CORPUS if c.name == f"airflow-bq-gcs-line_{line}.json"))


ERROR_CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("empty", lambda: {}, "$.eventTime", "missing required field"),
    ("runId", lambda: with_change(_minimal(), ("run", "runId"), "abc"), "$.run.runId", "not a UUID: 'abc'"),
    (
        "naive time",
        lambda: with_change(_minimal(), ("eventTime",), "2024-05-01T12:00:00"),
        "$.eventTime",
        "not an RFC 3339 date-time",
    ),
    ("eventType", lambda: with_change(_minimal(), ("eventType",), "BOGUS"), "$.eventType", "must be one of"),
    ("inputs", lambda: with_change(_minimal(), ("inputs",), {}), "$.inputs", "expected an array, got object"),
    ("producer", lambda: with_change(_minimal(), ("producer",), "producer"), "$.producer", "not a URI"),
    (
        "nested facet",
        lambda: with_change(_minimal(), ("outputs", 0, "facets", "schema", "fields", 0, "name"), DELETE),
        "$.outputs[0].facets.schema.fields[0].name",
        "missing required field",
    ),
    (
        "custom facet",
        lambda: with_change(_airflow(), ("run", "facets", "airflowDagRun", "_producer"), DELETE),
        "$.run.facets.airflowDagRun._producer",
        "missing required field",
    ),
    (
        "facet key",
        lambda: with_change(_minimal(), ("run", "facets"), {"my-facet": 1}),
        "$.run.facets['my-facet']",
        "expected an object, got integer",
    ),
    (
        "no kind",
        lambda: {k: v for k, v in _minimal().items() if k not in ("run", "job")},
        "$",
        "missing required field: 'run' and 'job'",
    ),
    ("run without job", lambda: with_change(_minimal(), ("job",), DELETE), "$.job", "missing required field"),
    ("not an object", lambda: [], "$", "expected a JSON object, got array"),
]


@pytest.mark.parametrize(("case", "make", "path", "reason"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_error_names_json_path(case: str, make: Callable[[], Any], path: str, reason: str) -> None:
    """Strict mode (every format asserted); test_format_problems_are_warnings covers the default."""
    with pytest.raises(EventValidationError) as info:
        parse_event(make(), strict=True)
    error = info.value
    assert isinstance(error, InputError) and error.exit_code == 2
    assert error.json_path == path
    assert error.reason.startswith(reason), error.reason
    assert error.message == f"{path}: {error.reason}"


WARNING_CASES: list[tuple[str, Callable[[], Any], list[tuple[str, str]]]] = [
    ("producer", lambda: with_change(_minimal(), ("producer",), "producer"), [("uri-format", "$.producer")]),
    (
        "naive time",
        lambda: with_change(_minimal(), ("eventTime",), "2024-05-01T12:00:00.5"),
        [("event-time-without-offset", "$.eventTime")],
    ),
    (
        "facet _schemaURL",
        lambda: with_change(_minimal(), ("outputs", 0, "facets", "schema", "_producer"), "spark"),
        [("uri-format", "$.outputs[0].facets.schema._producer")],
    ),
    (
        "dataSource uri",
        lambda: with_change(
            _minimal(),
            ("inputs", 0, "facets"),
            {
                "dataSource": {
                    "_producer": "https://example.com/p",
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet",
                    "name": "file",
                    "uri": "file",
                }
            },
        ),
        [("uri-format", "$.inputs[0].facets.dataSource.uri")],
    ),
    (
        "parent runId",
        lambda: with_change(
            _minimal(),
            ("run", "facets"),
            {
                "parent": {
                    "_producer": "https://example.com/p",
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json#/$defs/ParentRunFacet",
                    "run": {"runId": "scheduled__2024-05-01"},
                    "job": {"namespace": "n", "name": "j"},
                }
            },
        ),
        [("uuid-format", "$.run.facets.parent.run.runId")],
    ),
    (
        "custom facet",
        lambda: with_change(_minimal(), ("job", "facets"), {"mine": {"_producer": "me", "_schemaURL": "mine.json"}}),
        [("uri-format", "$.job.facets.mine._producer"), ("uri-format", "$.job.facets.mine._schemaURL")],
    ),
]


@pytest.mark.parametrize(("case", "make", "expected"), WARNING_CASES, ids=[c[0] for c in WARNING_CASES])
def test_format_problems_are_warnings(case: str, make: Callable[[], Any], expected: list[tuple[str, str]]) -> None:
    """By default a value breaking its format is accepted, with a warning naming its JSON path."""
    event = make()
    parsed = parse_event(event)
    assert [(w.code, w.json_path) for w in parsed.warnings] == expected
    assert all(w.message for w in parsed.warnings)
    with pytest.raises(EventValidationError) as info:
        parse_event(event, strict=True)
    assert info.value.json_path == expected[0][1]


def test_what_the_store_needs_stays_an_error() -> None:
    """run.runId must be a UUID and eventTime an instant, whatever the mode; a valid event has no warnings."""
    for bad in ("abc", "scheduled__2024-05-01", ""):
        with pytest.raises(EventValidationError) as info:
            parse_event(with_change(_minimal(), ("run", "runId"), bad))
        assert info.value.json_path == "$.run.runId" and info.value.reason.startswith("not a UUID")
    for bad in ("yesterday", "2024-05-01", "2024-05-01 12:00:00", "2024-05-01T12:00:00+0200", "2024-13-01T00:00:00"):
        with pytest.raises(EventValidationError) as info:
            parse_event(with_change(_minimal(), ("eventTime",), bad))
        assert info.value.json_path == "$.eventTime"
    with pytest.raises(EventValidationError, match="missing required field"):
        parse_event(with_change(_minimal(), ("job", "name"), DELETE))
    assert parse_event(_minimal()).warnings == ()
    parsed = parse_event(with_change(_minimal(), ("eventTime",), "2024-05-01T12:00:00"))
    assert parsed.event_time == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_parsed_event_carries_models_time_and_raw() -> None:
    raw = _airflow("03")
    before = copy.deepcopy(raw)
    parsed = parse_event(raw)
    assert isinstance(parsed, ParsedEvent)
    assert parsed.kind == "RunEvent" and isinstance(parsed.event, RunEvent)
    assert parsed.raw is raw and raw == before
    assert parsed.event_time.tzinfo is not None and parsed.event_time.utcoffset() == timedelta(0)
    assert parsed.event_time == datetime.fromisoformat(raw["eventTime"].replace("Z", "+00:00"))
    facets = parsed.event.run.facets or {}
    assert isinstance(facets["parent"], ParentRunFacet)
    assert facets["parent"].run.runId == raw["run"]["facets"]["parent"]["run"]["runId"]
    assert facets["airflow"] is raw["run"]["facets"]["airflow"]  # custom facets stay as they came
    outputs = parsed.event.outputs or []
    schema = (outputs[0].facets or {})["schema"]
    assert isinstance(schema, SchemaDatasetFacet) and schema.fields and schema.fields[0].name
    assert isinstance((outputs[0].facets or {})["columnLineage"], ColumnLineageDatasetFacet)
    assert parsed.event.schemaURL == raw["schemaURL"] and parsed.event.producer == raw["producer"]
    assert parsed.event.run.runId == raw["run"]["runId"]


def test_event_kinds_and_offsets() -> None:
    job_event = {k: v for k, v in _minimal().items() if k not in ("run", "eventType")}
    parsed = parse_event(job_event)
    assert parsed.kind == "JobEvent" and isinstance(parsed.event, JobEvent)
    dataset_event = {
        **{k: _minimal()[k] for k in ("producer", "schemaURL")},
        "eventTime": "2024-05-01T14:00:00.5+02:00",
        "dataset": {"namespace": "n", "name": "d"},
    }
    parsed = parse_event(dataset_event)
    assert parsed.kind == "DatasetEvent" and isinstance(parsed.event, DatasetEvent)
    assert parsed.event_time.utcoffset() == timedelta(hours=2) and parsed.event_time.microsecond == 500000
    with pytest.raises(EventValidationError, match="valid both as a JobEvent"):
        parse_event({**job_event, "dataset": {"namespace": "n", "name": "d"}})


def test_run_ids_follow_the_uuid_format() -> None:
    """The `uuid` format as jsonschema checks it: UUID() must parse it and hyphens sit at 8-4-4-4-12.

    UUID() strips braces and hyphens, so a stray trailing brace passes; the oracle agrees.
    """
    accepted = {UUID, UUID.upper(), UUID + "}", str(uuid.uuid4())}
    for run_id in [*BAD_RUN_IDS, *accepted]:
        event = with_change(_minimal(), ("run", "runId"), run_id)
        assert ours(event).valid == (run_id in accepted) == oracle().decide(event).valid, run_id


# ---- events built with openlineage-python -------------------------------------------------------


def test_events_built_with_the_client_round_trip() -> None:
    """What openlineage-python's transports send parses, and serialises back to the same JSON."""
    import json

    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunState
    from openlineage.client.facet_v2 import (
        column_lineage_dataset,
        data_quality_assertions_dataset,
        nominal_time_run,
        output_statistics_output_dataset,
        parent_run,
        schema_dataset,
        sql_job,
    )
    from openlineage.client.serde import Serde

    assertion = data_quality_assertions_dataset.Assertion(assertion="not_null", success=False, column="a")
    source = column_lineage_dataset.InputField("s3://b", "in", "a")
    lineage = column_lineage_dataset.Fields(inputFields=[source])
    stats = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=3)
    event = RunEvent(
        eventType=RunState.FAIL,
        eventTime="2024-05-01T12:00:00.250+02:00",
        run=Run(
            runId=str(uuid.uuid4()),
            facets={
                "parent": parent_run.ParentRunFacet(
                    run=parent_run.Run(runId=str(uuid.uuid4())), job=parent_run.Job(namespace="n", name="p")
                ),
                "nominalTime": nominal_time_run.NominalTimeRunFacet(nominalStartTime="2024-05-01T00:00:00Z"),
            },
        ),
        job=Job(namespace="ns", name="job", facets={"sql": sql_job.SQLJobFacet(query="select 1")}),
        inputs=[
            InputDataset(
                "s3://b",
                "in",
                facets={
                    "schema": schema_dataset.SchemaDatasetFacet(
                        fields=[schema_dataset.SchemaDatasetFacetFields(name="a", type="int")]
                    )
                },
                inputFacets={
                    "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                        assertions=[assertion]
                    )
                },
            )
        ],
        outputs=[
            OutputDataset(
                "s3://b",
                "out",
                facets={"columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields={"a": lineage})},
                outputFacets={"outputStatistics": stats},
            )
        ],
    )
    sent = json.loads(Serde.to_json(event))
    parsed = parse_event(sent)
    assert json.loads(Serde.to_json(parsed.event)) == sent
    assert oracle().decide(sent).valid
