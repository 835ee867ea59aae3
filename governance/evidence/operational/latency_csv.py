"""Reading a CSV of per-request latencies into operational measurements.

- **A CSV of per-request latencies**: `latency_ms` [, `ok` (1/0, true/false) or `status` (HTTP code; >=
  400 or not a number is an error), `timestamp` (epoch seconds or ISO 8601), `peak_memory_mb`,
  `peak_cpu_pct`]. Percentiles p50/p95/p99 (numpy's default linear interpolation) with a
  distribution-free order-statistic interval (the ranks from the binomial distribution, coverage >=
  `confidence`) or, with `interval="bootstrap"`, a percentile bootstrap (`resamples`, `seed`).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from governance.errors import InputError
from governance.evidence.operational.intervals import (
    bootstrap_quantiles,
    order_statistic_interval,
    poisson_rate_interval,
    wilson_interval,
)
from governance.evidence.operational.measurement_names import PERCENTILES, RESOURCES
from governance.evidence.stage import Measurement


def _timestamps(series: Any, where: str) -> np.ndarray:
    import pandas as pd  # type: ignore[import-untyped]

    num = pd.to_numeric(series, errors="coerce")
    if not num.isna().any():
        out: np.ndarray = num.to_numpy(dtype=float)
        return out
    try:
        ts = pd.to_datetime(series, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        raise InputError("column 'timestamp' must be epoch seconds or ISO 8601 times", where=where) from None
    seconds: np.ndarray = (ts - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)
    return seconds


def _read_latency_csv(
    data: bytes,
    where: str,
    *,
    window_seconds: float | None,
    confidence: float,
    resamples: int,
    seed: int | None,
    interval: str,
) -> tuple[list[Measurement], dict[str, Any], int]:
    import pandas as pd

    try:
        frame = pd.read_csv(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - one line for the user
        raise InputError(f"cannot read as CSV: {' '.join(str(exc).split())[:200]}", where=where) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    lat = pd.to_numeric(frame["latency_ms"], errors="coerce")
    if len(lat) == 0:
        raise InputError("no requests (column latency_ms is empty)", where=where)
    if lat.isna().any() or (lat < 0).any():
        i = int(np.flatnonzero(lat.isna().to_numpy() | (lat < 0).to_numpy())[0])
        raise InputError(
            f"column latency_ms, row {i + 2}: not a non-negative number: {frame['latency_ms'].iloc[i]!r}", where=where
        )
    values = np.sort(lat.to_numpy(dtype=float))
    n = len(values)
    ms: list[Measurement] = []
    reported: dict[str, Any] = {
        "latency_interval": "order statistics (distribution-free)"
        if interval == "order"
        else f"percentile bootstrap, {resamples} resamples"
    }
    qs = tuple(q for _, q in PERCENTILES)
    points = np.percentile(values, qs)
    if interval == "bootstrap":
        bounds = bootstrap_quantiles(values, qs, confidence, resamples, seed)
    else:
        bounds = [order_statistic_interval(values, q / 100, confidence) for q in qs]
    for (name, q), v, (lo, hi) in zip(PERCENTILES, points, bounds, strict=True):
        ms.append(
            Measurement(
                name,
                float(v),
                lo,
                hi,
                n=n,
                higher_is_better=False,
                detail={"quantile": q / 100, "interval": reported["latency_interval"]},
            )
        )

    failures: float | None = None
    if "ok" in frame.columns:
        ok = frame["ok"].map(lambda v: str(v).strip().lower())
        good = ok.isin(["1", "1.0", "true", "yes"])
        bad = ok.isin(["0", "0.0", "false", "no"])
        if not (good | bad).all():
            i = int(np.flatnonzero(~(good | bad).to_numpy())[0])
            raise InputError(
                f"column ok, row {i + 2}: expected 1/0 or true/false, got {frame['ok'].iloc[i]!r}", where=where
            )
        failures = float(bad.sum())
    elif "status" in frame.columns:
        status = pd.to_numeric(frame["status"], errors="coerce")
        failures = float((status.isna() | (status >= 400)).sum())
    if failures is not None:
        low, high = wilson_interval(failures, n, confidence)
        ms.append(
            Measurement(
                "error_rate",
                failures / n,
                low,
                high,
                n=n,
                higher_is_better=False,
                detail={"failed": int(failures), "interval": "wilson"},
            )
        )
    else:
        reported["error_rate"] = "not measured (no ok or status column)"

    seconds: float | None = window_seconds
    if seconds is None and "timestamp" in frame.columns:
        ts = _timestamps(frame["timestamp"], where)
        span = float(np.nanmax(ts) - np.nanmin(ts)) if n > 1 else 0.0
        seconds = span if span > 0 else None
        reported["window_from"] = "timestamps"
    elif seconds is not None:
        if seconds <= 0:
            raise InputError(f"window_seconds must be positive, got {seconds}", where=where)
        reported["window_from"] = "window_seconds"
    if seconds:
        low, high = poisson_rate_interval(n, seconds, confidence)
        ms.append(
            Measurement(
                "throughput_rps",
                n / seconds,
                low,
                high,
                n=n,
                higher_is_better=True,
                detail={"seconds": seconds, "interval": "poisson (exact)"},
            )
        )
    else:
        reported["throughput_rps"] = "not measured (no timestamp column and no window_seconds)"
    for name in RESOURCES:
        if name in frame.columns:
            col = pd.to_numeric(frame[name], errors="coerce")
            if col.notna().any():
                ms.append(Measurement(name, float(col.max()), n=int(col.notna().sum()), higher_is_better=False))
    return ms, reported, n
