"""Retention of the ledger: nothing younger than the policy's retention period may ever be purged.

This version purges nothing at all: the ledger tables are append-only (database triggers refuse
DELETE), so the guard below is the rule any future purge must pass, and `purge_before` says plainly
that purging is not implemented. docs/ledger.md ("Retention") describes how expired entries would be
archived: export, sign a checkpoint at the archive boundary, keep the export, and let verification
start from that signed checkpoint instead of genesis.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

from sqlmodel import Session, func, select

from governance.errors import ConflictError, InputError
from governance.ledger.tables import LedgerEntry
from governance.timeutil import iso, to_utc, utcnow


def earliest_allowed_cutoff(min_retention_days: float, now: datetime | None = None) -> datetime:
    """The latest cutoff a purge may use: everything younger than this is still retained.
    Days may be fractional (`governance.gate.retention.minimum_retention(...) / timedelta(days=1)`)."""
    if min_retention_days < 0:
        raise InputError(f"retention must be zero or more days, got {min_retention_days}", where="min_retention_days")
    return to_utc(now or utcnow()) - timedelta(days=min_retention_days)


def check_purge_allowed(cutoff: datetime, *, min_retention_days: float, now: datetime | None = None) -> None:
    """Refuse (InputError) a cutoff that would reach entries younger than the required retention."""
    limit = earliest_allowed_cutoff(min_retention_days, now)
    if to_utc(cutoff) > limit:
        raise InputError(
            f"refusing to purge ledger entries before {iso(cutoff)}: the policy requires keeping "
            f"{min_retention_days:g} days, so the cutoff can be at most {iso(limit)}",
            where="cutoff",
            hint="choose an earlier cutoff",
        )


def purge_before(
    session: Session, cutoff: datetime, *, min_retention_days: float, now: datetime | None = None
) -> NoReturn:
    """Check the retention rule, then refuse: the ledger is append-only and this version never deletes."""
    check_purge_allowed(cutoff, min_retention_days=min_retention_days, now=now)
    count = session.exec(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.at < to_utc(cutoff))).one()
    raise ConflictError(
        f"{count} ledger entries are older than {iso(cutoff)}, but the ledger is append-only and this "
        "version does not purge",
        hint="archive them with `gov ledger export`; see docs/ledger.md, Retention",
    )
