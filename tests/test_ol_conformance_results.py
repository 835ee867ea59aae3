"""parse_event's errors name the JSON path at fault, and what it accepts comes back as typed models.

Error messages, the ParsedEvent it returns (client models, time, raw event), event kinds, the
`uuid` format of run ids, and events built with openlineage-python itself.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
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
    SKIP_WITHOUT_DATA,
    UUID,
    _minimal,
    oracle,
    ours,
    with_change,
)

pytestmark = SKIP_WITHOUT_DATA


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
    with pytest.raises(EventValidationError) as info:
        parse_event(make())
    error = info.value
    assert isinstance(error, InputError) and error.exit_code == 2
    assert error.json_path == path
    assert error.reason.startswith(reason), error.reason
    assert error.message == f"{path}: {error.reason}"


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
