"""Measurements from a load tool's request counts: throughput with an exact Poisson interval and the
error rate with a Wilson interval (shared by the k6 and Locust readers)."""

from __future__ import annotations

from typing import Any

from governance.evidence.operational.intervals import poisson_rate_interval, wilson_interval
from governance.evidence.stage import Measurement


def throughput_measurement(
    count: float, rate: float, confidence: float, source: dict[str, Any] | None = None
) -> Measurement:
    """throughput_rps `rate` over `count` requests; the interval from the span count / rate (none when the
    rate is 0). `source` leads the detail (where the tool reported it)."""
    seconds = count / rate if rate > 0 else None
    low, high = poisson_rate_interval(count, seconds, confidence) if seconds else (None, None)
    return Measurement(
        "throughput_rps",
        rate,
        low,
        high,
        n=int(count),
        higher_is_better=True,
        detail={**(source or {}), "interval": "poisson (exact)", "seconds": seconds},
    )


def error_rate_measurement(failed: float, total: float, confidence: float) -> Measurement:
    """error_rate `failed` / `total` with its Wilson interval (no value and no interval when `total` is 0)."""
    low, high = wilson_interval(failed, total, confidence) if total > 0 else (None, None)
    return Measurement(
        "error_rate",
        failed / total if total else None,
        low,
        high,
        n=int(total),
        higher_is_better=False,
        detail={"failed": int(failed), "interval": "wilson"},
    )
