"""Reading the format warnings stored with accepted events (`gov lineage warnings`, the API, reports).

An event whose values break the format their schema declares (a URI without a scheme, a date-time
without an offset...) is accepted, and each such value is kept as a warning with its JSON path
(parse.py says which values are warnings and which stay errors).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from governance.store.tables import LineageWarning

DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000


def list_warnings(
    session: Session,
    *,
    producer: str | None = None,
    since: datetime | None = None,
    code: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[LineageWarning]:
    """Warnings, newest first. `producer` matches any part of the producer URL (e.g. `integration/flink`);
    `since` keeps those received at or after it; `code` is exact (e.g. `uri-format`)."""
    query = select(LineageWarning)
    if producer:
        query = query.where(col(LineageWarning.producer).contains(producer, autoescape=True))
    if since is not None:
        query = query.where(col(LineageWarning.received_at) >= since)
    if code:
        query = query.where(LineageWarning.code == code)
    query = query.order_by(col(LineageWarning.id).desc()).limit(max(0, min(limit, MAX_LIMIT)))
    return list(session.exec(query).all())


def warning_counts_by_producer(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[str, int, int]]:
    """(producer, warnings, events with warnings) per producer, most warnings first (then by producer);
    `since` keeps those received at or after it, `until` those received before it."""
    warnings = func.count(col(LineageWarning.id))
    query = select(LineageWarning.producer, warnings, func.count(func.distinct(LineageWarning.event_digest)))
    if since is not None:
        query = query.where(col(LineageWarning.received_at) >= since)
    if until is not None:
        query = query.where(col(LineageWarning.received_at) < until)
    query = query.group_by(LineageWarning.producer).order_by(warnings.desc(), LineageWarning.producer)
    return [(str(p), int(n), int(e)) for p, n, e in session.exec(query).all()]


def warning_dict(row: LineageWarning) -> dict[str, Any]:
    """One warning as JSON (CLI `--format json` and the API)."""
    from governance.timeutil import to_utc

    return {
        "event_digest": row.event_digest,
        "producer": row.producer,
        "code": row.code,
        "json_path": row.json_path,
        "message": row.message,
        "received_at": to_utc(row.received_at).isoformat().replace("+00:00", "Z"),
    }
