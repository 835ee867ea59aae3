"""Lineage routes: OpenLineage ingestion (single and batch) and auditors' queries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from governance.api.deps import DB, PayloadTooLarge, read_body
from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import Permission
from governance.errors import InputError
from governance.lineage.sources import MAX_EVENT_BYTES
from governance.store.retry import retry_transient

router = APIRouter(prefix="/api/v1", tags=["lineage"], responses=ERROR_RESPONSES)
BATCH_LIMIT = 16 * 1024 * 1024
INLINE_VALIDATION_BYTES = 64 * 1024
WRITE = [Depends(Requires(Permission.LINEAGE_WRITE))]
READ = [Depends(Requires(Permission.LINEAGE_READ))]
NODE = Query(..., max_length=4096, description="dataset:NAMESPACE:NAME or job:NAMESPACE:NAME")
DEPTH = Query(None, ge=0, le=1000)
AS_OF = Query(None, max_length=64, description="ISO 8601 time: only edges first seen at or before it")


def _as_of(value: str | None) -> Any:
    from governance.timeutil import parse_optional_timestamp

    return parse_optional_timestamp(value, field="asOf")


@router.post("/lineage", status_code=201, dependencies=WRITE)
async def post_event(request: Request) -> JSONResponse:
    """One OpenLineage event, as the stock HttpTransport sends it (optionally gzip).

    201 when stored, 200 when an identical event was already stored, 400 when invalid. A 2xx is sent
    only after the event and its graph projection are committed (with the events of concurrent
    requests: see group_commit.py). Served by `SingleEventFastPath`; this route documents it.
    """
    return await ingest_one(request)


async def ingest_one(request: Request) -> JSONResponse:
    """Validate the body's event, hand it to the group commit, answer when it is committed."""
    from governance.lineage.ingest import record_rejections
    from governance.lineage.validate import Rejection, validate_item

    body = await read_body(request, MAX_EVENT_BYTES)
    item = (await _candidates(request, body, "http", batch=False))[0]._replace(submitted_by=_submitter(request))
    # A typical event validates in ~0.1 ms: cheaper here than a trip to a thread; big ones go to a thread.
    strict = _strict(request)
    outcome = (
        validate_item(item, strict=strict)
        if len(body) <= INLINE_VALIDATION_BYTES
        else await run_in_threadpool(lambda: validate_item(item, strict=strict))
    )
    if isinstance(outcome, Rejection):
        await retry_transient(record_rejections, request.app.state.engine, [(item, outcome)])
        raise InputError(outcome.reason, where=outcome.json_path)
    status = await request.app.state.group_commit.submit(outcome)
    answer: dict[str, Any] = {"status": status, "digest": outcome.digest}
    if outcome.warnings:
        answer["warnings"] = [
            {"code": w.code, "json_path": w.json_path, "message": w.message} for w in outcome.warnings
        ]
    return JSONResponse(answer, status_code=201 if status == "accepted" else 200)


def _submitter(request: Request) -> str:
    """The caller's token identity and role, recorded with its events (gates trust evidence by it)."""
    from governance.identity import token_submitter

    principal = request.scope["state"]["principal"]
    return token_submitter(principal.name, principal.role.value)


def _strict(request: Request) -> bool:
    """GOV_LINEAGE_STRICT=1 (read when the app was built): reject values breaking their format."""
    return bool(getattr(request.app.state, "lineage_strict", False))


