"""Reading stored evidence: the named queries the gate's context builder and the reports share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.evidence.tables import FairnessEvaluation


def fairness_evaluations(
    session: Session, version_id: int, *, before: datetime | None = None, with_intervals: bool = False
) -> list[FairnessEvaluation]:
    """The fairness evaluations of one model version, newest first (ties: the later id first);
    with `before`, only those evaluated before it (exclusive). With `with_intervals`, evaluations whose
    bootstrap intervals are pending (stored by ingest) get them now, stored in the caller's
    transaction (governance.evidence.intervals); one that cannot be completed stays pending, its
    intervals None, so a policy that needs them is not evaluated (never passes)."""
    stmt = select(FairnessEvaluation).where(FairnessEvaluation.model_version_id == version_id)
    if before is not None:
        stmt = stmt.where(col(FairnessEvaluation.evaluated_at) < before)
    order = (col(FairnessEvaluation.evaluated_at).desc(), col(FairnessEvaluation.id).desc())
    rows = list(session.exec(stmt.order_by(*order)).all())
    if with_intervals and any(r.intervals_pending for r in rows):
        from governance.evidence.intervals import complete_all

        complete_all(session, rows)
    return rows


def evaluated_between(session: Session, version_id: int, start: datetime, end: datetime) -> bool:
    """Whether the version has a fairness evaluation in [start, end)."""
    at = col(FairnessEvaluation.evaluated_at)
    stmt = (
        select(FairnessEvaluation.id)
        .where(FairnessEvaluation.model_version_id == version_id, at >= start, at < end)
        .limit(1)
    )
    return session.exec(stmt).first() is not None


def complete_pending_intervals(engine: Engine, model: str, version: str) -> int:
    """Compute the pending bootstrap intervals of one model version BEFORE a check opens its write
    transaction (each in its own short transaction: governance.evidence.intervals.finish_pending), so a
    check never holds the write lock while a bootstrap runs (seconds at the bounds). Cheap when nothing
    is pending (one indexed query; numpy is not imported). An unknown version completes nothing: the
    check itself reports it. Returns how many were completed."""
    from governance.errors import NotFoundError
    from governance.registry.service import get_version

    with Session(engine) as s:
        try:
            _, mv = get_version(s, model, version)
        except NotFoundError:
            return 0
        pending = s.exec(
            select(FairnessEvaluation.id)
            .where(FairnessEvaluation.model_version_id == mv.id, col(FairnessEvaluation.intervals_pending))
            .limit(1)
        ).first()
    if pending is None:
        return 0
    from governance.evidence.intervals import finish_pending

    return finish_pending(engine, model_version_id=mv.id)[0]
