"""What the explorer reads about lineage nodes: search by name or namespace, and one node's details.

Read-only queries over the lineage store (and the registry's model names, for search). The faces
(api/explore.py) turn these into JSON; nothing here knows about HTTP.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from governance.store.tables import (
    Dataset,
    DatasetFacetVersion,
    Job,
    LineageWarning,
    ModelVersion,
    RawEvent,
    RegisteredModel,
    Run,
    RunIO,
)
from governance.timeutil import iso

KINDS = ("dataset", "job", "model")


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(session: Session, query: str, *, limit: int = 20, kinds: tuple[str, ...] = KINDS) -> list[dict[str, Any]]:
    """Datasets, jobs and models whose name or namespace contains `query` (case-insensitive).

    Names that start with the query come first, then shorter names; at most `limit` of each kind."""
    pattern = _like(query.strip())
    hits: list[dict[str, Any]] = []
    for kind, table in (("dataset", Dataset), ("job", Job)):
        if kind not in kinds:
            continue
        stmt = (
            select(table.node_id, table.namespace, table.name)
            .where(
                or_(
                    func.lower(col(table.name)).like(pattern, escape="\\"),
                    func.lower(col(table.namespace)).like(pattern, escape="\\"),
                )
            )
            .order_by(func.length(col(table.name)), col(table.name))
            .limit(limit)
        )
        for node_id, namespace, name in session.exec(stmt).all():
            hits.append({"kind": kind, "id": node_id, "namespace": namespace, "name": name})
    if "model" in kinds:
        stmt_m = (
            select(RegisteredModel.name, RegisteredModel.owner)
            .where(func.lower(col(RegisteredModel.name)).like(pattern, escape="\\"))
            .order_by(func.length(col(RegisteredModel.name)), col(RegisteredModel.name))
            .limit(limit)
        )
        for name, owner in session.exec(stmt_m).all():
            versions = session.exec(
                select(ModelVersion.version)
                .join(RegisteredModel, col(RegisteredModel.id) == col(ModelVersion.model_id))
                .where(RegisteredModel.name == name)
                .order_by(col(ModelVersion.id))
            ).all()
            hits.append(
                {
                    "kind": "model",
                    "id": f"model:{name}",
                    "namespace": "",
                    "name": name,
                    "owner": owner,
                    "versions": list(versions),
                }
            )
    needle = query.strip().lower()
    hits.sort(key=lambda h: (not h["name"].lower().startswith(needle), len(h["name"]), h["name"]))
    return hits


def _runs(session: Session, job_id: int, limit: int) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Run).where(Run.job_id == job_id).order_by(col(Run.first_seen).desc(), col(Run.run_id)).limit(limit)
    ).all()
    return [
        {
            "run_id": r.run_id,
            "state": r.state,
            "state_time": iso(r.state_time),
            "started_at": iso(r.started_at),
            "ended_at": iso(r.ended_at),
            "error": r.error_message,
            "parent_run_id": r.parent_run_id,
        }
        for r in rows
    ]


def job_detail(session: Session, node_id: str, *, runs: int = 50) -> dict[str, Any] | None:
    """A job: its facets and its runs, newest first, with state and errors; None if unknown."""
    job = session.exec(select(Job).where(Job.node_id == node_id)).first()
    if job is None or job.id is None:
        return None
    return {
        "kind": "job",
        "id": job.node_id,
        "namespace": job.namespace,
        "name": job.name,
        "first_seen": iso(job.first_seen),
        "last_seen": iso(job.last_seen),
        "facets": job.facets,
        "runs": _runs(session, job.id, runs),
    }


def schema_fields(facets: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema facet's fields as {name, type, description, tags: [{key, value, source}]}."""
    schema = facets.get("schema")
    fields = schema.get("fields") if isinstance(schema, dict) else None
    out = []
    for f in fields if isinstance(fields, list) else []:
        if not isinstance(f, dict):
            continue
        raw_tags = f.get("tags")
        tags = [
            {"key": str(t.get("key", "")), "value": str(t.get("value", "")), "source": str(t.get("source", ""))}
            for t in (raw_tags if isinstance(raw_tags, list) else [])
            if isinstance(t, dict)
        ]
        out.append(
            {
                "name": str(f.get("name", "")),
                "type": str(f.get("type", "")) if f.get("type") is not None else None,
                "description": f.get("description"),
                "tags": tags,
            }
        )
    return out


