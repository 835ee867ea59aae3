"""What the explorer shows about a model version and a dataset's retention: read-only assemblies of
the registry, lineage, evidence, approvals, decisions and ledger queries (no HTTP here)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from governance.timeutil import iso, to_utc, utcnow


def _row(obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = obj.model_dump(mode="json")
    for key in skip:
        data.pop(key, None)
    return data


_LIMITS: dict[str, tuple[tuple[tuple[str, int, int], ...], list[tuple[str, timedelta, str]]]] = {}


def retention_limits(policy_dir: Path) -> list[tuple[str, timedelta, str]]:
    """(classification, max age, policy id) from every data_retention policy of the bundle; read again
    only when a policy file changes (name, size or modification time)."""
    from governance.policy.loader import policy_files

    try:
        stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in policy_files(policy_dir))
    except Exception:  # noqa: BLE001 - an unreadable folder: no retention shown (never invented)
        return []
    cached = _LIMITS.get(str(policy_dir))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    limits = _read_limits(policy_dir)
    _LIMITS[str(policy_dir)] = (stamp, limits)
    return limits


def _read_limits(policy_dir: Path) -> list[tuple[str, timedelta, str]]:
    from governance.policy.loader import load_bundle

    try:
        bundle = load_bundle(policy_dir)
    except Exception:  # noqa: BLE001 - an unreadable bundle: no retention shown (never invented)
        return []
    out = []
    for policy in bundle.policies:
        if policy.kind != "data_retention" or policy.rule is None:
            continue
        for cls, age in getattr(policy.rule, "max_age", ()):
            out.append((cls, age, policy.id))
    return out


def dataset_retention(session: Session, dataset: Any, limits: list[tuple[str, timedelta, str]]) -> dict[str, Any]:
    """The dataset's retention: the shortest max age among its classifications, its deadline
    (first seen + max age), and its state: within | overdue | deleted | unclassified | unknown."""
    from governance.gate.gather import DELETIONS, classifications
    from governance.store.tables import DatasetFacetVersion

    classes = classifications(dict(dataset.facets or {}))
    folded = {c.casefold() for c in classes}
    matching = sorted((age, cls, pid) for cls, age, pid in limits if cls.casefold() in folded)
    deletion = None
    for value, at in session.exec(
        select(DatasetFacetVersion.value, DatasetFacetVersion.event_time)
        .where(DatasetFacetVersion.dataset_id == dataset.id, DatasetFacetVersion.facet == "lifecycleStateChange")
        .order_by(col(DatasetFacetVersion.event_time))
    ).all():
        state = str((value or {}).get("lifecycleStateChange", "")).upper()
        if state in DELETIONS:
            deletion = {"change": state, "at": iso(to_utc(at))}
            break
    base: dict[str, Any] = {"classifications": list(classes), "deletion": deletion}
    if not matching:
        return {**base, "state": "unclassified", "max_age_days": None, "deadline": None, "policy": None}
    age, cls, pid = matching[0]
    first = to_utc(dataset.first_seen) if dataset.first_seen else None
    if first is None:
        return {
            **base,
            "state": "unknown",
            "max_age_days": age.total_seconds() / 86400,
            "deadline": None,
            "policy": pid,
        }
    deadline = first + age
    state = "deleted" if deletion else ("within" if utcnow() <= deadline else "overdue")
    return {
        **base,
        "state": state,
        "classification": cls,
        "max_age_days": age.total_seconds() / 86400,
        "deadline": iso(deadline),
        "policy": pid,
    }


def model_version_summary(
    session: Session, model: str, version: str, *, as_of: datetime | None = None
) -> dict[str, Any]:
    """A model version with its lineage closure, fairness evidence (values and intervals), the other
    validation stages' evidence (kind, stage, measurements with intervals, submitter, time), approvals,
    waivers, decisions (every verdict), ledger entries and its findings (id, severity, status).
    NotFoundError if it is not registered."""
    from governance.approvals.queries import approvals_of_version, waivers_of_version
    from governance.evidence.queries import fairness_evaluations
    from governance.evidence.stage_store import list_stage_evidence
    from governance.findings.service import finding_to_dict, list_findings
    from governance.gate.queries import decisions_of_version
    from governance.ledger.export import entry_to_dict, list_entries
    from governance.lineage.graph import datasets_of_closure
    from governance.registry.service import get_version, model_to_dict, version_to_dict
    from governance.store.tables import Job, Run

    registered, mv = get_version(session, model, version)
    assert mv.id is not None
    lineage: dict[str, Any] = {"status": "missing", "run_id": mv.training_run_id, "job": None}
    if mv.training_run_id:
        run = session.get(Run, mv.training_run_id)
        if run is None:
            lineage["status"] = "unknown_run"
        else:
            job = session.get(Job, run.job_id)
            direct, upstream = datasets_of_closure(session, mv.training_run_id, as_of=as_of)
            lineage = {
                "status": "known",
                "run_id": run.run_id,
                "job": job.node_id if job else None,
                "state": run.state,
                "started_at": iso(run.started_at),
                "ended_at": iso(run.ended_at),
                "inputs": direct,
                "upstream_datasets": upstream,
            }
    fairness = [_row(f) for f in fairness_evaluations(session, mv.id)]
    decisions = [_row(d, skip=("context", "policy_documents")) for d in decisions_of_version(session, mv.id)]
    ledger = [entry_to_dict(e) for e in list_entries(session, model=model) if e.version == version]
    stages = [st.to_dict() for st in list_stage_evidence(session, model, version)]
    findings = [finding_to_dict(f) for f in list_findings(session, model=model, limit=100_000) if f.version == version]
    return {
        "model": model_to_dict(registered),
        "version": version_to_dict(mv),
        "lineage": lineage,
        "fairness": fairness,
        "stage_evidence": stages,
        "approvals": [_row(a) for a in approvals_of_version(session, mv.id)],
        "waivers": [_row(w) for w in waivers_of_version(session, model, version)],
        "decisions": decisions,
        "ledger": ledger,
        "findings": findings,
    }


def dataset_columns(session: Session, node_id: str, *, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Column lineage into a dataset (one hop, from the columnLineage facets): each output field with
    the input fields it was computed from and how, as known at `as_of`. Empty when none was reported."""
    from governance.store.tables import ColumnEdge

    stmt = select(ColumnEdge).where(ColumnEdge.dst_dataset == node_id)
    if as_of is not None:
        stmt = stmt.where(ColumnEdge.first_seen <= as_of)
    fields: dict[str, list[dict[str, Any]]] = {}
    for e in session.exec(
        stmt.order_by(col(ColumnEdge.dst_field), col(ColumnEdge.src_dataset), col(ColumnEdge.src_field))
    ):
        fields.setdefault(e.dst_field, []).append(
            {"dataset": e.src_dataset, "field": e.src_field, "transformation": e.transformation}
        )
    return [{"field": name, "inputs": inputs} for name, inputs in fields.items()]
