"""Reading a k6 summary export into operational measurements.

- **k6 `--summary-export` JSON** (and the `handleSummary` data object, whose metrics nest their values
  under "values"): `metrics.http_req_duration` p(50)|med / p(95) / p(99) / avg / max, `http_reqs`
  count and rate, `http_req_failed` rate (`value`; `passes` = failed requests, `fails` = good ones).
  k6 reports percentiles only as aggregates, so latency has **no interval** from k6 (summary
  "latency_interval": "none"); a percentile k6 was not asked for (`--summary-trend-stats`, p(99) is not
  in its default set) is absent, never guessed.
"""

from __future__ import annotations

import math
from typing import Any

from governance.errors import InputError
from governance.evidence.operational.counted import error_rate_measurement, throughput_measurement
from governance.evidence.operational.measurement_names import RESOURCES
from governance.evidence.stage import Measurement


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
    reqs = values("http_reqs")
    if reqs is not None and "count" in reqs:
        count = _num(reqs["count"], "metrics.http_reqs.count", where)
        if "rate" in reqs:
            rate = _num(reqs["rate"], "metrics.http_reqs.rate", where)
            ms.append(throughput_measurement(count, rate, confidence, {"k6": "http_reqs.rate"}))
    failed = values("http_req_failed")
    if failed is not None:
        if "passes" in failed and "fails" in failed:
            bad = _num(failed["passes"], "metrics.http_req_failed.passes", where)
            good = _num(failed["fails"], "metrics.http_req_failed.fails", where)
            ms.append(error_rate_measurement(bad, bad + good, confidence))
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
