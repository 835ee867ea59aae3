"""Readers of the optional values of a stored evaluation context: timestamps and numbers (None stays None)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from governance.timeutil import parse_optional_timestamp


def read_ts(value: Any) -> datetime | None:
    return parse_optional_timestamp(value)


def read_num(value: Any) -> float | None:
    return None if value is None else float(value)