@router.post("/lineage/batch", dependencies=WRITE)
async def post_batch(request: Request) -> JSONResponse:
    """A JSON array of events; answered per the OpenLineage HTTP spec with `failed_events`.

    Each event is validated and stored on its own (atomic with its projection); the valid ones go
    through the group commit with concurrent requests' events. Answered once every valid event is
    committed; an event the store could not take is a retriable failure, the others still count."""
    from governance.lineage.ingest import record_rejections
    from governance.lineage.validate import Rejection, validate_item

    body = await read_body(request, BATCH_LIMIT)
    items = await _candidates(request, body, "http-batch", batch=True)
    oversized = [i for i, item in enumerate(items) if len(item.text) > MAX_EVENT_BYTES]
    if oversized:
        raise PayloadTooLarge(f"event [{oversized[0]}] larger than {MAX_EVENT_BYTES} bytes")
    strict, submitter = _strict(request), _submitter(request)
    items = [item._replace(submitted_by=submitter) for item in items]
    outcomes = await run_in_threadpool(lambda: [validate_item(item, strict=strict) for item in items])
    rejected = [(item, o) for item, o in zip(items, outcomes, strict=True) if isinstance(o, Rejection)]
    if rejected:
        await retry_transient(record_rejections, request.app.state.engine, rejected)
    valid = [(i, o) for i, o in enumerate(outcomes) if not isinstance(o, Rejection)]
    stored = await request.app.state.group_commit.submit_many([o for _, o in valid])
    errors = [s for s in stored if isinstance(s, BaseException)]
    if errors and len(errors) == len(outcomes):
        raise errors[0]  # nothing stored at all: the store's own error answers (as a single POST's would)
    failed: dict[int, dict[str, Any]] = {
        i: {"index": i, "reason": o.line(), "retriable": False}
        for i, o in enumerate(outcomes)
        if isinstance(o, Rejection)
    }
    for (i, _), status in zip(valid, stored, strict=True):
        if isinstance(status, BaseException):
            _log_store_error(status)
            failed[i] = {"index": i, "reason": "not stored: the store refused it; send it again", "retriable": True}
    new = sum(1 for s in stored if s == "accepted")
    duplicates = sum(1 for s in stored if s == "duplicate")
    warnings = sum(len(o.warnings) for _, o in valid)
    retriable = sum(1 for f in failed.values() if f["retriable"])
    return JSONResponse(
        {
            "status": "partial_success" if failed else "success",
            "summary": {
                "received": len(items),
                "successful": len(items) - len(failed),
                "failed": len(failed),
                "retriable": retriable,
                "non_retriable": len(failed) - retriable,
                "new": new,
                "duplicates": duplicates,
                "warnings": warnings,
            },
            "failed_events": [failed[i] for i in sorted(failed)],
        }
    )


def _log_store_error(exc: BaseException) -> None:
    import logging

    logging.getLogger("uvicorn.error").error("an event of a batch was not stored", exc_info=exc)


async def _candidates(request: Request, body: bytes, source: str, *, batch: bool) -> list[Any]:
    """The body's event candidates; a body that is not JSON is kept in rejected_event, then refused."""
    from governance.lineage.ingest import record_unreadable
    from governance.lineage.sources import items_from_body

    try:
        return items_from_body(body, source=source, batch=batch)
    except InputError as exc:
        await retry_transient(record_unreadable, request.app.state.engine, source, body, exc)
        raise


@router.get("/lineage", dependencies=READ)
def marquez_lineage(
    nodeId: str = NODE,
    depth: int = Query(20, ge=0, le=1000),  # noqa: N803
    asOf: str | None = AS_OF,
    s: Session = DB,
) -> dict[str, Any]:  # noqa: N803
    """Marquez-compatible lineage: `{"graph": [{id, type, data, inEdges, outEdges}]}`."""
    from governance.lineage.graph import neighbourhood
    from governance.lineage.queries import node_rows

    graph = neighbourhood(s, nodeId, depth=depth, as_of=_as_of(asOf))
    ids = list(graph.nodes)
    data: dict[str, dict[str, Any]] = {
        node_id: {
            "id": {"namespace": row.namespace, "name": row.name},
            "type": kind,
            "namespace": row.namespace,
            "name": row.name,
            "facets": row.facets,
        }
        for node_id, (kind, row) in node_rows(s, ids).items()
    }
    nodes = []
    for nid in sorted(ids):
        nodes.append(
            {
                "id": nid,
                "type": nid.split(":", 1)[0].upper(),
                "data": data.get(nid),
                "inEdges": [{"origin": a, "destination": b} for a, b in sorted(graph.edges) if b == nid],
                "outEdges": [{"origin": a, "destination": b} for a, b in sorted(graph.edges) if a == nid],
            }
        )
    return {"graph": nodes}


