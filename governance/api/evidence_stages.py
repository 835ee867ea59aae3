"""Validation-stage evidence over HTTP: a pipeline that computed a StageResult itself submits it
(`evidence:write`: the `evidence` and `admin` roles; an `ingest` token is not enough), bound to the
token's identity as its submitter; auditors read the stored results and their history (`evidence:read`).
Bodies are read with the one decoder for untrusted JSON, bounded in size, and checked against the
StageResult schema (lineage/facets/2-0-0/StageEvidenceRunFacet.json): bad input is 400 naming the field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from governance.api.deps import DB, read_body
from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import Permission
from governance.auth.tokens import Principal

router = APIRouter(prefix="/api/v1", tags=["evidence"], responses=ERROR_RESPONSES)
READ = [Depends(Requires(Permission.EVIDENCE_READ))]
MODEL = Path(..., min_length=1, max_length=512)
VERSION = Path(..., min_length=1, max_length=128)
KIND = Path(..., min_length=1, max_length=32, description="performance, drift, data_validation, abtest, operational")
FIELDS = {"kind": "query.kind", "evidence_id": "path.evidence_id"}


@router.post("/models/{model:path}/versions/{version}/evidence/{kind}", status_code=201)
async def submit(
    request: Request,
    model: str = MODEL,
    version: str = VERSION,
    kind: str = KIND,
    who: Principal = Depends(Requires(Permission.EVIDENCE_WRITE)),
) -> JSONResponse:
    """Store a StageResult (JSON, `StageResult.to_dict()` form; `kind` may be left out) computed by the
    caller, submitted by the token's identity. 201 with the stored record; 400 naming the field."""
    from starlette.concurrency import run_in_threadpool

    from governance import jsonsafe
    from governance.errors import InputError
    from governance.evidence.stage import KINDS
    from governance.evidence.stage_facet import MAX_BODY_BYTES, parse_stage_result
    from governance.identity import token_submitter

    if kind not in KINDS:
        raise InputError(f"unknown evidence kind {kind!r} (one of {', '.join(KINDS)})", where="path.kind")
    body = await read_body(request, MAX_BODY_BYTES)
    obj = jsonsafe.loads(body)
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object (a stage result)", where="body")
    if obj.get("kind", kind) != kind:
        raise InputError(f"the body is {obj.get('kind')!r} evidence, the path says {kind!r}", where="body.kind")
    obj.pop("stage", None)  # derived from the kind
    result = parse_stage_result({**obj, "kind": kind}, "body")
    submitter = token_submitter(who.name, who.role.value)
    stored = await run_in_threadpool(_store, request.app.state.engine, model, version, result, submitter)
    return JSONResponse(stored, status_code=201)


def _store(engine: Any, model: str, version: str, result: Any, submitter: str) -> dict[str, Any]:
    from governance.evidence.stage_store import get_stage_evidence, store_stage_result
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        evidence_id = store_stage_result(session, model, version, result, submitted_by=submitter, producer="gov-api")
    with session_scope(engine) as session:
        return get_stage_evidence(session, evidence_id).to_dict()


@router.get("/models/{model:path}/versions/{version}/evidence", dependencies=READ)
def stage_evidence(
    model: str = MODEL,
    version: str = VERSION,
    kind: str | None = Query(None, max_length=32),
    s: Session = DB,
) -> list[dict[str, Any]]:
    """The version's stored stage evidence, oldest first (`kind` filters)."""
    from governance.errors import spelled
    from governance.evidence.stage_store import list_stage_evidence

    with spelled(FIELDS):
        return [e.to_dict() for e in list_stage_evidence(s, model, version, kind)]


@router.get("/models/{model:path}/evidence/history", dependencies=READ)
def history(
    model: str = MODEL,
    metric: str | None = Query(None, max_length=128),
    kind: str | None = Query(None, max_length=32),
    s: Session = DB,
) -> list[dict[str, Any]]:
    """Per (kind, metric, subject) the series across versions (creation order) and over time."""
    from governance.errors import spelled
    from governance.evidence.stage_store import history as series_of

    with spelled(FIELDS):
        return [series.to_dict() for series in series_of(s, model, metric, kind)]
