"""Stored evidence of a model version as the evaluation context holds it: fairness evaluations, stage
results and the metric degradations across versions. Part of building a check's context
(governance.gate.gather)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from governance.policy.context import FairnessEvidence, GroupEvidence, MetricValue
from governance.policy.stage_context import StageEvidence
from governance.timeutil import to_utc


def fairness_of_version(session: Session, model_version_id: int) -> tuple[FairnessEvidence, ...]:
    from governance.evidence.queries import fairness_evaluations

    rows = fairness_evaluations(session, model_version_id, with_intervals=True)  # pending ones computed now
    return tuple(
        sorted(
            (
                fairness_evidence(
                    r.id,
                    r.results,
                    r.sensitive_columns,
                    r.min_group_size,
                    r.confidence,
                    r.data_digest,
                    r.input_digest,
                    r.evaluated_at,
                    submitted_by=r.submitted_by or "unrecorded",
                )
                for r in rows
            ),
            key=lambda f: f.id,
        )
    )


def fairness_evidence(
    ident: Any,
    results: dict[str, Any],
    sensitive: list[str],
    min_group_size: int,
    confidence: float | None,
    data_digest: str,
    input_digest: str,
    evaluated_at: datetime,
    *,
    submitted_by: str | None = None,
) -> FairnessEvidence:
    """Adapt one stored evaluation's results document (governance.evidence.evaluation) to the context."""
    groups = tuple(GroupEvidence.from_dict(g) for g in results.get("groups") or [])
    metrics = {k: MetricValue.from_dict(v) for k, v in (results.get("metrics") or {}).items()}
    return FairnessEvidence(
        int(ident or 0),
        tuple(results.get("sensitive") or sensitive),
        to_utc(evaluated_at),
        metrics,
        groups,
        min_group_size,
        confidence,
        data_digest,
        input_digest,
        submitted_by,
    )


def stages_of_version(
    session: Session, model_version_id: int, target: str, evaluated_at: datetime
) -> tuple[StageEvidence, ...]:
    """Every stored stage result of the version, each with when the version entered `target` (monitoring
    evidence counts from then on). Submitters are kept: the rule kinds count only trusted ones."""
    from governance.evidence.stage_store import row_result, stage_rows
    from governance.gate.queries import entered_target

    rows = stage_rows(session, model_version_id)
    if not rows:
        return ()
    entered = entered_target(session, model_version_id, target, until=evaluated_at)
    out = []
    for row in rows:
        result = row_result(row)
        out.append(
            StageEvidence(
                id=int(row.id or 0),
                kind=result.kind,
                stage=result.stage,
                measurements=result.measurements,  # the one Measurement type (governance.measurement)
                summary=dict(result.summary),
                row_count=result.row_count,
                data_digest=result.data_digest,
                source=result.source,
                evaluated_at=to_utc(row.evaluated_at),
                submitted_by=row.submitted_by,
                confidence=result.confidence,
                window_start=result.window_start,
                window_end=result.window_end,
                entered_target=to_utc(entered) if entered else None,
            )
        )
    return tuple(sorted(out, key=lambda s: s.id))


def degradations_of_version(
    session: Session, model: str, version: str, evaluated_at: datetime
) -> tuple[dict[str, Any], ...]:
    """The model's stage metrics that got worse over three consecutive versions ending at this one (findings)."""
    from governance.evidence.stage_store import degrading_series

    return tuple(degrading_series(session, model, version=version, until=evaluated_at))
