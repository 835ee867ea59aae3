"""Explorer routes: search, node details and a model version's summary (public API, same tokens and
roles as every other route; the browser explorer at /ui reads these and the other public routes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlmodel import Session

from governance.api.deps import DB
from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import Permission
from governance.errors import InputError, NotFoundError

router = APIRouter(prefix="/api/v1", tags=["explore"], responses=ERROR_RESPONSES)
LINEAGE = [Depends(Requires(Permission.LINEAGE_READ))]
REGISTRY = [Depends(Requires(Permission.REGISTRY_READ))]
DECISIONS = [Depends(Requires(Permission.DECISION_READ))]
AS_OF = Query(None, max_length=64, description="ISO 8601 time: the facets as known then")


@router.get("/search", dependencies=LINEAGE)
def search_route(
    q: str = Query(..., min_length=1, max_length=256, description="Text in the name or namespace"),
    kind: str | None = Query(None, pattern="^(dataset|job|model)$"),
    limit: int = Query(20, ge=1, le=200),
    s: Session = DB,
) -> dict[str, Any]:
    """Datasets, jobs and models whose name or namespace contains `q` (case-insensitive), best first."""
    from governance.lineage.search import KINDS, search

    hits = search(s, q, limit=limit, kinds=(kind,) if kind else KINDS)
    return {"query": q, "results": hits[: limit * 3]}


@router.get("/nodes/{kind}/{node_id:path}", dependencies=LINEAGE)
def node_route(
    request: Request,
    kind: str = Path(..., pattern="^(dataset|job)$"),
    node_id: str = Path(..., max_length=4096, description="The node id, e.g. dataset:NAMESPACE:NAME"),
    asOf: str | None = AS_OF,  # noqa: N803
    s: Session = DB,
) -> dict[str, Any]:
    """A dataset (schema and field tags, owners, retention, facets and their history, versions, runs,
    ingestion warnings, column lineage: each output field with its input fields) or a job (runs with
    state and errors)."""
    from governance.lineage.search import dataset_detail, dataset_row, job_detail
    from governance.timeutil import parse_optional_timestamp

    if not node_id.startswith(f"{kind}:"):
        raise InputError(f"a {kind} node id starts with '{kind}:'", where="node_id")
    if kind == "job":
        job = job_detail(s, node_id)
        if job is None:
            raise NotFoundError(f"no job {node_id!r}", hint="GET /api/v1/search?q=... finds nodes")
        return job
    row = dataset_row(s, node_id)
    if row is None:
        raise NotFoundError(f"no dataset {node_id!r}", hint="GET /api/v1/search?q=... finds nodes")
    from governance.gate.explore import dataset_columns, dataset_retention, retention_limits

    as_of = parse_optional_timestamp(asOf, field="asOf")
    detail = dataset_detail(s, row, as_of=as_of)
    detail["retention"] = dataset_retention(s, row, retention_limits(request.app.state.settings.policies()))
    detail["columns"] = dataset_columns(s, node_id, as_of=as_of)
    return detail


@router.get("/models/{model:path}/versions/{version}/summary", dependencies=DECISIONS)
def summary_route(
    model: str = Path(..., max_length=512),
    version: str = Path(..., max_length=128),
    s: Session = DB,
) -> dict[str, Any]:
    """A model version with its lineage closure, fairness evidence (values and intervals), the other
    validation stages' evidence (kind, stage, measurements with intervals, submitter, time), approvals,
    waivers, decisions with every verdict, ledger entries, and its findings (id, severity, status)."""
    from governance.gate.explore import model_version_summary

    return model_version_summary(s, model, version)
