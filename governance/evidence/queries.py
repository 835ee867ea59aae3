"""Reading stored evidence: the named queries the gate's context builder and the reports share."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from governance.evidence.tables import FairnessEvaluation


def fairness_evaluations(
    session: Session, version_id: int, *, before: datetime | None = None
) -> list[FairnessEvaluation]:
    """The fairness evaluations of one model version, newest first (ties: the later id first);
    with `before`, only those evaluated before it (exclusive)."""
    stmt = select(FairnessEvaluation).where(FairnessEvaluation.model_version_id == version_id)
    if before is not None:
        stmt = stmt.where(col(FairnessEvaluation.evaluated_at) < before)
    order = (col(FairnessEvaluation.evaluated_at).desc(), col(FairnessEvaluation.id).desc())
    return list(session.exec(stmt.order_by(*order)).all())


def evaluated_between(session: Session, version_id: int, start: datetime, end: datetime) -> bool:
    """Whether the version has a fairness evaluation in [start, end)."""
    at = col(FairnessEvaluation.evaluated_at)
    stmt = (
        select(FairnessEvaluation.id)
        .where(FairnessEvaluation.model_version_id == version_id, at >= start, at < end)
        .limit(1)
    )
    return session.exec(stmt).first() is not None
