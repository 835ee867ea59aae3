"""Operational evidence: latency percentiles, throughput, error rate and peak resources of a load test.

Reads the outputs of real load-testing tools, the format detected from the content (not the name):

- **k6 `--summary-export` JSON** (and the `handleSummary` data object, whose metrics nest their values
  under "values"): `metrics.http_req_duration` p(50)|med / p(95) / p(99) / avg / max, `http_reqs`
  count and rate, `http_req_failed` rate (`value`; `passes` = failed requests, `fails` = good ones).
  k6 reports percentiles only as aggregates, so latency has **no interval** from k6 (summary
  "latency_interval": "none"); a percentile k6 was not asked for (`--summary-trend-stats`, p(99) is not
  in its default set) is absent, never guessed.
- **Locust `*_stats.csv`**: the "Aggregated" row, columns 50% / 95% / 99%, Requests/s, Request Count,
  Failure Count. Locust rounds its percentiles (two significant figures) and gives no interval either.
- **A CSV of per-request latencies**: `latency_ms` [, `ok` (1/0, true/false) or `status` (HTTP code; >=
  400 or not a number is an error), `timestamp` (epoch seconds or ISO 8601), `peak_memory_mb`,
  `peak_cpu_pct`]. Percentiles p50/p95/p99 (numpy's default linear interpolation) with a
  distribution-free order-statistic interval (the ranks from the binomial distribution, coverage >=
  `confidence`) or, with `interval="bootstrap"`, a percentile bootstrap (`resamples`, `seed`).

Throughput is requests per second over the timestamps' span (or `window_seconds`) with an exact
Poisson (Garwood) interval for the count; the error rate has a Wilson interval whenever the request and
failure counts are known. Peak memory / CPU come from `peak_memory_mb` / `peak_cpu_pct` columns (their
maximum) or top-level fields of a k6 JSON.
Measurement names: latency_p50_ms, latency_p95_ms, latency_p99_ms, throughput_rps, error_rate,
peak_memory_mb, peak_cpu_pct.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from governance.errors import InputError
from governance.evidence.stage import Measurement, StageResult, logical_name

PERCENTILES = (("latency_p50_ms", 50.0), ("latency_p95_ms", 95.0), ("latency_p99_ms", 99.0))
RESOURCES = ("peak_memory_mb", "peak_cpu_pct")


def wilson_interval(failures: float, total: float, confidence: float) -> tuple[float, float]:
    """Wilson score interval (= statsmodels `proportion_confint(method="wilson")`)."""
    from scipy import stats  # type: ignore[import-untyped]

    z = float(stats.norm.isf((1 - confidence) / 2))
    p = failures / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_rate_interval(count: float, seconds: float, confidence: float) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count, divided by the window."""
    from scipy import stats

    a = 1 - confidence
    low = 0.0 if count <= 0 else float(stats.chi2.ppf(a / 2, 2 * count)) / 2
    high = float(stats.chi2.ppf(1 - a / 2, 2 * count + 2)) / 2
    return low / seconds, high / seconds


def order_statistic_interval(sorted_values: np.ndarray, q: float, confidence: float) -> tuple[float, float]:
    """Distribution-free interval for the q-quantile: order statistics x_(l), x_(u) (1-based) with
    l = B⁻¹(a/2) and u = B⁻¹(1-a/2) + 1 for B ~ Binomial(n, q), clipped to the sample."""
    from scipy import stats

    n = len(sorted_values)
    a = 1 - confidence
    lo = int(stats.binom.ppf(a / 2, n, q))
    hi = int(stats.binom.ppf(1 - a / 2, n, q)) + 1
    lo = min(max(lo, 1), n)
    hi = min(max(hi, 1), n)
    return float(sorted_values[lo - 1]), float(sorted_values[hi - 1])


