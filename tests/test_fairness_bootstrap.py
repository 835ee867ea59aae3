"""The cell (multinomial) bootstrap agrees with a row bootstrap within Monte-Carlo error."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.stats import ks_2samp

from governance.evidence import metrics as m
from governance.evidence.bootstrap import percentile_interval, resample
from governance.evidence.catalog import METRICS
from governance.evidence.confusion import binarise
from governance.evidence.counts import ColumnRoles
from governance.evidence.evaluation import Settings, evaluate
from governance.evidence.readers import count_arrays

B = 3000
CHECKED = [
    "fairlearn.demographic_parity_difference",
    "fairlearn.equalized_odds_difference",
    "aif360.disparate_impact",
    "aif360.average_odds_difference",
    "aif360.theil_index",
    "aif360.between_group_theil_index",
    "aif360.generalized_equalized_odds_difference",
    "four_fifths.min_impact_ratio",
]


def _data(n: int = 2400, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    y = (rng.random(n) < np.array([0.5, 0.35, 0.2])[group]).astype(int)
    noisy = rng.random(n) < np.array([0.2, 0.35, 0.3])[group]
    p = np.where(noisy, 1 - y, y)
    score = np.clip(0.25 + 0.5 * p + rng.normal(0, 0.15, n), 0, 1)
    return {"g": group, "y": y, "p": p, "s": score}


def _row_bootstrap(data: dict[str, np.ndarray], resamples: int, seed: int) -> m.Sample:
    """The textbook bootstrap: draw n rows with replacement, recount, recompute."""
    rng = np.random.default_rng(seed)
    n, groups = len(data["g"]), int(data["g"].max()) + 1
    y, p = data["y"].astype(bool), data["p"].astype(bool)
    cell = np.where(y, np.where(p, 0, 2), np.where(p, 1, 3))  # TP, FP, FN, TN
    code = data["g"] * 4 + cell
    counts = np.empty((resamples, groups, 4), dtype=np.int64)
    sums = np.empty((resamples, groups, 4))
    for b in range(resamples):
        rows = rng.integers(0, n, n)
        counts[b] = np.bincount(code[rows], minlength=groups * 4).reshape(groups, 4)
        sums[b] = np.bincount(code[rows], weights=data["s"][rows], minlength=groups * 4).reshape(groups, 4)
    return m.Sample(counts, sums)


@pytest.fixture(scope="module")
def replicates() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], m.Design]:
    data = _data()
    roles = ColumnRoles("y", "p", ("g",), "s")
    table = binarise(count_arrays(data, roles))
    design = m.Design(included=np.ones(len(table.groups), dtype=bool), privileged=np.array([True, False, False]))
    cells = resample(table.counts, B, 11, table.score_sum, table.score_sq)
    rows = _row_bootstrap(data, B, 12)
    specs = {s.key: s for s in METRICS}
    return (
        {k: specs[k].compute(cells, design) for k in CHECKED},
        {k: specs[k].compute(rows, design) for k in CHECKED},
        design,
    )


@pytest.mark.parametrize("key", CHECKED)
def test_cell_bootstrap_matches_row_bootstrap(key: str, replicates: tuple) -> None:
    cells, rows, _ = replicates
    a, b = cells[key], rows[key]
    assert np.isfinite(a).all() and np.isfinite(b).all()
    se = np.sqrt(a.var() / B + b.var() / B)
    assert abs(a.mean() - b.mean()) < 4 * se, "means differ beyond Monte-Carlo error"
    assert 0.92 < a.std() / b.std() < 1.08, "spreads differ beyond Monte-Carlo error"
    assert ks_2samp(a, b).pvalue > 1e-3, "distributions differ"
    lo_a, hi_a = np.quantile(a, [0.025, 0.975])
    lo_b, hi_b = np.quantile(b, [0.025, 0.975])
    assert abs(lo_a - lo_b) < 0.25 * b.std() and abs(hi_a - hi_b) < 0.25 * b.std()


def test_the_agreement_test_detects_a_wrong_bootstrap(replicates: tuple) -> None:
    """Negative control: resampling at half the size doubles the variance, and the checks see it."""
    _, rows, design = replicates
    data = _data()
    table = binarise(count_arrays(data, ColumnRoles("y", "p", ("g",))))
    halved = resample(table.counts // 2, B, 13)
    a = m.demographic_parity_difference(halved, design)
    b = rows["fairlearn.demographic_parity_difference"]
    assert not 0.92 < a.std() / b.std() < 1.08


def test_intervals_are_reproducible_and_cover_the_estimate() -> None:
    data = _data(seed=3)
    table = binarise(count_arrays(data, ColumnRoles("y", "p", ("g",))))
    first = evaluate(table, Settings(privileged="0", bootstrap=500, seed=5))
    again = evaluate(table, Settings(privileged="0", bootstrap=500, seed=5))
    other = evaluate(table, Settings(privileged="0", bootstrap=500, seed=6))
    assert first["metrics"] == again["metrics"]
    assert first["metrics"] != other["metrics"]
    for key, entry in first["metrics"].items():
        low, high = entry["ci"]
        assert low <= entry["value"] <= high, key
    narrow = evaluate(table, Settings(privileged="0", bootstrap=500, seed=5, confidence=0.5))
    for key, entry in narrow["metrics"].items():
        assert entry["ci"][1] - entry["ci"][0] <= first["metrics"][key]["ci"][1] - first["metrics"][key]["ci"][0]


def test_undefined_resamples_are_counted_not_hidden() -> None:
    counts = np.array([[1, 0, 0, 0], [0, 0, 0, 50]])  # group 0: one row; often absent from a resample
    values = m.aif360_difference("tpr")(resample(counts, 400, 1), m.Design(np.ones(2, bool), np.array([True, False])))
    (interval,) = percentile_interval(values, 0.95)
    assert interval.undefined == 400  # group 1 has no positives: TPR undefined in every resample
    assert interval.low is None


def test_a_thousand_resamples_are_cheap() -> None:
    """Resampling draws counts per cell (one multinomial per replicate), not rows: ~0.015 s of CPU here,
    where drawing ~600,000 rows a thousand times would take minutes. CPU time of this process, not wall
    time, so other processes loading the machine cannot fail it."""
    counts = np.random.default_rng(0).integers(1000, 100_000, size=(12, 4))
    design = m.Design(np.ones(12, bool), np.arange(12) == 0)
    start = time.process_time()
    sample = resample(counts, 1000, 0)
    for spec in METRICS:
        if spec.needs != "score":
            percentile_interval(spec.compute(sample, design), 0.95)
    assert time.process_time() - start < 1.0
