"""The intervals of operational measurements: Wilson (error rate), exact Poisson (throughput), order
statistics and percentile bootstrap (latency quantiles)."""

from __future__ import annotations

import math

import numpy as np


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
