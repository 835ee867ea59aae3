"""The statistical pieces of the A/B test, each checkable against statsmodels / SciPy: the SRM
chi-square, normal power and MDE, the mSPRT likelihood ratio, the Wilson interval."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def srm_check(units: dict[str, int], plan: dict[str, float]) -> dict[str, Any]:
    """Chi-square goodness of fit of the units per planned variant against the planned shares."""
    from scipy import stats  # type: ignore[import-untyped]

    names = list(plan)
    observed = np.array([units.get(n, 0) for n in names], dtype=float)
    expected = np.array([plan[n] for n in names]) * observed.sum()
    if len(names) < 2:
        return {
            "chi2": 0.0,
            "p_value": 1.0,
            "df": 0,
            "observed": units,
            "expected": dict(zip(names, expected.tolist(), strict=True)),
        }
    res = stats.chisquare(observed, expected)
    return {
        "chi2": float(res.statistic),
        "p_value": float(res.pvalue),
        "df": len(names) - 1,
        "observed": {n: int(units.get(n, 0)) for n in names},
        "expected": dict(zip(names, [float(e) for e in expected], strict=True)),
    }


def normal_ind_power(effect_size: float, nobs1: float, alpha: float, ratio: float) -> float:
    """statsmodels `NormalIndPower().power(effect_size, nobs1, alpha, ratio, alternative="two-sided")`."""
    from scipy import stats

    nobs = 1.0 / (1.0 / nobs1 + 1.0 / (nobs1 * ratio))
    d = abs(effect_size) * math.sqrt(nobs)
    crit = float(stats.norm.isf(alpha / 2))
    return float(stats.norm.sf(crit - d) + stats.norm.cdf(-crit - d))


def normal_ind_mde(nobs1: float, alpha: float, power: float, ratio: float) -> float:
    """The effect size (h or d) `NormalIndPower().solve_power(None, nobs1, alpha, power, ratio)` returns."""
    from scipy import optimize

    hi = 1.0
    while normal_ind_power(hi, nobs1, alpha, ratio) < power:
        hi *= 2.0
        if hi > 1e6:  # pragma: no cover - needs a fraction of a unit
            return math.inf
    return float(optimize.brentq(lambda es: normal_ind_power(es, nobs1, alpha, ratio) - power, 0.0, hi, xtol=1e-12))


def msprt(diff: np.ndarray, var: np.ndarray, tau2: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """mSPRT likelihood ratio Λ and always-valid p-value (running minimum of 1/Λ) along the last axis.

    `diff` the estimated difference at each look, `var` its variance, `tau2` the mixing variance;
    looks with var <= 0 (no information yet) have Λ = 1."""
    diff = np.asarray(diff, dtype=float)
    var = np.asarray(var, dtype=float)
    tau2 = np.broadcast_to(np.asarray(tau2, dtype=float), var.shape)
    ok = (var > 0) & (tau2 > 0)
    v = np.where(ok, var, 1.0)
    t2 = np.where(ok, tau2, 0.0)
    log_lr = 0.5 * np.log(v / (v + t2)) + diff * diff * t2 / (2.0 * v * (v + t2))
    log_lr = np.where(ok, log_lr, 0.0)
    p_each = np.minimum(1.0, np.exp(-log_lr))
    return np.exp(log_lr), np.minimum.accumulate(p_each, axis=-1)


def _wilson(k: float, n: float, confidence: float) -> tuple[float, float]:
    from scipy import stats

    z = float(stats.norm.isf((1 - confidence) / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