def owners(facets: dict[str, Any]) -> list[dict[str, str]]:
    """The ownership facet's owners as {name, type}."""
    facet = facets.get("ownership")
    items = facet.get("owners") if isinstance(facet, dict) else None
    return [
        {"name": str(o.get("name", "")), "type": str(o.get("type", "") or "")}
        for o in (items if isinstance(items, list) else [])
        if isinstance(o, dict)
    ]


def dataset_tags(facets: dict[str, Any]) -> list[dict[str, str]]:
    """The dataset-level `tags` facet as {key, value, source}."""
    facet = facets.get("tags")
    items = facet.get("tags") if isinstance(facet, dict) else None
    return [
        {"key": str(t.get("key", "")), "value": str(t.get("value", "")), "source": str(t.get("source", ""))}
        for t in (items if isinstance(items, list) else [])
        if isinstance(t, dict)
    ]


def dataset_row(session: Session, node_id: str) -> Dataset | None:
    return session.exec(select(Dataset).where(Dataset.node_id == node_id)).first()


def dataset_detail(
    session: Session, row: Dataset, *, as_of: datetime | None = None, limit: int = 200
) -> dict[str, Any]:
    """A dataset: schema with field tags, owners, tags, facets (as of a time), facet history,
    versions the runs saw, the runs that read or wrote it, and the ingestion warnings of its events."""
    assert row.id is not None
    history = session.exec(
        select(DatasetFacetVersion)
        .where(DatasetFacetVersion.dataset_id == row.id)
        .order_by(col(DatasetFacetVersion.event_time), col(DatasetFacetVersion.id))
    ).all()
    facets = dict(row.facets or {})
    if as_of is not None:  # the facets as they were known then: the last value of each at or before as_of
        facets = {}
        for h in history:
            if h.event_time <= as_of:
                facets[h.facet] = h.value
    io_rows = session.exec(
        select(RunIO, Run, Job)
        .join(Run, col(Run.run_id) == col(RunIO.run_id))
        .join(Job, col(Job.id) == col(Run.job_id))
        .where(RunIO.dataset_id == row.id)
        .order_by(col(Run.first_seen).desc())
        .limit(limit)
    ).all()
    raw_ids = sorted({h.raw_event_id for h in history})
    warnings: list[dict[str, Any]] = []
    if raw_ids:
        digests = session.exec(select(RawEvent.digest).where(col(RawEvent.id).in_(raw_ids[:1000]))).all()
        for w in session.exec(
            select(LineageWarning)
            .where(col(LineageWarning.event_digest).in_(list(digests)))
            .order_by(col(LineageWarning.id))
            .limit(limit)
        ).all():
            warnings.append({"code": w.code, "json_path": w.json_path, "message": w.message, "producer": w.producer})
    return {
        "kind": "dataset",
        "id": row.node_id,
        "namespace": row.namespace,
        "name": row.name,
        "first_seen": iso(row.first_seen),
        "last_seen": iso(row.last_seen),
        "as_of": iso(as_of),
        "schema": schema_fields(facets),
        "owners": owners(facets),
        "tags": dataset_tags(facets),
        "facets": facets,
        "facet_history": [
            {"facet": h.facet, "event_time": iso(h.event_time), "value": h.value} for h in history[-limit:]
        ],
        "runs": [
            {
                "run_id": run.run_id,
                "job": job.node_id,
                "direction": io.direction,
                "version": io.version,
                "state": run.state,
                "started_at": iso(run.started_at),
            }
            for io, run, job in io_rows
        ],
        "warnings": warnings,
    }
