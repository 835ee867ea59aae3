"""Regenerate the bundled synthetic validation-stage data of `gov demo` (deterministic, stdlib only).

Run: python lineage/examples/stages/make_stage_data.py

Synthetic, no real person or system; licensed Apache-2.0 like the project. For both demo models:

* `<model>_performance.csv`: a held-out set, `label` (1 = the positive class: default for credit-risk,
  fraud for fraud-detector) and the score (P(label = 1)) of each version. credit-risk has `score_v1`,
  `score_v2` (the champion in production) and `score_v3` (the candidate), scored on the same rows: the
  discrimination holds (AUC about 0.8) while the calibration drifts a little more with every version,
  so the expected calibration error gets worse across the three versions (the demo's degradation
  finding). fraud-detector has `score_v7`.
* `<model>_reference.csv` / `<model>_current.csv`: features of the training reference and of recent
  applications / transactions (numeric and categorical). `credit_risk_production.csv` is a window of
  production traffic after credit-risk 3 was deployed (monitoring evidence).
* `<model>_abtest.csv`: per-unit outcomes of an A/B test, `unit_id`, `variant` (control | treatment),
  `outcome` (0/1), planned split 50/50.
* `credit_risk_k6_summary.txt`: a k6 `--summary-export` (JSON, with p(99) in --summary-trend-stats; named
  .txt so that `gov lineage ingest lineage/examples` does not read it as OpenLineage events);
  `fraud_detector_latency.csv`: per-request latencies (`timestamp`, `latency_ms`, `status`) whose p99
  is above the 500 ms SLO of the default policies.
"""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path

HERE = Path(__file__).parent


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _write(name: str, rows: list[dict[str, object]]) -> None:
    with (HERE / name).open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random(), 0.0
    for value, weight in options:
        acc += weight
        if x < acc:
            return value
    return options[-1][0]


def credit_performance(n: int = 3000) -> list[dict[str, object]]:
    """Each version sees the latent risk with its own noise; later versions are sharper (over-confident)."""
    rng = random.Random(20261101)
    # (noise, slope, shift): the slope > 1 and the shift make the scores over-confident and biased upward
    versions = (("score_v1", 0.35, 0.9, 0.0), ("score_v2", 0.15, 1.0, 0.1), ("score_v3", 0.12, 1.3, 0.25))
    rows: list[dict[str, object]] = []
    for i in range(n):
        latent = -1.1 + rng.gauss(0.0, 1.0)
        label = 1 if rng.random() < _sigmoid(1.6 * latent) else 0
        row: dict[str, object] = {"row_id": i + 1, "label": label}
        shared = rng.gauss(0.0, 0.5)  # what no version sees: the versions' errors are correlated
        for column, noise, slope, shift in versions:
            seen = latent + shared + rng.gauss(0.0, noise)
            row[column] = f"{_sigmoid(slope * 1.45 * seen + shift):.4f}"
        rows.append(row)
    return rows


def fraud_performance(n: int = 2000) -> list[dict[str, object]]:
    rng = random.Random(20261107)
    rows: list[dict[str, object]] = []
    for i in range(n):
        latent = -1.6 + rng.gauss(0.0, 1.0)
        label = 1 if rng.random() < _sigmoid(1.8 * latent) else 0
        seen = latent + rng.gauss(0.0, 0.55)
        rows.append({"row_id": i + 1, "label": label, "score_v7": f"{_sigmoid(1.7 * seen):.4f}"})
    return rows


REGIONS = (("north", 0.3), ("south", 0.25), ("east", 0.25), ("west", 0.2))
EMPLOYMENT = (("employed", 0.62), ("self-employed", 0.18), ("retired", 0.12), ("unemployed", 0.08))


def credit_features(seed: int, n: int, income_shift: float, debt_shift: float) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "income": round(math.exp(rng.gauss(10.6 + income_shift, 0.45)), 2),
            "debt_ratio": round(min(1.5, max(0.0, rng.gauss(0.32 + debt_shift, 0.12))), 4),
            "age": max(18, min(90, int(rng.gauss(42, 13)))),
            "loan_amount": round(math.exp(rng.gauss(9.4, 0.6)), 2),
            "employment": _pick(rng, EMPLOYMENT),
            "region": _pick(rng, REGIONS),
        }
        for _ in range(n)
    ]


