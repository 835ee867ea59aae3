"""ISO 8601 durations as policies write them (P90D, P1Y6M, PT12H).

Calendar units are fixed lengths so that an age check never depends on the month it runs in:
a year is 365 days and a month 30 days (docs/policies.md says so).
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """`P90D` -> 90 days. Raises ValueError on anything else."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an ISO 8601 duration such as P90D or PT12H: {text!r}")
    n = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    days = n["y"] * 365 + n["mo"] * 30 + n["w"] * 7 + n["d"]
    return timedelta(days=days, hours=n["h"], minutes=n["mi"], seconds=n["s"])


def describe(delta: timedelta) -> str:
    """A short human form: 412 days, 5 hours."""
    if delta.days >= 2:
        return f"{delta.days} days"
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours"
