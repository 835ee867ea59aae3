"""Time helpers. The store keeps timezone-aware UTC datetimes (sqlmodel's UTCDateTime)."""

from __future__ import annotations

from datetime import UTC, datetime

from governance.errors import InputError


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


def to_utc(dt: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_timestamp(text: str, *, field: str = "timestamp") -> datetime:
    """Parse an ISO 8601 timestamp or date (a date means 00:00 UTC). Naive input is UTC."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{field}: not an ISO 8601 timestamp: {text!r}") from exc
    return to_utc(dt)


def parse_optional_timestamp(value: object, *, field: str = "timestamp") -> datetime | None:
    """The one reading of an optional timestamp (CLI options, API query parameters, stored contexts,
    facets): None or "" mean absent (None); an aware or naive datetime is returned in UTC; a string is
    read by `parse_timestamp` (a naive time is UTC, a date is 00:00 UTC). Anything else, or a string
    that is not ISO 8601 (whitespace alone included), is an InputError naming `field`."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    if not isinstance(value, str):
        raise InputError(f"{field}: not an ISO 8601 timestamp: {value!r}")
    return parse_timestamp(value, field=field)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z suffix, or None."""
    if dt is None:
        return None
    return to_utc(dt).replace(tzinfo=None).isoformat().replace("+00:00", "") + "Z"
