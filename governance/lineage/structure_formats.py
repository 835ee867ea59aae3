"""The JSON Schema string formats the OpenLineage spec uses: `uuid`, `date-time`, `uri`.

Each check accepts exactly what `jsonschema`'s Draft 2020-12 FORMAT_CHECKER accepts (the oracle in
tests/ol_oracle.py), not what openlineage-python's own validators accept: the client's
`UUID(value)`, `dateutil.isoparse` and `urlparse` let through naive times, braces-wrapped UUIDs and
strings without a scheme, which the spec rejects.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from uuid import UUID

from rfc3986_validator import validate_rfc3986

# The canonical 8-4-4-4-12 spelling is what producers send; matching it with one regex keeps the
# common case cheap. Anything else takes the slow path, which mirrors jsonschema's `is_uuid`.
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def is_uuid(text: str) -> bool:
    """True when `text` is a UUID as JSON Schema's `uuid` format (via jsonschema) defines it."""
    if _CANONICAL_UUID.match(text):
        return True
    try:
        UUID(text)
    except ValueError:
        return False
    # UUID() also takes '{...}', 'urn:uuid:' and hyphen-less forms; the format wants the hyphens.
    return all(text[position] == "-" for position in (8, 13, 18, 23))


# RFC 3339 `date-time`, the same grammar rfc3339-validator checks (jsonschema upper-cases first, so
# 't' and 'z' pass). `$` rather than `\Z` on purpose: it also matches before one final newline,
# and the oracle accepts that, so we do too. Leap seconds (:60) are rejected, as there.
_RFC3339 = re.compile(
    r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d+))?"
    r"(?:(Z)|([+-])([01]\d|2[0-3]):([0-5]\d))$",
    re.ASCII,
)
_UTC = UTC
_OFFSETS: dict[str, timezone] = {}


def parse_date_time(text: str) -> datetime | None:
    """The timezone-aware datetime `text` denotes, or None when it is not an RFC 3339 date-time."""
    # Each event's eventTime is parsed twice (checked by the structurer, then read by parse_event), so a
    # small cache saves ~1.2 µs an event. Only short texts are kept (a date-time is ~20-35 characters),
    # so that senders cannot fill memory with long ones. Datetimes are immutable: sharing them is safe.
    return _cached_date_time(text) if len(text) <= 64 else _date_time(text)


@lru_cache(maxsize=256)
def _cached_date_time(text: str) -> datetime | None:
    return _date_time(text)


def _date_time(text: str) -> datetime | None:
    match = _RFC3339.match(text.upper())
    if match is None:
        return None
    year_s, month_s, day_s, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    year, month, day = int(year_s), int(month_s), int(day_s)
    # monthrange (it works out the weekday too) only when the day could be past the month's end
    if year == 0 or day == 0 or (day > 28 and day > calendar.monthrange(year, month)[1]):
        return None
    # datetime holds microseconds; finer fractions are truncated, not rejected (the spec allows them).
    micros = int((fraction + "00000")[:6]) if fraction else 0
    tz = _UTC if zulu else _offset(sign, off_h, off_m)
    return datetime(year, month, day, int(hour), int(minute), int(second), micros, tzinfo=tz)


def _offset(sign: str, hours: str, minutes: str) -> timezone:
    key = sign + hours + minutes
    tz = _OFFSETS.get(key)
    if tz is None:
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        tz = _UTC if not delta else timezone(-delta if sign == "-" else delta)
        _OFFSETS[key] = tz
    return tz


_NAIVE = re.compile(
    r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d+))?$",
    re.ASCII,
)


def parse_naive_date_time(text: str) -> datetime | None:
    """An RFC 3339 date-time written without its offset, read as UTC (as Marquez reads it); else None."""
    match = _NAIVE.match(text.upper())
    if match is None:
        return None
    return parse_date_time(text + "Z")


def is_date_time(text: str) -> bool:
    """True when `text` is an RFC 3339 date-time (which always carries a timezone offset)."""
    return parse_date_time(text) is not None


# Producers and schema URLs repeat across events, so a bounded cache turns a ~1.5 µs regex into a
# dict hit; a unique value only costs its one check.
def is_uri(text: str) -> bool:
    """True when `text` is an absolute URI per RFC 3986, as rfc3986-validator (jsonschema's) checks."""
    # Producers repeat a few URIs (producer, schemaURL) in every event: cached. Only texts of up to 2 KiB
    # are kept, so 8,192 entries hold at most ~16 MiB whatever senders send (a cache of unbounded
    # strings let one client pin gigabytes of 1 MB "URIs").
    return _cached_is_uri(text) if len(text) <= 2048 else validate_rfc3986(text, rule="URI") is not None


@lru_cache(maxsize=8192)
def _cached_is_uri(text: str) -> bool:
    return validate_rfc3986(text, rule="URI") is not None
