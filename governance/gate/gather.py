"""Build the evaluation context of one model version from the store (registry, lineage, evidence).

Read-only, a handful of indexed queries: the version, its training run and job, the lineage closure
of the run's inputs, the facets those datasets carry, the runs that validated the model, fairness
evaluations, approvals and waivers. Facts are derived here, once, and stored with the decision.

The concerns live apart: governance.gate.lineage_closure (the datasets and their derived facts),
governance.gate.validation_evidence (assertions and reported results, with their submitters),
governance.gate.stored_evidence (fairness, stage results, degradations); this module puts the context
together and adds the training run, fact conflicts, approvals and waivers. Their public names are
re-exported here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from governance.gate.lineage_closure import (
    CHUNK,
    CLASSIFICATION_KEYS,
    CLASSIFYING,
    DELETIONS,
    LIFECYCLE,
    classifications,
    closure,
    select_in,
)
from governance.gate.stored_evidence import (
    degradations_of_version,
    fairness_evidence,
    fairness_of_version,
    stages_of_version,
)
from governance.gate.validation_evidence import ASSERTIONS, VALIDATION_FACET, validation_items
from governance.identity import trusted_producers_from_env
from governance.lineage.authors import authors_of
from governance.policy.context import (
    ApprovalRecord,
    DatasetInfo,
    EvaluationContext,
    ModelInfo,
    RunInfo,
    ValidationItem,
    VersionInfo,
    WaiverRecord,
)
from governance.store.tables import Job, Run
from governance.timeutil import iso, to_utc

__all__ = [
    "ASSERTIONS",
    "CHUNK",
    "CLASSIFICATION_KEYS",
    "CLASSIFYING",
    "DELETIONS",
    "LIFECYCLE",
    "VALIDATION_FACET",
    "build_context",
    "classifications",
    "fairness_evidence",
    "run_info",
]


def build_context(
    session: Session, model: str, version: str, target: str, *, evaluated_at: datetime
) -> EvaluationContext:
    """The context of `model` `version` deployed to `target`, as of `evaluated_at`."""
    from governance.registry.service import get_version

    registered, mv = get_version(session, model, version)
    assert mv.id is not None
    model_info = ModelInfo(registered.name, registered.owner, registered.risk_tier, dict(registered.tags))
    version_info = VersionInfo(
        version=mv.version,
        artifact_digest=mv.artifact_digest,
        created_by=mv.created_by,
        created_at=to_utc(mv.created_at),
        id=mv.id,
        artifact_uri=mv.artifact_uri,
        training_run_id=mv.training_run_id,
        status=mv.status,
        stage=mv.stage,
        aliases=tuple(mv.aliases),
        tags=dict(mv.tags),
    )
    run_row = session.get(Run, mv.training_run_id) if mv.training_run_id else None
    training_run = run_info(session, run_row) if run_row is not None else None
    datasets: tuple[DatasetInfo, ...] = ()
    validation: list[ValidationItem] = []
    history: list[ValidationItem] = []  # earlier run-facet results, by other submitters
    if run_row is not None:
        datasets = closure(session, run_row.run_id)
        validation, history = validation_items(session, run_row, datasets)
        if training_run is not None and datasets:  # later ownership claims about the data it read
            owned = _node_conflicts(session, [d.id for d in datasets])
            if owned:
                training_run = replace(training_run, fact_conflicts=training_run.fact_conflicts + owned)
    fairness = fairness_of_version(session, mv.id)
    validation += [
        ValidationItem("ethical", "fairness_evaluation", f"fairness_evaluation:{f.id}", at=f.evaluated_at)
        for f in fairness
    ]
    validation.sort(key=lambda v: (v.stage, v.name, v.source, v.column or ""))
    return EvaluationContext(
        evaluated_at=to_utc(evaluated_at),
        target=target,
        model=model_info,
        version=version_info,
        training_run=training_run,
        datasets=datasets,
        validation=tuple(validation),
        fairness=fairness,
        approvals=_approvals(session, mv.id),
        waivers=_waivers(session, registered.name),
        stages=stages_of_version(session, mv.id, target, to_utc(evaluated_at)),
        degradations=degradations_of_version(session, registered.name, mv.version, to_utc(evaluated_at)),
        validation_history=tuple(history),
        trusted_producers=trusted_producers_from_env(),
    )


def run_info(session: Session, run: Run) -> RunInfo:
    """The training run as the context holds it, with its authors."""
    job = session.get(Job, run.job_id)
    job_facets = dict(job.facets) if job is not None else {}
    return RunInfo(
        run.run_id,
        job.node_id if job is not None else "",
        run.state,
        to_utc(run.started_at) if run.started_at else None,
        to_utc(run.ended_at) if run.ended_at else None,
        authors_of(job_facets, dict(run.facets)),
        dict(run.facets),
        job_facets,
        _fact_conflicts(session, run.run_id) + (_node_conflicts(session, [job.node_id]) if job is not None else ()),
    )


def _fact_conflicts(session: Session, run_id: str) -> tuple[dict[str, Any], ...]:
    """Later claims about the run's authors or inputs that differ from the first (lineage/run_facts.py)."""
    from governance.store.tables import RunFactConflict

    rows = session.execute(
        select(RunFactConflict).where(col(RunFactConflict.run_id) == run_id).order_by(col(RunFactConflict.id))
    ).scalars()
    return tuple(
        {
            "fact": r.fact,
            "first": r.first_value,
            "claimed": r.claimed_value,
            "submitted_by": r.submitted_by,
            "event_time": iso(to_utc(r.event_time)),
        }
        for r in rows
    )


def _node_conflicts(session: Session, node_ids: list[str]) -> tuple[dict[str, Any], ...]:
    """Later `ownership` claims about these jobs or datasets that differ from the first (lineage/node_facts.py)."""
    from governance.store.tables import NodeFactConflict

    t = NodeFactConflict.__table__  # type: ignore[attr-defined]
    rows = sorted(select_in(session, t.c.node_id, list(t.c), sorted(set(node_ids))), key=lambda r: r.id)
    return tuple(
        {
            "fact": r.fact,
            "subject": r.node_id,
            "first": r.first_value,
            "claimed": r.claimed_value,
            "submitted_by": r.submitted_by,
            "event_time": iso(to_utc(r.event_time)),
        }
        for r in rows
    )


def _approvals(session: Session, model_version_id: int) -> tuple[ApprovalRecord, ...]:
    from governance.approvals.queries import approvals_of_version

    return tuple(
        ApprovalRecord(int(r.id or 0), r.role, r.approver, r.artifact_digest, to_utc(r.created_at), r.comment)
        for r in approvals_of_version(session, model_version_id)
    )


def _waivers(session: Session, model: str) -> tuple[WaiverRecord, ...]:
    from governance.approvals.queries import waivers_of_version

    return tuple(
        WaiverRecord(
            int(r.id or 0),
            r.policy_id,
            r.reason,
            r.ticket,
            r.approver,
            to_utc(r.expires_at),
            to_utc(r.created_at),
            r.model_glob,
            r.version,
            r.target,
            to_utc(r.revoked_at) if r.revoked_at else None,
            r.revoked_by,
            bool(r.needs_cosign),
            r.cosigned_by if r.cosigned_at is not None else None,
        )
        for r in waivers_of_version(session, model)
    )
