"""Fairness metrics as functions of per-group confusion counts.

Every function takes counts of shape (..., G, 4) = [TP, FP, FN, TN] per group, favorable = positive,
and works on any leading dimensions, so the point estimate (no leading dimension) and a thousand
bootstrap resamples (leading dimension B) are the same code. Definitions follow fairlearn 0.15 and
aif360 0.6.1 exactly, sign conventions included; `docs/fairness.md` states each one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from governance.evidence.counts import FN, FP, TN, TP

FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class Sample:
    """Counts (..., G, 4) and, with a score column, per-cell score sums of the same shape."""

    counts: np.ndarray
    score_sum: np.ndarray | None = None


@dataclass(frozen=True)
class Design:
    """Which groups enter max-min aggregates, and which form the privileged group (aif360)."""

    included: np.ndarray  # (G,) bool
    privileged: np.ndarray | None = None  # (G,) bool; the unprivileged group is the complement


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient: np.ndarray = np.true_divide(a, b)
    return quotient


def rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-group counts and rates; NaN where the denominator is zero (the rate is undefined)."""
    tp, fp, fn, tn = (counts[..., i].astype(np.float64) for i in (TP, FP, FN, TN))
    n, pos, neg, pred = tp + fp + fn + tn, tp + fn, fp + tn, tp + fp
    return {
        "count": n,
        "base_rate": _div(pos, n),
        "selection_rate": _div(pred, n),
        "tpr": _div(tp, pos),
        "fpr": _div(fp, neg),
        "tnr": _div(tn, neg),
        "fnr": _div(fn, pos),
        "ppv": _div(tp, pred),
        "accuracy": _div(tp + tn, n),
    }


def generalized_rates(sample: Sample) -> dict[str, np.ndarray]:
    """aif360's score-based rates: GTPR = sum of scores over positives / positives, GFPR likewise."""
    assert sample.score_sum is not None
    c, s = sample.counts.astype(np.float64), sample.score_sum
    pos, neg = c[..., TP] + c[..., FN], c[..., FP] + c[..., TN]
    return {"gtpr": _div(s[..., TP] + s[..., FN], pos), "gfpr": _div(s[..., FP] + s[..., TN], neg)}


# fairlearn: max-min over the groups present; a rate whose denominator is zero counts as 0 (sklearn's
# confusion_matrix(normalize="true") does that), a group with no rows is absent.
def _fairlearn_rate(counts: np.ndarray, name: str) -> np.ndarray:
    r = rates(counts)
    rate: np.ndarray = np.where(r["count"] > 0, np.nan_to_num(r[name], nan=0.0), np.nan)
    return rate


