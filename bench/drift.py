"""Benchmark: gov's drift computation vs Evidently 0.7's DataDriftPreset, same data, same run.

1. 1,000,000 reference rows and 1,000,000 current rows x 20 features (10 numeric, 10 categorical
   strings): `compute_drift` against `Report([DataDriftPreset()]).run(current, reference)`. Prints both
   times, the ratio (target >= 20x), and whether every column's deciding test, score (relative 1e-9) and
   verdict, and the share of drifting columns, are equal.
2. 10,000,000 rows per window of one numeric and one categorical (category dtype, as files are read)
   feature from an in-memory table (target <= 3 s).

    .venv/bin/python bench/drift.py                 # the full run (Evidently takes minutes at 1M)
    .venv/bin/python bench/drift.py --rows 100000   # quick
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

SEED = 20261202
TARGETS = {"ratio": 20.0, "seconds_10m": 3.0}
EVIDENTLY_METHODS = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Jensen-Shannon distance": "jensenshannon",
    "Wasserstein distance (normed)": "wasserstein",
}


def make_frame(rng: np.random.Generator, n: int, shift: float, n_num: int = 10, n_cat: int = 10) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for i in range(n_num):
        s = shift * (i % 3)  # a third of the features stay put
        cols[f"num_{i}"] = rng.normal(s, 1 + i / 10, n) if i % 2 == 0 else rng.lognormal(s / 3, 0.5, n)
    for i in range(n_cat):
        k = 3 + 4 * i  # 3 .. 39 categories
        p = np.linspace(1, 2 + shift * (i % 3) * 3, k)
        cols[f"cat_{i}"] = rng.choice(np.array([f"v{j}" for j in range(k)], dtype=object), n, p=p / p.sum())
    return pd.DataFrame(cols)


def run_evidently(ref: pd.DataFrame, cur: pd.DataFrame) -> tuple[float, dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import Report
        from evidently.presets import DataDriftPreset

        t, c = time.perf_counter(), time.process_time()
        result = Report([DataDriftPreset()]).run(cur, ref).dict()
        print(f"  (Evidently CPU {time.process_time() - c:.2f} s)", flush=True)
        return time.perf_counter() - t, result


def run_gov(ref: pd.DataFrame, cur: pd.DataFrame, repeats: int = 3) -> tuple[float, Any]:
    from governance.evidence.drift import compute_drift

    compute_drift(ref.iloc[:2000], cur.iloc[:2000])  # warm the lazy imports (scipy)
    best, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        out = compute_drift(ref, cur)
        best, cpu = min(best, time.perf_counter() - t), min(cpu, time.process_time() - c)
    print(f"  (gov CPU {cpu:.2f} s, all threads; load average {os.getloadavg()[0]:.1f})", flush=True)
    return best, out


def compare(gov: Any, evidently: dict[str, Any]) -> list[str]:
    """Differences between our per-column decisions and share and Evidently's; empty when equal."""
    measurements, summary = gov
    drift = {m.subject: m for m in measurements if m.name == "drift"}
    problems: list[str] = []
    for metric in evidently["metrics"]:
        config = metric["config"]
        if "column" not in config:
            if summary["share_drifted"] != metric["value"]["share"]:
                problems.append(f"share {summary['share_drifted']} != {metric['value']['share']}")
            continue
        ours = drift[config["column"]]
        test = EVIDENTLY_METHODS.get(config["method"], config["method"])
        score, thr = metric["value"], config["threshold"]
        drifted = {"ks": score <= thr, "chisquare": score < thr, "z": score < thr}.get(test, score >= thr)
        if ours.detail["test"] != test or ours.detail["threshold"] != thr:
            problems.append(f"{config['column']}: test {ours.detail['test']} != {test}")
        if abs(ours.detail["score"] - score) > 1e-9 * max(abs(score), 1e-300):
            problems.append(f"{config['column']}: score {ours.detail['score']!r} != {score!r}")
        if (ours.value == 1.0) != drifted:
            problems.append(f"{config['column']}: verdict differs")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--skip-evidently", action="store_true")
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    ref, cur = make_frame(rng, args.rows, 0.0), make_frame(rng, args.rows, 0.15)
    gov_s, gov = run_gov(ref, cur)
    print(f"drift {args.rows:,} rows x 20 features: gov {gov_s:.2f} s (best of 3)", flush=True)
    if not args.skip_evidently:
        ev_s, ev = run_evidently(ref, cur)
        problems = compare(gov, ev)
        print(
            f"  Evidently DataDriftPreset {ev_s:.2f} s; ratio {ev_s / gov_s:.1f}x (target >= {TARGETS['ratio']:.0f}x)"
        )
        print(f"  values equal: {not problems}" + ("" if not problems else f" ({'; '.join(problems[:5])})"))
        print(f"  share drifted {gov[1]['share_drifted']}, dataset drift {gov[1]['dataset_drift']}")
    del ref, cur

    if args.big:
        rng = np.random.default_rng(SEED + 1)
        cats = pd.Categorical.from_codes
        names = [f"v{j}" for j in range(20)]
        ref = pd.DataFrame({"x": rng.normal(0, 1, args.big), "c": cats(rng.integers(0, 20, args.big), names)})
        cur = pd.DataFrame({"x": rng.normal(0.01, 1, args.big), "c": cats(rng.integers(0, 20, args.big), names)})
        big_s, (_, summary) = run_gov(ref, cur, repeats=2)
        print(
            f"drift {args.big:,} rows per window x (1 numeric + 1 categorical), in memory: {big_s:.2f} s "
            f"(target <= {TARGETS['seconds_10m']:.0f} s); drifted {summary['drifted_features']}"
        )


if __name__ == "__main__":
    main()
