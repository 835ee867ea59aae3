"""Exact point values of the performance metrics on the rows.

Point values are computed exactly on the rows and equal scikit-learn's metric functions: AUC
(`roc_auc_score`, ties counted as half), Gini = 2 AUC - 1, KS (`scipy.stats.ks_2samp` on the two class
score distributions), log loss (`log_loss`, probabilities clipped to [eps, 1 - eps]), Brier
(`brier_score_loss`), accuracy, precision, recall, F1 at the threshold (or from a given prediction),
expected calibration error over 10 equal-width bins (the bins of `calibration_curve(strategy="uniform")`:
ECE = sum over bins of n_bin / n * |mean label - mean score|), and, given a cost matrix, the business
cost per row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

ECE_BINS = 10
SCORE_METRICS = ("auc", "gini", "ks", "log_loss", "brier", "ece")
THRESHOLD_METRICS = ("accuracy", "precision", "recall", "f1")
HIGHER_IS_BETTER = {
    "auc": True,
    "gini": True,
    "ks": True,
    "log_loss": False,
    "brier": False,
    "ece": False,
    "accuracy": True,
    "precision": True,
    "recall": True,
    "f1": True,
    "business_cost": False,
}
_EPS = float(np.finfo(np.float64).eps)
_ECE_EDGES = np.linspace(0.0, 1.0, ECE_BINS + 1)[1:-1]


def _ranked(label: np.ndarray, score: np.ndarray) -> dict[str, Any]:
    """Sorted class scores and, per positive, how many negatives score below / at most its score."""
    yb = label.astype(bool)
    pos, neg = score[yb], score[~yb]
    pos.sort()
    neg.sort()
    left = np.searchsorted(neg, pos, "left")
    right = left.copy()  # only where a negative ties with the positive does right differ from left
    tied = np.flatnonzero(neg[np.minimum(left, neg.size - 1)] == pos) if neg.size else left[:0]
    right[tied] = np.searchsorted(neg, pos[tied], "right")
    return {"pos": pos, "neg": neg, "left": left, "right": right}


def _auc_ks(r: dict[str, Any]) -> tuple[float, float]:
    pos, neg, left, right = r["pos"], r["neg"], r["left"], r["right"]
    p, n = pos.size, neg.size
    twice = int(left.sum(dtype=np.int64)) + int(right.sum(dtype=np.int64))  # 2 x (concordant + ties / 2)
    auc = twice / (2.0 * p * n)
    return auc, _ks(r)


def _ks(r: dict[str, Any]) -> float:
    """max |F_pos - F_neg| over the observed values (as ks_2samp), from the sorted classes in O(n).

    At the last of a run of equal positive scores pos[i], F_pos = (i + 1) / P and F_neg = right[i] / N;
    at the last of a run of equal negative scores neg[j], F_neg = (j + 1) / N and
    F_pos = #{i: left[i] <= j} / P (pos[i] <= neg[j] exactly when fewer than j + 1 negatives lie below
    pos[i]). Computed in integers scaled by P * N, divided once."""
    pos, neg, left, right = r["pos"], r["neg"], r["left"], r["right"]
    p, n = pos.size, neg.size
    last_pos = _run_ends(pos)
    last_neg = _run_ends(neg)
    right_at = right if last_pos.size == p else right[last_pos]
    d_pos = (last_pos + 1) * n - right_at * p
    pos_upto = np.cumsum(np.bincount(left, minlength=n + 1))
    upto_at = pos_upto[:n] if last_neg.size == n else pos_upto[last_neg]
    d_neg = upto_at * n - (last_neg + 1) * p
    extreme = max(
        int(d_pos.max(initial=0)), -int(d_pos.min(initial=0)), int(d_neg.max(initial=0)), -int(d_neg.min(initial=0))
    )
    return float(extreme / (p * n))


def _run_ends(sorted_values: np.ndarray) -> np.ndarray:
    """Indexes of the last element of each run of equal values (int64)."""
    if sorted_values.size == 0:
        return np.zeros(0, np.int64)
    ends = np.flatnonzero(sorted_values[1:] != sorted_values[:-1])
    return np.append(ends, sorted_values.size - 1).astype(np.int64, copy=False)


def _row_log_loss(label: np.ndarray, score: np.ndarray) -> np.ndarray:
    """-log of the clipped probability given to the true class (sklearn clips both columns [1 - p, p])."""
    q = np.where(label == 1, score, 1.0 - score)
    np.clip(q, _EPS, 1.0 - _EPS, out=q)
    np.log(q, out=q)
    np.negative(q, out=q)
    return q


def _ece_bin(score: np.ndarray) -> np.ndarray:
    return np.searchsorted(_ECE_EDGES, score)  # calibration_curve's bins: (edge_i-1, edge_i], first closed


def _ece(r: dict[str, Any]) -> float:
    """ECE from the sorted classes: bin e holds the scores in (edge_e-1, edge_e] (the first bin from 0)."""
    pos, neg = r["pos"], r["neg"]
    ends_pos = np.r_[0, np.searchsorted(pos, _ECE_EDGES, "right"), pos.size]
    ends_neg = np.r_[0, np.searchsorted(neg, _ECE_EDGES, "right"), neg.size]
    cum_pos = np.r_[0.0, np.cumsum(pos)]
    cum_neg = np.r_[0.0, np.cumsum(neg)]
    sy = np.diff(ends_pos).astype(np.float64)  # positives per bin = label sum
    sp = np.diff(cum_pos[ends_pos]) + np.diff(cum_neg[ends_neg])
    return float(np.abs(sy - sp).sum() / (pos.size + neg.size))


def _confusion(label: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int]:
    yb, pb = label.astype(bool), pred.astype(bool)
    n, positives, predicted = label.size, int(np.count_nonzero(yb)), int(np.count_nonzero(pb))
    tp = int(np.count_nonzero(yb & pb))
    fp, fn = predicted - tp, positives - tp
    return tp, fp, n - tp - fp - fn, fn


def _threshold_values(tp: Any, fp: Any, tn: Any, fn: Any) -> dict[str, Any]:
    """accuracy, precision, recall, f1 from counts (scalars or arrays); undefined is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        n = tp + fp + tn + fn
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), np.nan)
        return {"accuracy": (tp + tn) / n, "precision": precision, "recall": recall, "f1": f1}


def _cost(tp: Any, fp: Any, tn: Any, fn: Any, cost: dict[str, float]) -> Any:
    return (tp * cost["tp"] + fp * cost["fp"] + tn * cost["tn"] + fn * cost["fn"]) / (tp + fp + tn + fn)


def _point(
    label: np.ndarray, score: np.ndarray | None, pred: np.ndarray, cost: dict[str, float] | None
) -> tuple[dict[str, float | None], dict[str, Any] | None]:
    out: dict[str, float | None] = {}
    ranked = None
    if score is not None:
        ranked = _ranked(label, score)
        auc, ks = _auc_ks(ranked)
        out.update(
            auc=auc,
            gini=2.0 * auc - 1.0,
            ks=ks,
            log_loss=float(_row_log_loss(label, score).mean()),
            brier=float(np.mean((score - label) ** 2)),
            ece=_ece(ranked),
        )
    tp, fp, tn, fn = _confusion(label, pred)
    for k, v in _threshold_values(tp, fp, tn, fn).items():
        out[k] = None if not np.isfinite(v) else float(v)
    if cost is not None:
        out["business_cost"] = float(_cost(tp, fp, tn, fn, cost))
    return out, ranked
