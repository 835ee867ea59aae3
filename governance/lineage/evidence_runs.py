"""An evaluation is a run in the lineage graph: the data it read is an input an auditor can trace.

When gov computes evidence itself (a fairness evaluation from a file or a database query), it records
one OpenLineage COMPLETE event built with openlineage-python: job `gov-evidence` / `<kind>/<model>/<version>`,
run id = the evaluation's `run_id`, the data read as the input dataset (a file under namespace `file`
with its absolute path, as the OpenLineage naming spec has it; a database query under the redacted URL
with the query's digest as its name), job type `<KIND>_EVALUATION`. The event goes through the normal
ingest path (validated, stored, projected), submitted by the same identity as the evidence. Evidence
that came from an OpenLineage facet already is a run of its producer and records nothing here.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance import __version__

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from governance.evidence.fairness import FairnessRequest, StoredEvaluation
    from governance.evidence.readers import Progress
    from governance.evidence.stage import StageResult
    from governance.evidence.stage_store import StoredStage
    from governance.lineage.ingest import IngestReport

NAMESPACE = "gov-evidence"
PRODUCER = f"https://gov-audit.dev/gov/{__version__}"


def job_name(kind: str, model: str, version: str) -> str:
    return f"{kind}/{model}/{version}"


def input_dataset(data_source: str, data_format: str, query: str | None = None) -> tuple[str, str]:
    """(namespace, name) of the data an evaluation read."""
    if data_format == "sql":
        text = query or data_source
        return data_source, "query:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return "file", Path(data_source).resolve().as_posix()


def evaluation_event(
    *,
    kind: str,
    model: str,
    version: str,
    run_id: str,
    data_source: str,
    data_format: str,
    data_digest: str,
    evaluated_at: datetime,
    query: str | None = None,
    inputs: list[tuple[str, str]] | None = None,
    run_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The COMPLETE event of one evaluation, as a JSON-ready dict. `inputs` ((namespace, name) of each
    dataset read) replaces the one input `data_source` names; `run_facets` are added to the run as given."""
    from openlineage.client.event_v2 import InputDataset, Job, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import datasource_dataset, documentation_job, job_type_job
    from openlineage.client.serde import Serde

    datasets = inputs if inputs is not None else [input_dataset(data_source, data_format, query)]
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=evaluated_at.isoformat(),
        producer=PRODUCER,
        run=Run(runId=run_id),
        job=Job(
            namespace=NAMESPACE,
            name=job_name(kind, model, version),
            facets={
                "jobType": job_type_job.JobTypeJobFacet(
                    processingType="BATCH", integration="GOV", jobType=f"{kind.upper()}_EVALUATION", producer=PRODUCER
                ),
                "documentation": documentation_job.DocumentationJobFacet(
                    description=f"{kind} evaluation of {model} version {version} on data {data_digest}",
                    producer=PRODUCER,
                ),
            },
        ),
        inputs=[
            InputDataset(
                namespace=namespace,
                name=name,
                facets={"dataSource": datasource_dataset.DatasourceDatasetFacet(name=namespace, producer=PRODUCER)},
            )
            for namespace, name in datasets
        ],
        outputs=[],
    )
    result: dict[str, Any] = Serde.to_dict(event)
    if run_facets:
        result["run"].setdefault("facets", {}).update(run_facets)
    return result


def record_evaluation_run(engine: Engine, event: dict[str, Any], *, submitted_by: str | None) -> IngestReport:
    """Ingest the evaluation's event through the normal path (validated, stored, projected)."""
    from governance.lineage.ingest import ingest_objects

    return ingest_objects(engine, [event], source="gov evidence", submitted_by=submitted_by)


def evaluate_fairness_traced(
    engine: Engine,
    model: str,
    version: str,
    location: str,
    request: FairnessRequest,
    *,
    query: str | None = None,
    progress: Progress | None = None,
    submitted_by: str | None = None,
) -> StoredEvaluation:
    """Compute and store a fairness evaluation (governance.evidence.fairness), then record its run with the
    data it read in the lineage graph; the evaluation's `run_id` names that run."""
    import uuid

    from governance.evidence.fairness import evaluate_fairness
    from governance.identity import cli_submitter
    from governance.store.db import session_scope

    who = submitted_by or cli_submitter()
    run_id = str(uuid.uuid4())
    with session_scope(engine) as session:
        stored = evaluate_fairness(
            session, model, version, location, request, query=query, progress=progress, submitted_by=who, run_id=run_id
        )
    data = stored.results["data"]
    # The stored source of a file is its logical name (governance.evidence.stage.logical_name): the run
    # names the file read by its absolute path, from `location`, as the OpenLineage naming spec has it.
    sql = str(data["format"]) == "sql"
    event = evaluation_event(
        kind="fairness",
        model=stored.model,
        version=stored.version,
        run_id=run_id,
        data_source=str(data["source"]) if sql else location,
        data_format=str(data["format"]),
        data_digest=str(data["digest"]),
        evaluated_at=datetime.fromisoformat(str(stored.results["evaluated_at"])),
        query=query,
    )
    record_evaluation_run(engine, event, submitted_by=who)
    return stored


def record_stage_traced(
    engine: Engine,
    model: str,
    version: str,
    compute: Callable[[], StageResult],
    inputs: Sequence[str],
    *,
    submitted_by: str | None = None,
) -> StoredStage:
    """Compute validation-stage evidence of `model` `version` and store it, then record its run in the
    lineage graph: job `gov-evidence` / `<kind>/<model>/<version>`, the files read (`inputs`) as its
    input datasets, the result as its `gov_stageEvidence` facet (which ingest finds already stored).

    The version is looked up before anything is computed and the facet checked before anything is stored,
    so bad input stores nothing. Returns the stored evidence (its `run_id` names the run)."""
    import uuid

    from governance.errors import GovernanceError
    from governance.evidence.stage_facet import FACET_KEY, to_facet, validate_stage_facet
    from governance.evidence.stage_store import get_stage_evidence, store_stage_result
    from governance.identity import cli_submitter
    from governance.registry.service import get_version
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    who = submitted_by or cli_submitter()
    with session_scope(engine) as session:
        registered, mv = get_version(session, model, version)
        model, version = registered.name, mv.version
    result = compute()
    run_id = str(uuid.uuid4())
    now = utcnow()
    facet = _finite(json.loads(json.dumps(to_facet(model, version, result, PRODUCER), default=_plain)))
    validate_stage_facet(facet)
    event = evaluation_event(
        kind=result.kind,
        model=model,
        version=version,
        run_id=run_id,
        data_source=result.data_source,
        data_format="file",
        data_digest=result.data_digest,
        evaluated_at=now,
        inputs=[input_dataset(path, "file") for path in inputs],
        run_facets={FACET_KEY: facet},
    )
    with session_scope(engine) as session:
        evidence_id = store_stage_result(
            session, model, version, result, submitted_by=who, run_id=run_id, evaluated_at=now
        )
    report = record_evaluation_run(engine, event, submitted_by=who)
    if report.rejected:
        raise GovernanceError(
            f"stage evidence {evidence_id} stored, but its lineage run was refused: {report.rejected[0].line()}"
        )
    with session_scope(engine) as session:
        return get_stage_evidence(session, evidence_id)


def _finite(value: Any) -> Any:
    """The JSON value with NaN and infinities (not JSON: an event carrying them is refused) as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
