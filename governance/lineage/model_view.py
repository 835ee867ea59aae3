"""What `gov registry show` prints: a model, or a version with its training lineage."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from governance.registry.service import get_model, get_version, model_to_dict, version_to_dict
from governance.store.tables import Job, ModelVersion, Run
from governance.timeutil import iso


def training_lineage(session: Session, run_id: str | None) -> dict[str, Any]:
    """The training run, its job, the datasets it read and everything upstream of them."""
    from governance.lineage.graph import datasets_of_closure

    if run_id is None:
        return {"status": "missing", "message": "no training run recorded for this version"}
    run = session.get(Run, run_id)
    if run is None:
        return {"status": "unknown_run", "run_id": run_id, "message": "the training run is not in the lineage store"}
    job = session.get(Job, run.job_id)
    direct, upstream = datasets_of_closure(session, run_id)
    return {
        "status": "known",
        "run_id": run_id,
        "job": job.node_id if job else None,
        "state": run.state,
        "started_at": iso(run.started_at),
        "ended_at": iso(run.ended_at),
        "inputs": direct,
        "upstream_datasets": upstream,
    }


def describe(session: Session, model: str, version: str | None) -> tuple[dict[str, Any], str]:
    """(JSON-ready dict, human text)."""
    if version is None:
        registered = get_model(session, model)
        versions = session.exec(select(ModelVersion).where(ModelVersion.model_id == registered.id)).all()
        data = {**model_to_dict(registered), "versions": [version_to_dict(v) for v in versions]}
        lines = [
            f"model       {registered.name}",
            f"owner       {registered.owner}",
            f"risk tier   {registered.risk_tier}",
            f"description {registered.description or '-'}",
            f"tags        {registered.tags or '-'}",
            "versions:",
        ]
        lines += [f"  {v.version:<10} {v.status:<12} {v.stage or '-':<12} {v.artifact_digest}" for v in versions]
        return data, "\n".join(lines)
    registered, mv = get_version(session, model, version)
    lineage = training_lineage(session, mv.training_run_id)
    data = {"model": model_to_dict(registered), "version": version_to_dict(mv), "training_lineage": lineage}
    lines = [
        f"model        {registered.name} (owner {registered.owner}, risk tier {registered.risk_tier})",
        f"version      {mv.version}  status {mv.status}  stage {mv.stage or '-'}  aliases {mv.aliases or '-'}",
        f"artifact     {mv.artifact_uri}",
        f"digest       {mv.artifact_digest}",
        f"created      {iso(mv.created_at)} by {mv.created_by}",
        "training lineage:",
    ]
    if lineage["status"] != "known":
        lines.append(f"  MISSING: {lineage['message']}")
    else:
        lines.append(
            f"  run {lineage['run_id']} of {lineage['job']} ({lineage['state']}, "
            f"{lineage['started_at']} .. {lineage['ended_at']})"
        )
        lines += [f"  input     {d}" for d in lineage["inputs"]]
        lines += [f"  upstream  {d}" for d in lineage["upstream_datasets"]]
    return data, "\n".join(lines)
