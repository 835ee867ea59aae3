"""The drift tests and distances (KS, Wasserstein, PSI, Jensen-Shannon, chi-square, Z), each from the
reduced column, binned as Evidently bins."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from governance.evidence.drift.reduced_columns import _Column

if TYPE_CHECKING:
    import numpy as np


def _ks(col: _Column) -> tuple[float, float]:
    """Two-sample KS statistic and two-sided p-value, as `scipy.stats.ks_2samp` (method auto)."""
    import numpy as np
    from scipy import stats  # type: ignore[import-untyped]

    n1, n2 = col.n_ref, col.n_cur
    if max(n1, n2) <= 10000:  # SciPy's exact mode: cheap at this size, call it for identical values
        res = stats.ks_2samp(col.ref_sorted, col.cur_sorted)
        return float(res.statistic), float(res.pvalue)
    diff = col.cdf_diff
    d = float(max(float(np.max(diff)), float(np.clip(-np.min(diff), 0, 1))))
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    p = float(np.clip(stats.distributions.kstwo.sf(d, np.round(en)), 0, 1))
    return d, p


def _wasserstein(col: _Column) -> tuple[float, float]:
    """(normalised, raw) Wasserstein-1 distance between the two empirical distributions."""
    import numpy as np

    raw = float(np.dot(np.abs(col.cdf_diff[:-1]), np.diff(col.keys)))
    std = float(np.std(col.ref_sorted))
    return raw / max(std, 0.001), raw


def _edges(first: float, last: float, n: int, bins: int | str) -> np.ndarray:
    """`np.histogram_bin_edges(both windows, bins)` for 'sturges' or a bin count, from min, max and n."""
    import numpy as np

    if first == last:
        first, last = first - 0.5, last + 0.5
    if isinstance(bins, str):  # sturges
        width = (last - first) / (math.log2(n) + 1.0)
        n_bins = max(1, int(np.ceil((last - first) / width)))
    else:
        n_bins = bins
    return np.linspace(first, last, n_bins + 1, endpoint=True)


def _binned(col: _Column, bins: int | str, fill_zeroes: bool) -> tuple[np.ndarray, np.ndarray]:
    """Shares per bin (numeric with > 20 distinct reference values) or per value, as Evidently bins."""
    import numpy as np

    if col.kind == "numeric" and int(np.count_nonzero(col.ref_counts)) > 20:
        edges = _edges(float(col.keys[0]), float(col.keys[-1]), col.n_ref + col.n_cur, bins)
        ref = _histogram(col.ref_sorted, edges) / col.n_ref
        cur = _histogram(col.cur_sorted, edges) / col.n_cur
    else:
        ref = col.ref_counts / col.n_ref
        cur = col.cur_counts / col.n_cur
    if fill_zeroes:
        ref, cur = _fill(ref), _fill(cur)
    return ref, cur


def _histogram(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """`np.histogram(values, edges)[0]` of a sorted array: half-open bins, the last one closed."""
    import numpy as np

    pos = np.searchsorted(sorted_values, edges, side="left")
    pos[-1] = np.searchsorted(sorted_values, edges[-1], side="right")
    return np.diff(pos).astype("float64")


def _fill(shares: np.ndarray) -> np.ndarray:

    out = shares.copy()
    nonzero = out[out != 0]
    if len(nonzero) and len(nonzero) < len(out):
        smallest = float(nonzero.min())
        out[out == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return out


def _psi(col: _Column, bins: int | str) -> float:
    import numpy as np

    ref, cur = _binned(col, bins, True)
    return float(np.sum((ref - cur) * np.log(ref / cur)))


def _jensenshannon(col: _Column, bins: int | str) -> float:
    from scipy.spatial import distance  # type: ignore[import-untyped]

    ref, cur = _binned(col, bins, False)
    return float(distance.jensenshannon(ref, cur))


def _chisquare(col: _Column) -> tuple[float, float, int]:
    """Chi-square of the current counts against the reference counts scaled to the current size."""
    import numpy as np
    from scipy import stats

    f_exp = col.ref_counts * (col.n_cur / col.n_ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = stats.chisquare(col.cur_counts.astype("float64"), f_exp)
    return float(res.statistic), float(res.pvalue), len(col.keys) - 1


def _z(col: _Column) -> tuple[float, float]:
    """Evidently's two-proportion Z-test: the share of rows not equal to the smallest value."""
    import numpy as np
    from scipy.stats import norm  # type: ignore[import-untyped]

    ref_present = col.ref_counts > 0
    cur_present = col.cur_counts > 0
    if ref_present.sum() == 1 and cur_present.sum() == 1 and bool(np.all(ref_present == cur_present)):
        return 0.0, 1.0
    first = min(range(len(col.keys)), key=lambda i: col.keys[i])  # at most two keys here
    n1, n2 = col.n_ref, col.n_cur
    p1 = (n1 - int(col.ref_counts[first])) / n1
    p2 = (n2 - int(col.cur_counts[first])) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(z), float(2 * (1 - norm.cdf(abs(z))))
