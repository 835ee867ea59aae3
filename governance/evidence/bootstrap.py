"""Bootstrap confidence intervals, resampling confusion-count cells instead of rows.

Drawing n rows with replacement from the data and counting them into (group, label, prediction)
cells gives a multinomial(n, cell frequencies) vector of cell counts: the same distribution, drawn
in O(cells) instead of O(rows). Score sums (for score-based metrics) are resampled per cell by the
normal approximation of a sum of k draws: k * mean + sqrt(k * var) * Z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from governance.evidence.metrics import Sample

METHOD = (
    "multinomial resampling of the group x label x prediction cell counts (distributed exactly as "
    "counting a row bootstrap); percentile intervals"
)


@dataclass(frozen=True)
class Interval:
    """A percentile interval, and how many resamples left the metric undefined (they are left out)."""

    low: float | None
    high: float | None
    undefined: int


def resample(
    counts: np.ndarray,
    resamples: int,
    seed: int | None,
    score_sum: np.ndarray | None = None,
    score_sq: np.ndarray | None = None,
) -> Sample:
    """`resamples` bootstrap replicates of a (G, 4) count table: a Sample of shape (B, G, 4)."""
    rng = np.random.default_rng(seed)
    flat = counts.reshape(-1).astype(np.int64)
    n = int(flat.sum())
    drawn = rng.multinomial(n, flat / n, size=resamples).reshape((resamples, *counts.shape))
    if score_sum is None or score_sq is None:
        return Sample(drawn)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(counts > 0, score_sum / counts, 0.0)
        var = np.where(counts > 0, np.maximum(score_sq / counts - mean * mean, 0.0), 0.0)
    noise = rng.standard_normal(drawn.shape)
    return Sample(drawn, drawn * mean + np.sqrt(drawn * var) * noise)


def percentile_interval(values: np.ndarray, confidence: float) -> list[Interval]:
    """Percentile intervals along axis 0 of (B, ...) replicates, flattened over the remaining axes."""
    flat = values.reshape(values.shape[0], -1).astype(np.float64)
    finite = np.isfinite(flat)
    alpha = (1.0 - confidence) / 2.0
    out = []
    for j in range(flat.shape[1]):
        column = flat[finite[:, j], j]
        undefined = int(flat.shape[0] - column.size)
        if column.size == 0:
            out.append(Interval(None, None, undefined))
            continue
        low, high = np.quantile(column, [alpha, 1.0 - alpha])
        out.append(Interval(float(low), float(high), undefined))
    return out
