"""Report periods: `FROM..TO` on the command line, half-open [start, end) inside, monthly buckets for trends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from governance.errors import InputError
from governance.timeutil import iso, parse_timestamp, to_utc

DEFAULT_DAYS = 90
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Period:
    """[start, end): `start` inclusive, `end` exclusive, both aware UTC."""

    start: datetime
    end: datetime

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= to_utc(moment) < self.end

    def label(self) -> str:
        """Human form: dates when both ends fall on midnight (the end shown inclusive), else timestamps."""
        if _midnight(self.start) and _midnight(self.end):
            last = self.end - timedelta(days=1)
            return f"{self.start:%Y-%m-%d} to {last:%Y-%m-%d}"
        return f"{iso(self.start)} to {iso(self.end)} (exclusive)"

    def to_dict(self) -> dict[str, str | bool | None]:
        return {"start": iso(self.start), "end": iso(self.end), "end_exclusive": True, "label": self.label()}

    def months(self) -> list[Period]:
        """Calendar-month buckets covering the period, the first and last clipped to it."""
        out: list[Period] = []
        cursor = self.start
        while cursor < self.end:
            first = datetime(cursor.year, cursor.month, 1, tzinfo=UTC)
            nxt = datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=UTC)
            out.append(Period(cursor, min(nxt, self.end)))
            cursor = nxt
        return out


def _midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def _bound(text: str, *, end: bool) -> datetime:
    value = text.strip()
    try:
        moment = parse_timestamp(value, field="period")
    except InputError as exc:
        raise InputError(
            exc.message, where="period", hint="FROM..TO with ISO dates, e.g. 2026-10-01..2026-12-31"
        ) from exc
    # A date as the end means "up to and including that day".
    return moment + timedelta(days=1) if end and _DATE_ONLY.match(value) else moment


def _end_of_today(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


def parse_period(text: str | None, *, now: datetime) -> Period:
    """`FROM..TO` (ISO dates or timestamps; a date as TO includes that day). Either side may be empty:
    TO defaults to today (inclusive), FROM to DEFAULT_DAYS days before TO. None: the last DEFAULT_DAYS days,
    today included."""
    now = to_utc(now)
    if text is None or not text.strip():
        end = _end_of_today(now)
        return Period(end - timedelta(days=DEFAULT_DAYS), end)
    if ".." not in text:
        raise InputError(
            f"period must be FROM..TO, got {text!r}",
            where="period",
            hint="e.g. 2026-10-01..2026-12-31 (dates or ISO timestamps; either side may be empty)",
        )
    left, right = text.split("..", 1)
    end = _bound(right, end=True) if right.strip() else _end_of_today(now)
    start = _bound(left, end=False) if left.strip() else end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise InputError(f"period {text!r} is empty: it must start before it ends", where="period")
    return Period(start, end)