def bootstrap_quantiles(
    values: np.ndarray, qs: tuple[float, ...], confidence: float, resamples: int, seed: int | None
) -> list[tuple[float, float]]:
    """Percentile-bootstrap intervals for several quantiles, resampled in chunks (bounded memory)."""
    rng = np.random.default_rng(seed)
    n = len(values)
    chunk = max(1, min(resamples, 4_000_000 // max(n, 1)))
    out = np.empty((resamples, len(qs)))
    done = 0
    while done < resamples:
        k = min(chunk, resamples - done)
        idx = rng.integers(0, n, size=(k, n))
        out[done : done + k] = np.percentile(values[idx], qs, axis=1).T
        done += k
    a = (1 - confidence) / 2
    return [(float(np.quantile(out[:, j], a)), float(np.quantile(out[:, j], 1 - a))) for j in range(len(qs))]


# ---------------------------------------------------------------------------------------------------
# format detection and readers


def detect_format(data: bytes, where: str) -> str:
    """'k6' | 'locust' | 'latency_csv', from the content."""
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "k6"
    try:
        first = data.decode("utf-8-sig").splitlines()[0] if data.strip() else ""
    except UnicodeDecodeError:
        raise InputError("not a load-test file: not UTF-8 text", where=where) from None
    cols = [c.strip().lower() for c in next(csv.reader([first]), [])]
    if "request count" in cols and "name" in cols:
        return "locust"
    if "latency_ms" in cols:
        return "latency_csv"
    raise InputError(
        "not a load-test file: expected k6 --summary-export JSON, a Locust *_stats.csv or a CSV with a latency_ms "
        f"column (header: {first[:120]!r})",
        where=where,
    )


def _num(value: Any, field: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
        raise InputError(f"field {field} must be a finite number, got {value!r}", where=where)
    return float(value)


def _read_k6(data: bytes, where: str, confidence: float) -> tuple[list[Measurement], dict[str, Any], int]:
    from governance import jsonsafe

    try:
        doc = jsonsafe.loads(data)
    except InputError as exc:
        raise InputError(f"not a k6 summary: {exc.one_line()}", where=where) from None
    metrics = doc.get("metrics") if isinstance(doc, dict) else None
    if not isinstance(metrics, dict) or not isinstance(metrics.get("http_req_duration"), dict):
        raise InputError("not a k6 summary: field metrics.http_req_duration is missing", where=where)

    def values(name: str) -> dict[str, Any] | None:
        m = metrics.get(name)
        if not isinstance(m, dict):
            return None
        inner = m.get("values")
        return inner if isinstance(inner, dict) else m

    dur = values("http_req_duration") or {}
    ms: list[Measurement] = []
    reported: dict[str, Any] = {}
    keys = {"latency_p50_ms": ("p(50)", "med"), "latency_p95_ms": ("p(95)",), "latency_p99_ms": ("p(99)",)}
    for name, candidates in keys.items():
        for key in candidates:
            if key in dur:
                v = _num(dur[key], f"metrics.http_req_duration.{key}", where)
                ms.append(
                    Measurement(
                        name, v, higher_is_better=False, detail={"k6": key, "interval": "none: k6 reports aggregates"}
                    )
                )
                break
        else:
            reported[name] = "not reported (add it to --summary-trend-stats)"
    for key, label in (("avg", "avg"), ("max", "max"), ("min", "min"), ("p(90)", "p90")):
        if key in dur:
            reported[f"latency_{label}_ms"] = _num(dur[key], f"metrics.http_req_duration.{key}", where)

    count: float | None = None
    seconds: float | None = None
    reqs = values("http_reqs")
    if reqs is not None and "count" in reqs:
        count = _num(reqs["count"], "metrics.http_reqs.count", where)
        if "rate" in reqs:
            rate = _num(reqs["rate"], "metrics.http_reqs.rate", where)
            seconds = count / rate if rate > 0 else None
            low, high = poisson_rate_interval(count, seconds, confidence) if seconds else (None, None)
            ms.append(
                Measurement(
                    "throughput_rps",
                    rate,
                    low,
                    high,
                    n=int(count),
                    higher_is_better=True,
                    detail={"k6": "http_reqs.rate", "interval": "poisson (exact)", "seconds": seconds},
                )
            )
    failed = values("http_req_failed")
    if failed is not None:
        if "passes" in failed and "fails" in failed:
            bad = _num(failed["passes"], "metrics.http_req_failed.passes", where)
            good = _num(failed["fails"], "metrics.http_req_failed.fails", where)
            total = bad + good
            low, high = wilson_interval(bad, total, confidence) if total > 0 else (None, None)
            ms.append(
                Measurement(
                    "error_rate",
                    bad / total if total else None,
                    low,
                    high,
                    n=int(total),
                    higher_is_better=False,
                    detail={"failed": int(bad), "interval": "wilson"},
                )
            )
        elif "rate" in failed or "value" in failed:
            key = "rate" if "rate" in failed else "value"
            ms.append(
                Measurement(
                    "error_rate",
                    _num(failed[key], f"metrics.http_req_failed.{key}", where),
                    higher_is_better=False,
                    detail={"interval": "none: counts not reported"},
                )
            )
    for name in RESOURCES:
        if isinstance(doc, dict) and name in doc:
            ms.append(Measurement(name, _num(doc[name], name, where), higher_is_better=False))
    reported["latency_interval"] = "none: k6 reports percentiles only as aggregates"
    return ms, reported, int(count or 0)


def _read_locust(data: bytes, where: str, confidence: float) -> tuple[list[Measurement], dict[str, Any], int]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    agg = [r for r in rows if (r.get("Name") or "").strip() == "Aggregated"]
    if not agg:
        raise InputError("Locust stats file has no 'Aggregated' row (column Name)", where=where)
    row = agg[-1]

    def col(name: str, required: bool = True) -> float | None:
        raw = row.get(name)
        if raw is None or raw.strip() in ("", "N/A"):
            if required:
                raise InputError(f"Locust stats file: column {name!r} is missing in the Aggregated row", where=where)
            return None
        try:
            v = float(raw)
        except ValueError:
            raise InputError(f"Locust stats file: column {name!r} is not a number: {raw!r}", where=where) from None
        if not math.isfinite(v):
            raise InputError(f"Locust stats file: column {name!r} is not finite", where=where)
        return v

    ms: list[Measurement] = []
    reported: dict[str, Any] = {}
    for name, q in PERCENTILES:
        v = col(f"{q:g}%", required=False)
        if v is None:
            reported[name] = "not reported"
        else:
            ms.append(
                Measurement(
                    name,
                    v,
                    higher_is_better=False,
                    detail={"locust": f"{q:g}%", "interval": "none: Locust reports aggregates"},
                )
            )
    count = col("Request Count")
    assert count is not None
    fails = col("Failure Count")
    assert fails is not None
    rate = col("Requests/s", required=False)
    if rate is not None:
        seconds = count / rate if rate > 0 else None
        low, high = poisson_rate_interval(count, seconds, confidence) if seconds else (None, None)
        ms.append(
            Measurement(
                "throughput_rps",
                rate,
                low,
                high,
                n=int(count),
                higher_is_better=True,
                detail={"interval": "poisson (exact)", "seconds": seconds},
            )
        )
    if count > 0:
        low, high = wilson_interval(fails, count, confidence)
        ms.append(
            Measurement(
                "error_rate",
                fails / count,
                low,
                high,
                n=int(count),
                higher_is_better=False,
                detail={"failed": int(fails), "interval": "wilson"},
            )
        )
    for key in ("Average Response Time", "Max Response Time", "Median Response Time"):
        v = col(key, required=False)
        if v is not None:
            reported[key.lower().replace(" ", "_") + "_ms"] = v
    reported["endpoints"] = len([r for r in rows if (r.get("Name") or "").strip() != "Aggregated"])
    reported["latency_interval"] = "none: Locust reports percentiles only as (rounded) aggregates"
    return ms, reported, int(count)


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


def operational_from_file(
    path: str,
    *,
    window_seconds: float | None = None,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int | None = None,
    interval: str = "order",
    data_source: str | None = None,
) -> StageResult:
    """Operational evidence from a k6 summary export, a Locust stats CSV or a per-request latency CSV."""
    import scipy

    from governance import __version__
    from governance.digest import bytes_sha256

    p = Path(path)
    where = str(p)
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be in (0, 1), got {confidence}", where=where)
    if interval not in ("order", "bootstrap"):
        raise InputError(f"interval must be 'order' or 'bootstrap', got {interval!r}", where=where)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError("load-test file not found", where=where) from None
    except OSError as exc:
        raise InputError(f"cannot read load-test file: {exc.strerror}", where=where) from None
    if not data.strip():
        raise InputError("load-test file is empty", where=where)
    fmt = detect_format(data, where)
    if fmt == "k6":
        ms, reported, rows = _read_k6(data, where, confidence)
        source, tool = "k6", "k6"
    elif fmt == "locust":
        ms, reported, rows = _read_locust(data, where, confidence)
        source, tool = "locust", "locust"
    else:
        ms, reported, rows = _read_latency_csv(
            data,
            where,
            window_seconds=window_seconds,
            confidence=confidence,
            resamples=resamples,
            seed=seed,
            interval=interval,
        )
        source, tool = "latency_csv", f"gov {__version__}; scipy {scipy.__version__}"
    if not ms:
        raise InputError("load-test file holds no latency, throughput or error measurement", where=where)
    summary = {"format": fmt, **reported}
    boot = fmt == "latency_csv" and interval == "bootstrap"
    return StageResult(
        kind="operational",
        measurements=tuple(ms),
        summary=summary,
        row_count=rows,
        data_digest=bytes_sha256(data),
        digest_scope="file" if fmt == "latency_csv" else "reported",
        data_source=data_source or logical_name(p),
        source=source,
        tool_version=tool,
        confidence=confidence,
        resamples=resamples if boot else None,
        seed=seed if boot else None,
    )
