"""Read side of the register for reports."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from governance.findings.sync import OPEN_STATES
from governance.findings.tables import Finding
from governance.period import Period


def findings_for_report(session: Session, model: str | None = None, *, period: Period) -> list[Finding]:
    """Findings a report of `period` shows: those open or in remediation that were first seen before the
    period's end, and those closed or accepted within the period; most severe first, then by id."""
    from governance.policy.model import SEVERITIES

    stmt = select(Finding).where(
        or_(
            col(Finding.status).in_(tuple(OPEN_STATES)) & (col(Finding.first_seen_at) < period.end),
            col(Finding.status).in_(("closed", "accepted"))
            & (col(Finding.closed_at) >= period.start)
            & (col(Finding.closed_at) < period.end),
        )
    )
    if model is not None:
        stmt = stmt.where(Finding.model == model)
    rows = list(session.exec(stmt).all())
    rank = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    return sorted(rows, key=lambda f: (rank.get(f.severity, 99), f.id or 0))