def _extremes(values: np.ndarray, included: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    masked = np.where(included, values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(masked, axis=-1), np.nanmin(masked, axis=-1)


def _spread(sample: Sample, design: Design, name: str) -> np.ndarray:
    hi, lo = _extremes(_fairlearn_rate(sample.counts, name), design.included)
    spread: np.ndarray = hi - lo
    return spread


def _min_over_max(sample: Sample, design: Design, name: str) -> np.ndarray:
    hi, lo = _extremes(_fairlearn_rate(sample.counts, name), design.included)
    return _div(lo, hi)


def demographic_parity_difference(sample: Sample, design: Design) -> np.ndarray:
    return _spread(sample, design, "selection_rate")


def demographic_parity_ratio(sample: Sample, design: Design) -> np.ndarray:
    return _min_over_max(sample, design, "selection_rate")


# fairlearn and aif360 combine two rates with Python's max()/min(): the first argument wins unless the
# second compares greater (smaller), so NaN propagates only from the first. Replicated, not "fixed".
def _py_max(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        larger: np.ndarray = np.where(second > first, second, first)
    return larger


def _py_min(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        smaller: np.ndarray = np.where(second < first, second, first)
    return smaller


def equalized_odds_difference(sample: Sample, design: Design) -> np.ndarray:
    return _py_max(_spread(sample, design, "tpr"), _spread(sample, design, "fpr"))


def equalized_odds_difference_mean(sample: Sample, design: Design) -> np.ndarray:
    mean: np.ndarray = 0.5 * (_spread(sample, design, "tpr") + _spread(sample, design, "fpr"))
    return mean


def equalized_odds_ratio(sample: Sample, design: Design) -> np.ndarray:
    return _py_min(_min_over_max(sample, design, "tpr"), _min_over_max(sample, design, "fpr"))


def equal_opportunity_difference_fl(sample: Sample, design: Design) -> np.ndarray:
    return _spread(sample, design, "tpr")


# aif360: unprivileged (U) minus or over privileged (P); U is every row outside P.
def _pooled(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    pooled: np.ndarray = (values * mask[:, None]).sum(axis=-2)
    return pooled


def _pooled_rates(sample: Sample, design: Design) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    assert design.privileged is not None
    priv = design.privileged.astype(np.float64)
    return rates(_pooled(sample.counts, 1.0 - priv)), rates(_pooled(sample.counts, priv))


def aif360_difference(name: str) -> Callable[[Sample, Design], np.ndarray]:
    """aif360 `difference(rate)`: the rate of the unprivileged group minus that of the privileged group."""

    def metric(sample: Sample, design: Design) -> np.ndarray:
        unpriv, priv = _pooled_rates(sample, design)
        difference: np.ndarray = unpriv[name] - priv[name]
        return difference

    return metric


def disparate_impact(sample: Sample, design: Design) -> np.ndarray:
    unpriv, priv = _pooled_rates(sample, design)
    return _div(unpriv["selection_rate"], priv["selection_rate"])


def base_rate_disparate_impact(sample: Sample, design: Design) -> np.ndarray:
    unpriv, priv = _pooled_rates(sample, design)
    return _div(unpriv["base_rate"], priv["base_rate"])


def average_odds_difference(sample: Sample, design: Design) -> np.ndarray:
    u, p = _pooled_rates(sample, design)
    mean: np.ndarray = 0.5 * ((u["fpr"] - p["fpr"]) + (u["tpr"] - p["tpr"]))
    return mean


def average_abs_odds_difference(sample: Sample, design: Design) -> np.ndarray:
    u, p = _pooled_rates(sample, design)
    mean: np.ndarray = 0.5 * (np.abs(u["fpr"] - p["fpr"]) + np.abs(u["tpr"] - p["tpr"]))
    return mean


def equalized_odds_difference_aif(sample: Sample, design: Design) -> np.ndarray:
    u, p = _pooled_rates(sample, design)
    return _py_max(np.abs(u["fpr"] - p["fpr"]), np.abs(u["tpr"] - p["tpr"]))  # aif360 uses max() too


def generalized_equalized_odds_difference(sample: Sample, design: Design) -> np.ndarray:
    assert design.privileged is not None and sample.score_sum is not None
    priv = design.privileged.astype(np.float64)
    u = generalized_rates(Sample(_pooled(sample.counts, 1.0 - priv), _pooled(sample.score_sum, 1.0 - priv)))
    p = generalized_rates(Sample(_pooled(sample.counts, priv), _pooled(sample.score_sum, priv)))
    return _py_max(np.abs(u["gfpr"] - p["gfpr"]), np.abs(u["gtpr"] - p["gtpr"]))


def _theil(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Generalized entropy, alpha = 1, of a distribution given as (count, value) pairs on the last axis."""
    n = weights.sum(axis=-1)
    mu = _div((weights * values).sum(axis=-1), n)
    ratio = _div(values, mu[..., None])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where((weights > 0) & (values > 0), weights * ratio * np.log(ratio), 0.0)
    return np.where(mu > 0, _div(terms.sum(axis=-1), n), np.nan)


def theil_index(sample: Sample, design: Design) -> np.ndarray:
    """aif360 theil_index: b = 1 + yhat - y per row (FN 0, TP and TN 1, FP 2), over all rows."""
    total = sample.counts.sum(axis=-2).astype(np.float64)
    weights = np.stack([total[..., FN], total[..., TP] + total[..., TN], total[..., FP]], axis=-1)
    return _theil(weights, np.broadcast_to(np.array([0.0, 1.0, 2.0]), weights.shape))


def between_group_theil_index(sample: Sample, design: Design) -> np.ndarray:
    """aif360 between_group_theil_index: each row's b replaced by its group's mean b, groups U and P."""
    assert design.privileged is not None
    priv = design.privileged.astype(np.float64)
    pooled = np.stack([_pooled(sample.counts, 1.0 - priv), _pooled(sample.counts, priv)], axis=-2)
    pooled = pooled.astype(np.float64)
    n = pooled.sum(axis=-1)
    mean_b = _div(pooled[..., TP] + pooled[..., TN] + 2.0 * pooled[..., FP], n)
    return _theil(n, np.nan_to_num(mean_b, nan=0.0))


# Per-group comparisons: each group against the privileged group (aif360), or against the group with
# the highest selection rate (the four-fifths rule). Shape (..., G); NaN where a comparison is void.
def pairwise_aif360(sample: Sample, design: Design) -> dict[str, np.ndarray]:
    """aif360 metrics of each non-privileged group (alone as U) against the privileged group P."""
    assert design.privileged is not None
    group = rates(sample.counts)
    priv = rates(_pooled(sample.counts, design.privileged.astype(np.float64)))
    p = {k: v[..., None] for k, v in priv.items()}
    d_fpr, d_tpr = group["fpr"] - p["fpr"], group["tpr"] - p["tpr"]
    out = {
        "statistical_parity_difference": group["selection_rate"] - p["selection_rate"],
        "disparate_impact": _div(group["selection_rate"], p["selection_rate"]),
        "equal_opportunity_difference": d_tpr,
        "average_odds_difference": 0.5 * (d_fpr + d_tpr),
        "average_abs_odds_difference": 0.5 * (np.abs(d_fpr) + np.abs(d_tpr)),
    }
    return {k: np.where(design.privileged, np.nan, v) for k, v in out.items()}


def impact_ratios(sample: Sample, design: Design) -> np.ndarray:
    """Four-fifths rule: each included group's selection rate over the highest included selection rate."""
    selection = _fairlearn_rate(sample.counts, "selection_rate")
    hi, _ = _extremes(selection, design.included)
    return np.where(design.included, _div(selection, hi[..., None]), np.nan)


def four_fifths_min_ratio(sample: Sample, design: Design) -> np.ndarray:
    _, lo = _extremes(impact_ratios(sample, design), design.included)
    return lo
