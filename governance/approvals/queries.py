"""The read side of approvals and waivers: one query each, used by the gate, the API and the reports."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from governance.approvals.tables import Approval, Waiver


def approvals_of_version(session: Session, model_version_id: int, *, before: datetime | None = None) -> list[Approval]:
    """Every approval recorded for a version (counted or not: the policy decides), oldest first;
    with `before`, only those recorded before it."""
    query = select(Approval).where(col(Approval.model_version_id) == model_version_id)
    if before is not None:
        query = query.where(col(Approval.created_at) < before)
    return list(session.exec(query.order_by(col(Approval.created_at), col(Approval.id))).all())


def waivers_of_version(session: Session, model: str, version: str | None = None) -> list[Waiver]:
    """Every waiver whose scope covers the model (and version, if given), whatever its status or target,
    in id order."""
    from governance.approvals.rules import waiver_covers

    rows = session.exec(select(Waiver).order_by(col(Waiver.id))).all()
    return [w for w in rows if waiver_covers(w, None, model, version, None)]


def all_waivers(session: Session) -> list[Waiver]:
    """Every waiver, newest first."""
    return list(session.exec(select(Waiver).order_by(col(Waiver.id).desc())).all())
