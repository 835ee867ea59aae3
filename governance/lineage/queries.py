"""Reading the lineage store: stored and rejected events, and the rows behind graph nodes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from governance.store.tables import Dataset, Job, RawEvent, RejectedEvent


def event_counts(session: Session) -> tuple[int, int]:
    """(stored raw events, rejected events)."""
    raw = session.exec(select(func.count(col(RawEvent.id)))).one()
    rejected = session.exec(select(func.count(col(RejectedEvent.id)))).one()
    return int(raw), int(rejected)


def last_event_received_at(session: Session) -> datetime | None:
    """When the newest stored event arrived, or None."""
    return session.exec(select(RawEvent.received_at).order_by(col(RawEvent.id).desc()).limit(1)).first()


def recent_rejections(session: Session, limit: int = 50) -> list[RejectedEvent]:
    """Events that failed validation, newest first."""
    return list(session.exec(select(RejectedEvent).order_by(col(RejectedEvent.id).desc()).limit(limit)).all())


def run_event_digests(session: Session, run_id: str) -> list[str]:
    """The digests of the raw events of one run, sorted."""
    return sorted(session.exec(select(RawEvent.digest).where(RawEvent.run_id == run_id)).all())


def node_rows(session: Session, node_ids: list[str]) -> dict[str, tuple[str, Any]]:
    """node id -> ("DATASET" | "JOB", its row) for the dataset and job nodes among `node_ids`."""
    found: dict[str, tuple[str, Any]] = {}
    tables: tuple[tuple[Any, str], ...] = ((Dataset, "DATASET"), (Job, "JOB"))
    for table, kind in tables:
        for start in range(0, len(node_ids), 500):
            chunk = node_ids[start : start + 500]
            for row in session.exec(select(table).where(col(table.node_id).in_(chunk))).all():
                found[row.node_id] = (kind, row)
    return found
