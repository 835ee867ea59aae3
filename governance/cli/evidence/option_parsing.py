"""Parsing the options of `gov evidence` commands: COL[,COL...] lists, --format, NAME=NUMBER lists and
START/END windows."""

from __future__ import annotations

from datetime import datetime


def _split(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


FORMAT_HELP = "text | json (the stored record)"


def _format(fmt: str) -> None:
    from governance.errors import InputError

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}", where="--format", hint="text or json")


def _numbers(text: str | None, where: str) -> dict[str, float] | None:
    """`a=1,b=2.5` -> {"a": 1.0, "b": 2.5}."""
    import math

    from governance.errors import InputError

    if text is None:
        return None
    out: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or not key.strip() or not math.isfinite(number):
            raise InputError(f"expected NAME=NUMBER[,NAME=NUMBER...], got {part!r}", where=where)
        if key.strip() in out:
            raise InputError(f"{key.strip()!r} is given twice", where=where)
        out[key.strip()] = number
    if not out:
        raise InputError("expected NAME=NUMBER[,NAME=NUMBER...]", where=where)
    return out


def _window(text: str | None) -> tuple[datetime | None, datetime | None]:
    """`START/END` (ISO 8601) -> (start, end); an empty or reversed window is an error."""
    from governance.errors import InputError
    from governance.timeutil import to_utc

    if text is None:
        return None, None
    start_text, sep, end_text = text.partition("/")
    try:
        start: datetime | None = datetime.fromisoformat(start_text.strip())
        end: datetime | None = datetime.fromisoformat(end_text.strip())
    except ValueError:
        start = end = None
    if not sep or start is None or end is None:
        raise InputError(f"expected START/END in ISO 8601, got {text!r}", where="--window")
    if to_utc(end) <= to_utc(start):
        raise InputError(f"the window {text} is empty (it must end after it starts)", where="--window")
    return start, end
