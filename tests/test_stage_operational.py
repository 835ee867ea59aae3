"""Operational evidence from real k6 and Locust outputs (tests/data/stages/) and per-request latency CSVs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from governance.errors import InputError
from governance.evidence.operational import operational_from_file, order_statistic_interval

DATA = Path(__file__).parent / "data" / "stages"
K6 = DATA / "k6_crush_test_summary_export.json"
LOCUST = DATA / "locust_odoo_stats.csv"


def test_k6_summary_export() -> None:
    r = operational_from_file(str(K6))
    assert r.kind == "operational" and r.stage == "operational" and r.source == "k6"
    p50, p95 = r.measurement("latency_p50_ms"), r.measurement("latency_p95_ms")
    assert p50 is not None and p50.value == 2.969171 and p50.low is None  # k6 "med"; no interval from k6
    assert p95 is not None and p95.value == 11.3877108
    assert r.measurement("latency_p99_ms") is None  # not in k6's default trend stats: absent, not guessed
    assert "not reported" in r.summary["latency_p99_ms"]
    assert "aggregates" in r.summary["latency_interval"]
    thr = r.measurement("throughput_rps")
    assert thr is not None and thr.value == 531.6526933019591 and thr.n == 1597
    assert thr.low is not None and thr.high is not None and thr.low < thr.value < thr.high
    err = r.measurement("error_rate")
    assert err is not None and err.value == 0.0 and err.n == 1597  # passes = failed requests = 0
    lo, hi = proportion_confint(0, 1597, alpha=0.05, method="wilson")
    assert (err.low, err.high) == (pytest.approx(lo, abs=1e-12), pytest.approx(hi, rel=1e-10))
    assert r.row_count == 1597 and r.digest_scope == "reported" and r.data_digest.startswith("sha256:")
    json.dumps(r.to_dict())


def test_k6_handle_summary_shape_with_failures_and_resources(tmp_path: Path) -> None:
    doc = {
        "metrics": {
            "http_req_duration": {"type": "trend", "values": {"med": 40.0, "p(95)": 90.0, "p(99)": 120.0, "avg": 45.0}},
            "http_reqs": {"type": "counter", "values": {"count": 900, "rate": 15.0}},
            "http_req_failed": {"type": "rate", "values": {"rate": 0.1, "passes": 90, "fails": 810}},
        },
        "peak_memory_mb": 512.5,
    }
    f = tmp_path / "summary.txt"  # the content decides, not the extension
    f.write_text(json.dumps(doc))
    r = operational_from_file(str(f))
    assert r.measurement("latency_p99_ms").value == 120.0  # type: ignore[union-attr]
    err = r.measurement("error_rate")
    assert err is not None and err.value == pytest.approx(0.1)
    lo, hi = proportion_confint(90, 900, alpha=0.05, method="wilson")
    assert (err.low, err.high) == (pytest.approx(lo, rel=1e-10), pytest.approx(hi, rel=1e-10))
    assert r.measurement("peak_memory_mb").value == 512.5  # type: ignore[union-attr]
    thr = r.measurement("throughput_rps")
    assert thr is not None and thr.detail["seconds"] == pytest.approx(60.0)


def test_locust_stats_csv() -> None:
    r = operational_from_file(str(LOCUST))
    assert r.source == "locust"
    # the "Aggregated" row: 225 requests, 50 failures, 50% 240, 95% 172000, 99% 173000, 1.2834549357674814/s
    assert r.measurement("latency_p50_ms").value == 240.0  # type: ignore[union-attr]
    assert r.measurement("latency_p95_ms").value == 172000.0  # type: ignore[union-attr]
    assert r.measurement("latency_p99_ms").value == 173000.0  # type: ignore[union-attr]
    assert r.measurement("throughput_rps").value == 1.2834549357674814  # type: ignore[union-attr]
    err = r.measurement("error_rate")
    assert err is not None and err.value == pytest.approx(50 / 225) and err.n == 225
    lo, hi = proportion_confint(50, 225, alpha=0.05, method="wilson")
    assert (err.low, err.high) == (pytest.approx(lo, rel=1e-10), pytest.approx(hi, rel=1e-10))
    assert r.summary["endpoints"] == 16 and r.row_count == 225


def _latency_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "latency_ms": rng.lognormal(3.0, 0.6, n),
            "status": rng.choice([200, 200, 200, 503], n),
            "timestamp": np.sort(rng.uniform(1_700_000_000, 1_700_000_120, n)),
            "peak_cpu_pct": rng.uniform(10, 90, n),
        }
    )


def test_latency_csv_percentiles_intervals_throughput(tmp_path: Path) -> None:
    df = _latency_frame(3000, seed=1)
    f = tmp_path / "lat.csv"
    df.to_csv(f, index=False)
    r = operational_from_file(str(f))
    assert r.source == "latency_csv" and r.digest_scope == "file"
    lat = np.sort(df.latency_ms.to_numpy())
    for name, q in (("latency_p50_ms", 50), ("latency_p95_ms", 95), ("latency_p99_ms", 99)):
        m = r.measurement(name)
        assert m is not None and m.value == pytest.approx(np.percentile(lat, q), rel=1e-12)
        assert m.low is not None and m.high is not None and m.low <= m.value <= m.high
    err = r.measurement("error_rate")
    k = int((df.status >= 400).sum())
    lo, hi = proportion_confint(k, 3000, alpha=0.05, method="wilson")
    assert err is not None and err.value == k / 3000 and err.low == pytest.approx(lo, rel=1e-10)
    assert err.high == pytest.approx(hi, rel=1e-10)
    span = df.timestamp.max() - df.timestamp.min()
    thr = r.measurement("throughput_rps")
    assert thr is not None and thr.value == pytest.approx(3000 / span)
    assert thr.low == pytest.approx(stats.chi2.ppf(0.025, 6000) / 2 / span)
    assert r.measurement("peak_cpu_pct").value == pytest.approx(df.peak_cpu_pct.max())  # type: ignore[union-attr]
    # a fixed window overrides the timestamps
    r2 = operational_from_file(str(f), window_seconds=300)
    assert r2.measurement("throughput_rps").value == pytest.approx(10.0)  # type: ignore[union-attr]


def test_order_statistic_interval_covers() -> None:
    """Coverage of the distribution-free p95 interval over 400 samples of 500 from a known law."""
    rng = np.random.default_rng(3)
    true = stats.expon.ppf(0.95)
    hits = 0
    for _ in range(400):
        x = np.sort(rng.exponential(size=500))
        lo, hi = order_statistic_interval(x, 0.95, 0.95)
        hits += lo <= true <= hi
    assert hits / 400 >= 0.95 - 2 * math.sqrt(0.95 * 0.05 / 400)


def test_latency_csv_bootstrap_is_seeded(tmp_path: Path) -> None:
    f = tmp_path / "lat.csv"
    _latency_frame(800, seed=2).drop(columns=["timestamp"]).to_csv(f, index=False)
    a = operational_from_file(str(f), interval="bootstrap", resamples=300, seed=7)
    b = operational_from_file(str(f), interval="bootstrap", resamples=300, seed=7)
    assert a.measurements == b.measurements and a.resamples == 300 and a.seed == 7
    assert a.measurement("throughput_rps") is None and "not measured" in a.summary["throughput_rps"]


def test_ok_column_and_iso_timestamps(tmp_path: Path) -> None:
    f = tmp_path / "lat.csv"
    f.write_text(
        "timestamp,latency_ms,ok\n"
        "2026-01-01T00:00:00Z,10,true\n2026-01-01T00:00:05Z,20,false\n2026-01-01T00:00:10Z,30,1\n"
    )
    r = operational_from_file(str(f))
    assert r.measurement("error_rate").value == pytest.approx(1 / 3)  # type: ignore[union-attr]
    assert r.measurement("throughput_rps").value == pytest.approx(3 / 10)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a load-test file"),
        (b"a,b\n1,2\n", "not a load-test file"),
        (b'{"metrics": {}}', "metrics.http_req_duration is missing"),
        (b'{"metrics": ', "not a k6 summary"),
        (b"latency_ms\n10\nfast\n", "column latency_ms, row 3"),
        (b"latency_ms,ok\n10,maybe\n", "column ok, row 2"),
        (b"Type,Name,Request Count,Failure Count\nGET,/x,1,0\n", "no 'Aggregated' row"),
        (b'{"metrics": {"http_req_duration": {"p(95)": "fast"}}}', "metrics.http_req_duration.p(95)"),
    ],
)
def test_bad_load_test_files(tmp_path: Path, content: bytes, message: str) -> None:
    f = tmp_path / "load.out"
    f.write_bytes(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        operational_from_file(str(f))
    line = exc.value.one_line()
    assert "load.out" in line and "\n" not in line


def test_missing_file() -> None:
    with pytest.raises(InputError, match="not found"):
        operational_from_file("/nonexistent/k6.json")
