"""Operational evidence: latency percentiles, throughput, error rate and peak resources of a load test.

Reads the outputs of real load-testing tools, the format detected from the content (not the name).
The readers, one module each: `k6_summary`, `locust_stats` and `latency_csv` (their docstrings say what
each reads and why its latencies have an interval or not); `intervals` (Wilson, Poisson, order
statistics, bootstrap); `counted` (throughput and error-rate measurements of the k6 and Locust
counts); `from_file` (format detection and the StageResult).

Throughput is requests per second over the timestamps' span (or `window_seconds`) with an exact
Poisson (Garwood) interval for the count; the error rate has a Wilson interval whenever the request and
failure counts are known. Peak memory / CPU come from `peak_memory_mb` / `peak_cpu_pct` columns (their
maximum) or top-level fields of a k6 JSON.
Measurement names: latency_p50_ms, latency_p95_ms, latency_p99_ms, throughput_rps, error_rate,
peak_memory_mb, peak_cpu_pct.
"""

from __future__ import annotations

from governance.evidence.operational.from_file import detect_format, operational_from_file
from governance.evidence.operational.intervals import (
    bootstrap_quantiles,
    order_statistic_interval,
    poisson_rate_interval,
    wilson_interval,
)
from governance.evidence.operational.measurement_names import PERCENTILES, RESOURCES

__all__ = [
    "PERCENTILES",
    "RESOURCES",
    "bootstrap_quantiles",
    "detect_format",
    "operational_from_file",
    "order_statistic_interval",
    "poisson_rate_interval",
    "wilson_interval",
]
