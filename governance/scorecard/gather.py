"""Read each model's scorecard facts from the store, once: registry, lineage, validation evidence,
approvals, gate decisions (replayed here, so the criteria stay pure) and waivers.
"""

from __future__ import annotations

from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from sqlmodel import Session, select

from governance.scorecard.context import (
    ApprovalFact,
    DecisionFact,
    ModelFacts,
    ValidationFact,
    VersionFacts,
    WaiverFact,
)
from governance.timeutil import to_utc


def gather_models(session: Session, model_glob: str, *, now: datetime) -> list[ModelFacts]:
    """Facts of every registered model whose name matches `model_glob`, by name."""
    from governance.approvals.records import list_waivers
    from governance.approvals.rules import waiver_covers
    from governance.registry.service import list_models

    waivers = list_waivers(session, include_inactive=True, now=now)
    out = []
    for model, versions in list_models(session):
        if not fnmatchcase(model.name, model_glob):
            continue
        facts = tuple(version_facts(session, model.name, v.version, now=now) for v in versions)
        mine = tuple(
            WaiverFact(
                int(w.id or 0),
                w.policy_id,
                w.ticket,
                w.reason,
                to_utc(w.created_at),
                to_utc(w.expires_at),
                to_utc(w.revoked_at) if w.revoked_at else None,
            )
            for w in waivers
            if waiver_covers(w, None, model.name, None, None)
        )
        out.append(
            ModelFacts(
                model.name,
                model.owner,
                model.risk_tier,
                facts,
                tuple(sorted(mine, key=lambda w: w.id)),
                to_utc(model.created_at),
            )
        )
    return out


def version_facts(session: Session, model: str, version: str, *, now: datetime) -> VersionFacts:
    """One version's facts, through the policy engine's evaluation context (the gate's own reading)."""
    from governance.gate.gather import build_context
    from governance.policy.trust import counted_view, default_trusted
    from governance.store.tables import Run

    ctx = build_context(session, model, version, "production", evaluated_at=now)
    # Only evidence the gate would count by default (the one trust function): not an ingest token's.
    ctx, _ = counted_view(ctx, default_trusted(ctx))
    v = ctx.version
    assert v.id is not None and v.created_at is not None
    run = session.get(Run, v.training_run_id) if v.training_run_id else None
    return VersionFacts(
        version=v.version,
        artifact_uri=v.artifact_uri,
        artifact_digest=v.artifact_digest,
        created_by=v.created_by,
        created_at=v.created_at,
        training_run_id=v.training_run_id,
        run_seen_at=to_utc(run.first_seen) if run is not None else None,
        training_inputs=sum(1 for d in ctx.datasets if d.depth == 1),
        authors=ctx.training_run.authors if ctx.training_run else (),
        validation=tuple(
            ValidationFact(i.stage, i.name, i.source, i.at, i.success, i.window_start) for i in ctx.validation
        )
        + stage_facts(ctx),
        approvals=tuple(
            ApprovalFact(a.approver, a.role, a.artifact_digest, a.created_at)
            for a in ctx.approvals
            if a.created_at is not None
        ),
        decisions=tuple(decision_facts(session, v.id)),
    )


# validation-stage evidence (governance.evidence.stage) -> the scorecard's stage names
STAGE_NAMES = {"data": "data_validation", "performance": "model_performance", "operational": "operational"}


def stage_facts(ctx: Any) -> tuple[ValidationFact, ...]:
    """The version's trusted validation-stage evidence as validation facts: drift (stage data_validation,
    named "drift", so it is monitoring evidence when its window starts after the deployment), performance
    (model_performance), data validation, A/B tests and load tests. Evidence from a submitter the gate
    would not count by default (untrusted or unrecorded) is left out here too (the gate's own filter)."""
    from governance.policy.stage_context import trusted_stages
    from governance.policy.trust import default_trusted

    counted, _ = trusted_stages(ctx.stages, None, default_trusted(ctx))
    out = []
    for ev in counted:
        if ev.stage not in STAGE_NAMES:
            continue
        success = None
        if ev.kind == "drift" and isinstance(ev.summary.get("dataset_drift"), bool):
            success = not ev.summary["dataset_drift"]
        elif ev.kind == "abtest" and ev.summary.get("verdict") in ("win", "lose", "inconclusive", "invalid"):
            success = ev.summary["verdict"] == "win"
        out.append(
            ValidationFact(
                STAGE_NAMES[ev.stage], ev.kind, f"stage_evidence:{ev.id}", ev.evaluated_at, success, ev.window_start
            )
        )
    return tuple(out)


def decision_facts(session: Session, model_version_id: int) -> list[DecisionFact]:
    """Every stored decision of the version, each replayed from what it stored."""
    from governance.gate.service import replay_decision
    from governance.gate.tables import Decision

    rows = session.exec(select(Decision).where(Decision.model_version_id == model_version_id)).all()
    out = []
    for row in rows:
        verdicts: list[dict[str, Any]] = list(row.verdicts)
        replay = replay_decision(session, row.id)
        note = replay.differences[0] if replay.differences else ""
        out.append(
            DecisionFact(
                id=row.id,
                target=row.target,
                at=to_utc(row.created_at),
                deployable=row.deployable,
                policies=len(verdicts),
                enforced=sum(1 for o in verdicts if o.get("mode") == "enforce"),
                errors=sum(1 for o in verdicts if o.get("verdict") == "error"),
                kinds=tuple(sorted({str(o.get("kind")) for o in verdicts})),
                replayed=replay.reproduced,
                replay_note=note,
            )
        )
    return out
