"""The names of the operational measurements: latency percentiles and peak resources."""

from __future__ import annotations

PERCENTILES = (("latency_p50_ms", 50.0), ("latency_p95_ms", 95.0), ("latency_p99_ms", 99.0))
RESOURCES = ("peak_memory_mb", "peak_cpu_pct")
