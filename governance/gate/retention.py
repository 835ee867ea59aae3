"""Retention of gov's own records: decisions are kept at least as long as the policies say.

The minimum comes from `data_retention` policies (`system_records_min_retention`); the longest wins.
Without such a policy nothing may be purged: an audit trail is not deleted on a default.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session

from governance.errors import ConfigError, ConflictError
from governance.gate.tables import Decision
from governance.policy.durations import describe
from governance.policy.loader import PolicyBundle
from governance.timeutil import iso, to_utc, utcnow


def minimum_retention(bundle: PolicyBundle) -> timedelta | None:
    """The longest `system_records_min_retention` of the bundle's data_retention policies, if any."""
    ages = [
        p.rule.system_records
        for p in bundle.policies
        if p.kind == "data_retention" and p.rule.system_records is not None
    ]
    return max(ages) if ages else None


def purge_decisions(session: Session, *, before: datetime, bundle: PolicyBundle, now: datetime | None = None) -> int:
    """Delete decisions created before `before`; refused if that reaches into the retention period."""
    keep = minimum_retention(bundle)
    if keep is None:
        raise ConfigError(
            "no data_retention policy states system_records_min_retention, so no decision may be purged",
            hint="add it to a data_retention policy first",
        )
    limit = to_utc(now or utcnow()) - keep
    before = to_utc(before)
    if before > limit:
        raise ConflictError(
            f"decisions must be kept {describe(keep)}: only those created before {iso(limit)} "
            f"may be purged, not up to {iso(before)}",
            where="before",
        )
    table = Decision.__table__  # type: ignore[attr-defined]
    count = session.execute(select(func.count()).select_from(table).where(table.c.created_at < before)).scalar_one()
    session.execute(delete(table).where(table.c.created_at < before))
    return int(count)