CHANNELS = (("card-present", 0.55), ("online", 0.35), ("phone", 0.10))
MERCHANTS = (("grocery", 0.3), ("travel", 0.1), ("electronics", 0.15), ("fuel", 0.2), ("other", 0.25))


def fraud_features(seed: int, n: int, amount_shift: float, online: float) -> list[dict[str, object]]:
    rng = random.Random(seed)
    channels = (("card-present", 0.9 - online - 0.1), ("online", online), ("phone", 0.1))
    return [
        {
            "amount": round(math.exp(rng.gauss(3.6 + amount_shift, 1.0)), 2),
            "hour": rng.randrange(24),
            "distance_km": round(abs(rng.gauss(0.0, 25.0)), 2),
            "channel": _pick(rng, channels),
            "merchant_category": _pick(rng, MERCHANTS),
        }
        for _ in range(n)
    ]


def abtest(seed: int, n: int, control: float, treatment: float) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for i in range(n):
        variant = "treatment" if rng.random() < 0.5 else "control"
        p = treatment if variant == "treatment" else control
        rows.append({"unit_id": i + 1, "variant": variant, "outcome": 1 if rng.random() < p else 0})
    return rows


def k6_summary() -> dict[str, object]:
    """The shape of `k6 run --summary-export=summary.json --summary-trend-stats=avg,min,med,max,p(90),p(95),p(99)`."""
    count, seconds = 36000, 300.0
    failed = 18
    return {
        "root_group": {"name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e", "groups": {}, "checks": {}},
        "metrics": {
            "http_req_duration": {
                "avg": 61.84,
                "min": 18.22,
                "med": 54.1,
                "max": 402.7,
                "p(90)": 98.3,
                "p(95)": 121.6,
                "p(99)": 188.4,
            },
            "http_reqs": {"count": count, "rate": count / seconds},
            "http_req_failed": {"passes": failed, "fails": count - failed, "value": failed / count},
            "iterations": {"count": count, "rate": count / seconds},
            "vus_max": {"value": 50, "min": 50, "max": 50},
        },
    }


def fraud_latency(n: int = 3000) -> list[dict[str, object]]:
    """Per-request latencies of a 60 s load test: a slow tail (a synchronous feature lookup) past 500 ms."""
    rng = random.Random(20261117)
    start = 1793750400.0  # 2026-11-03T00:00:00Z
    rows: list[dict[str, object]] = []
    for i in range(n):
        slow = rng.random() < 0.03
        latency = rng.lognormvariate(math.log(720.0), 0.25) if slow else rng.lognormvariate(math.log(85.0), 0.35)
        status = 503 if rng.random() < 0.002 else 200
        rows.append({"timestamp": f"{start + 60.0 * i / n:.3f}", "latency_ms": f"{latency:.1f}", "status": status})
    return rows


def main() -> None:
    _write("credit_risk_performance.csv", credit_performance())
    _write("fraud_detector_performance.csv", fraud_performance())
    _write("credit_risk_reference.csv", credit_features(20261121, 2000, 0.0, 0.0))
    _write("credit_risk_current.csv", credit_features(20261122, 2000, 0.02, 0.005))
    _write("credit_risk_production.csv", credit_features(20261123, 2000, 0.03, 0.01))
    _write("fraud_detector_reference.csv", fraud_features(20261131, 2000, 0.0, 0.35))
    _write("fraud_detector_current.csv", fraud_features(20261132, 2000, 0.05, 0.55))
    _write("credit_risk_abtest.csv", abtest(20261141, 6000, 0.080, 0.110))
    _write("fraud_detector_abtest.csv", abtest(20261142, 6000, 0.060, 0.085))
    (HERE / "credit_risk_k6_summary.txt").write_text(json.dumps(k6_summary(), indent=2) + "\n", encoding="utf-8")
    _write("fraud_detector_latency.csv", fraud_latency())
    print(f"wrote the validation-stage demo data to {HERE}")


if __name__ == "__main__":
    main()
