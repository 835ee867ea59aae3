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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance import __version__

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from governance.evidence.fairness import FairnessRequest, StoredEvaluation
    from governance.evidence.readers import Progress
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
) -> dict[str, Any]:
    """The COMPLETE event of one evaluation, as a JSON-ready dict."""
    from openlineage.client.event_v2 import InputDataset, Job, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import datasource_dataset, documentation_job, job_type_job
    from openlineage.client.serde import Serde

    namespace, name = input_dataset(data_source, data_format, query)
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
        ],
        outputs=[],
    )
    result: dict[str, Any] = Serde.to_dict(event)
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
    event = evaluation_event(
        kind="fairness",
        model=stored.model,
        version=stored.version,
        run_id=run_id,
        data_source=str(data["source"]),
        data_format=str(data["format"]),
        data_digest=str(data["digest"]),
        evaluated_at=datetime.fromisoformat(str(stored.results["evaluated_at"])),
        query=query,
    )
    record_evaluation_run(engine, event, submitted_by=who)
    return stored