@router.get("/lineage/warnings", dependencies=READ)
def warnings_route(
    producer: str | None = Query(None, max_length=2048, description="Producer URL contains this text"),
    since: str | None = Query(None, max_length=64, description="ISO 8601: received at or after it"),
    code: str | None = Query(None, max_length=64, description="uri-format, uuid-format, date-time-format..."),
    limit: int = Query(1000, ge=1, le=100_000),
    s: Session = DB,
) -> dict[str, Any]:
    """Values accepted events carry against their declared format, newest first, with their JSON path."""
    from governance.lineage.warnings import list_warnings, warning_dict
    from governance.timeutil import parse_timestamp

    when = parse_timestamp(since, field="since") if since else None
    rows = list_warnings(s, producer=producer, since=when, code=code, limit=limit)
    return {"warnings": [warning_dict(w) for w in rows]}


@router.get("/lineage/{direction}", dependencies=READ)
def traverse_route(
    direction: str,
    nodeId: str = NODE,
    depth: int | None = DEPTH,  # noqa: N803
    asOf: str | None = AS_OF,
    s: Session = DB,
) -> dict[str, Any]:  # noqa: N803
    """`/lineage/upstream` or `/lineage/downstream` of a node, optionally as of a time."""
    from governance.lineage.graph import traverse
    from governance.lineage.render import graph_to_dict

    if direction not in ("upstream", "downstream"):
        from governance.errors import NotFoundError

        raise NotFoundError(f"no route /api/v1/lineage/{direction[:64]}", hint="use upstream or downstream")
    return graph_to_dict(traverse(s, nodeId, direction, depth=depth, as_of=_as_of(asOf)))


@router.get("/lineage-path", dependencies=READ)
def path_route(
    source: str = Query(..., alias="from", max_length=4096),
    target: str = Query(..., alias="to", max_length=4096),
    depth: int | None = DEPTH,
    asOf: str | None = AS_OF,
    s: Session = DB,
) -> dict[str, Any]:  # noqa: N803
    """The shortest path between two nodes (empty when there is none)."""
    from governance.lineage.graph import path

    nodes = path(s, source, target, depth=depth, as_of=_as_of(asOf))
    return {"path": nodes, "found": bool(nodes)}


@router.get("/column-lineage", dependencies=READ)
def column_route(
    dataset: str = Query(..., max_length=4096),
    field: str = Query(..., max_length=512),
    direction: str = Query("upstream", pattern="^(upstream|downstream)$"),
    depth: int | None = DEPTH,
    asOf: str | None = AS_OF,  # noqa: N803
    s: Session = DB,
) -> dict[str, Any]:
    """Column lineage of one field, upstream or downstream."""
    import json

    from governance.lineage.graph import column_lineage
    from governance.lineage.render import render_columns

    hops = column_lineage(s, dataset, field, direction, depth=depth, as_of=_as_of(asOf))
    result: dict[str, Any] = json.loads(render_columns((dataset, field), hops, direction, "json"))
    return result


@router.get("/datasets/models", dependencies=READ)
def models_route(
    nodeId: str = NODE,
    asOf: str | None = AS_OF,  # noqa: N803
    s: Session = DB,
) -> dict[str, Any]:
    """Which model versions were trained on this dataset or on data derived from it."""
    from governance.lineage.graph import model_versions_trained_on

    rows = model_versions_trained_on(s, nodeId, as_of=_as_of(asOf))
    return {"dataset": nodeId, "model_versions": [{"model": m, "version": v, "via_dataset": d} for m, v, d in rows]}
