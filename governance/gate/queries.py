"""Reading gate decisions: the named queries the faces, the reports and the scorecard share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from governance.gate.tables import Decision


def decisions_of_version(
    session: Session, version_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> list[Decision]:
    """The decisions of one model version, newest first (ties by id); `since` inclusive, `until` exclusive."""
    stmt = select(Decision).where(Decision.model_version_id == version_id)
    if since is not None:
        stmt = stmt.where(col(Decision.created_at) >= since)
    if until is not None:
        stmt = stmt.where(col(Decision.created_at) < until)
    return list(session.exec(stmt.order_by(col(Decision.created_at).desc(), col(Decision.id))).all())


def latest_per_target(decisions: list[Decision]) -> dict[str, Decision]:
    """The newest decision for each target, from decisions listed newest first."""
    latest: dict[str, Decision] = {}
    for row in decisions:
        latest.setdefault(row.target, row)
    return latest


def entered_target(session: Session, version_id: int, target: str, *, until: datetime | None = None) -> datetime | None:
    """When the version entered `target`: its first deployable decision for that target (before `until`).

    Monitoring evidence counts only from this instant on (docs/scorecard.md, criterion D)."""
    stmt = select(func.min(Decision.created_at)).where(
        Decision.model_version_id == version_id, Decision.target == target, col(Decision.deployable).is_(True)
    )
    if until is not None:
        stmt = stmt.where(col(Decision.created_at) < until)
    return session.exec(stmt).one()


def decided_between(session: Session, version_id: int, start: datetime, end: datetime) -> bool:
    """Whether the version has a decision in [start, end)."""
    stmt = (
        select(Decision.id)
        .where(
            Decision.model_version_id == version_id, col(Decision.created_at) >= start, col(Decision.created_at) < end
        )
        .limit(1)
    )
    return session.exec(stmt).first() is not None


def decision_counts(session: Session) -> tuple[int, int]:
    """(all decisions, blocked decisions)."""
    total = session.exec(select(func.count(col(Decision.id)))).one()
    blocked = session.exec(select(func.count(col(Decision.id))).where(col(Decision.deployable).is_(False))).one()
    return int(total), int(blocked)


def deployed_version(session: Session, model: str, target: str, *, exclude: str | None = None) -> str | None:
    """The version of `model` deployed at `target` now (the champion): of its versions with a deployable
    decision for `target`, the one whose first such decision is the latest (the last to enter it), other
    than `exclude`; None when no version has entered the target."""
    from governance.store.tables import ModelVersion, RegisteredModel

    entered = func.min(Decision.created_at).label("entered")
    stmt = (
        select(ModelVersion.version, entered)
        .join(Decision, col(Decision.model_version_id) == ModelVersion.id)
        .join(RegisteredModel, col(RegisteredModel.id) == ModelVersion.model_id)
        .where(RegisteredModel.name == model, Decision.target == target, col(Decision.deployable).is_(True))
        .group_by(col(ModelVersion.version))
        .order_by(entered.desc(), col(ModelVersion.version).desc())
    )
    if exclude is not None:
        stmt = stmt.where(ModelVersion.version != exclude)
    row = session.exec(stmt).first()
    return None if row is None else str(row[0])
