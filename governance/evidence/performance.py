"""Performance evidence: discrimination, calibration and threshold metrics with bootstrap intervals,
and the paired difference to a champion scored on the same rows.

Point values are computed exactly on the rows and equal scikit-learn's metric functions: AUC
(`roc_auc_score`, ties counted as half), Gini = 2 AUC - 1, KS (`scipy.stats.ks_2samp` on the two class
score distributions), log loss (`log_loss`, probabilities clipped to [eps, 1 - eps]), Brier
(`brier_score_loss`), accuracy, precision, recall, F1 at the threshold (or from a given prediction),
expected calibration error over 10 equal-width bins (the bins of `calibration_curve(strategy="uniform")`:
ECE = sum over bins of n_bin / n * |mean label - mean score|), and, given a cost matrix, the business
cost per row.

The bootstrap never touches rows. The rows are counted once into cells: score group x label x
prediction (x the champion's score group and prediction when paired). A score group is a contiguous
score interval: one distinct score value when there are at most `BINS` of them (then the groups are
exact), else a quantile bin (`BINS` alone, `PAIRED_BINS` per model when paired), split further at the
ECE bin edges so that every cell lies in one ECE bin. Drawing n rows with replacement and counting them
into cells is a multinomial(n, cell shares) draw of the cell counts, so each resample is one multinomial
vector of C cells (a few thousand; some tens of thousands paired), drawn in O(C) whatever n is. Every
statistic linear in the counts comes out of one matrix product (resamples x cells) @ (cells x stats),
and every metric is derived from the weighted cells:

- confusion counts (accuracy, precision, recall, F1, cost) are sums of cells: exact, the same
  distribution as a row bootstrap;
- AUC: pairs in different groups are ordered by the groups; pairs within a group count with the share
  of concordant pairs (ties half) that group has in the data, computed exactly once. With exact groups
  this is the row bootstrap exactly; with quantile bins the only error is the resampling variation of
  the within-bin concordance, bounded by the share of positive-negative pairs that fall in the same
  bin (about 1/BINS of all pairs alone, 1/PAIRED_BINS paired: a second-order effect on the spread);
- KS: the maximum distance of the two cumulative distributions at the group boundaries, shifted by
  (exact KS - KS on the group boundaries of the data) so that the resamples centre on the exact value;
  the error is at most the largest group's share of either class (~1/BINS, ~1/PAIRED_BINS paired);
- log loss, Brier: per cell, the sum of the k drawn rows' losses is k * mean + sqrt(k * var) * Z
  (the normal approximation to a sum of k draws from the cell's rows; exact mean, exact variance;
  summed over cells this is one normal per resample); the paired difference of these is resampled the
  same way from the per-row differences;
- ECE: per ECE bin, the drawn label sums and score sums (k * cell mean score: the within-cell spread of
  scores, at most a bin's width, is left out).

The paired interval of "<metric>.delta" (candidate - champion) uses the same resample for both models,
as a paired row bootstrap does. Intervals are percentiles; resamples where a metric is undefined (one
class drawn) are left out and counted in `detail["undefined_resamples"]`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from governance.errors import InputError
from governance.evidence.stage import Measurement, StageResult, logical_name

BINS = 2000  # score groups per model, single model
PAIRED_BINS = 150  # per model when paired: the joint cells stay few (~25,000 at 1M rows of two correlated models)
ECE_BINS = 10
CHUNK_CELLS = 8_000_000  # resamples x cells drawn at once (memory ~ 8 bytes each, several arrays)
METHOD = (
    "bootstrap from cell counts: multinomial resampling of score-group x label x prediction cells "
    "(x champion group and prediction when paired), metrics derived from the weighted cells; percentile intervals"
)

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
_COST_KEYS = ("tp", "fp", "tn", "fn")
_EPS = float(np.finfo(np.float64).eps)
_ECE_EDGES = np.linspace(0.0, 1.0, ECE_BINS + 1)[1:-1]


# ---------------------------------------------------------------------------------------------- input


def _where(names: dict[str, str], role: str) -> str:
    return names.get(role, role)


def _binary(values: np.ndarray, role: str, names: dict[str, str], where: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"column {_where(names, role)!r} must be one-dimensional", where=where)
    if arr.dtype == bool:
        return arr.astype(np.int8)
    if arr.dtype.kind in "iu" and arr.size and arr.min() >= 0 and arr.max() <= 1:
        return arr.astype(np.int8)
    try:
        num = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"column {_where(names, role)!r} must hold 0/1 values", where=where) from exc
    bad = ~((num == 0.0) | (num == 1.0))
    if bad.any():
        shown = ", ".join(str(v) for v in np.unique(num[bad])[:5])
        raise InputError(
            f"column {_where(names, role)!r} must hold 0/1 values, found {shown} "
            f"(first at row {int(np.argmax(bad)) + 1})",
            where=where,
        )
    return num.astype(np.int8)


def _probability(values: np.ndarray, role: str, names: dict[str, str], where: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"column {_where(names, role)!r} must be one-dimensional", where=where)
    try:
        num = arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"column {_where(names, role)!r} must hold probabilities in [0, 1]", where=where) from exc
    bad = ~((num >= 0.0) & (num <= 1.0))  # NaN is bad too
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"column {_where(names, role)!r} has values outside [0, 1] (row {row + 1}: {num[row]!r}); "
            "give the probability of the positive class",
            where=where,
        )
    return num


def _cost_matrix(cost_matrix: dict[str, float] | None, where: str) -> dict[str, float] | None:
    if cost_matrix is None:
        return None
    if not isinstance(cost_matrix, dict):
        raise InputError("cost_matrix must be a mapping of tp, fp, tn, fn to a cost per row", where=where)
    unknown = sorted(set(cost_matrix) - set(_COST_KEYS))
    if unknown:
        raise InputError(f"cost_matrix has unknown key(s) {', '.join(unknown)} (allowed: tp, fp, tn, fn)", where=where)
    out: dict[str, float] = {}
    for k in _COST_KEYS:
        v = cost_matrix.get(k, 0.0)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
            raise InputError(f"cost_matrix[{k!r}] must be a finite number, got {v!r}", where=where)
        out[k] = float(v)
    return out


# ---------------------------------------------------------------------------------------- point values


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


# ------------------------------------------------------------------------------------------- bootstrap


class _Groups:
    """Contiguous score groups of one model: a value -> group map, and per-group data facts."""

    def __init__(self, label: np.ndarray, score: np.ndarray, ranked: dict[str, Any], bins: int) -> None:
        distinct = np.unique(score)
        if distinct.size <= bins:
            self.edges = distinct[1:]  # one group per distinct value: exact
            self.exact = True
        else:
            self.edges = np.unique(np.quantile(score, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
            self.exact = False
        raw = self._raw(score)
        present = np.bincount(raw, minlength=(self.edges.size + 1) * ECE_BINS) > 0
        self.remap = np.cumsum(present) - 1
        self.count = int(present.sum())
        self.ece_of_group = (np.flatnonzero(present) % ECE_BINS).astype(np.int64)
        self.row = self.remap[raw]
        # exact within-group concordance (ties half), doubled, from the sorted classes
        gpos = self.remap[self._raw(ranked["pos"])]
        gneg = self.remap[self._raw(ranked["neg"])]
        neg_g = np.bincount(gneg, minlength=self.count).astype(np.int64)
        pos_g = np.bincount(gpos, minlength=self.count).astype(np.int64)
        neg_start = np.cumsum(neg_g) - neg_g
        twice = 2 * (ranked["left"] - neg_start[gpos]) + (ranked["right"] - ranked["left"])
        conc2 = np.bincount(gpos, weights=twice.astype(np.float64), minlength=self.count)
        pairs = pos_g.astype(np.float64) * neg_g
        self.within = np.where(pairs > 0, conc2 / np.maximum(2.0 * pairs, 1.0), 0.5)
        # KS on the group boundaries of the data, to centre the resampled KS on the exact value
        self.ks_grid = float(np.abs(np.cumsum(pos_g) / pos_g.sum() - np.cumsum(neg_g) / neg_g.sum()).max())

    def _raw(self, score: np.ndarray) -> np.ndarray:
        return np.asarray(np.searchsorted(self.edges, score, "right") * ECE_BINS + _ece_bin(score))


class _Model:
    """One model's rows: score (optional), prediction, and its groups when it has a score."""

    def __init__(self, label: np.ndarray, score: np.ndarray | None, pred: np.ndarray) -> None:
        self.score = score
        self.pred = pred
        self.groups: _Groups | None = None
        self.ll: np.ndarray | None = None
        self.br: np.ndarray | None = None


def _bootstrap(
    label: np.ndarray,
    models: list[_Model],
    points: list[dict[str, float | None]],
    cost: dict[str, float] | None,
    resamples: int,
    seed: int | None,
) -> tuple[list[dict[str, np.ndarray]], dict[str, np.ndarray], dict[str, Any]]:
    """Resampled values of every metric of every model, and of the additive paired differences.

    Every statistic that is linear in the cell counts (confusion counts, loss sums and variances, score
    sums per ECE bin) comes out of one matrix product of the drawn counts with a (cells x statistics)
    matrix; per-group class counts (AUC, KS) are sums over runs of cells sorted by (label, group)."""
    n = label.size
    key = label.astype(np.int64)
    for m in models:
        g = m.groups.row if m.groups is not None else np.zeros(n, np.int64)
        size = m.groups.count if m.groups is not None else 1
        key = (key * size + g) * 2 + m.pred
    cells, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    c = cells.size

    def per_cell(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values, minlength=c)

    # decode the key back into per-cell label, group and prediction of each model
    rest = cells.copy()
    decoded: list[tuple[np.ndarray, np.ndarray]] = []
    for m in reversed(models):
        pred_c = rest % 2
        rest //= 2
        size = m.groups.count if m.groups is not None else 1
        group_c = rest % size
        rest //= size
        decoded.append((group_c, pred_c))
    decoded.reverse()
    lab_c = rest.astype(np.float64)

    cnt = counts.astype(np.float64)
    columns: list[np.ndarray] = []

    def column(values: np.ndarray) -> int:
        columns.append(np.asarray(values, np.float64))
        return len(columns) - 1

    facts: list[dict[str, Any]] = []
    for m, (group_c, pred_c) in zip(models, decoded, strict=True):
        pred_f = pred_c.astype(np.float64)
        f: dict[str, Any] = {
            "tp": column(lab_c * pred_f),
            "fp": column((1 - lab_c) * pred_f),
            "fn": column(lab_c * (1 - pred_f)),
        }
        if m.groups is not None and m.score is not None and m.ll is not None and m.br is not None:
            ll_mean, ll_var = _mean_var(per_cell(m.ll), per_cell(m.ll * m.ll), cnt)
            br_mean, br_var = _mean_var(per_cell(m.br), per_cell(m.br * m.br), cnt)
            f.update(ll=(column(ll_mean), column(ll_var)), br=(column(br_mean), column(br_var)))
            p_mean = per_cell(m.score) / cnt
            ece_c = m.groups.ece_of_group[group_c]
            f["sump"] = [column(np.where(ece_c == e, p_mean, 0.0)) for e in range(ECE_BINS)]
            order = np.lexsort((group_c, lab_c))
            identity = bool(np.array_equal(order, np.arange(c)))
            runs = []
            for cls in (0.0, 1.0):
                idx = order[lab_c[order] == cls]
                groups = group_c[idx]
                starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if idx.size else idx
                where: slice | np.ndarray = slice(int(idx[0]), int(idx[-1]) + 1) if identity and idx.size else idx
                runs.append((where, starts, groups[starts] if idx.size else idx))
            f["runs"] = runs
        facts.append(f)
    paired: dict[str, tuple[int, int]] = {}
    if len(models) == 2 and all(m.ll is not None for m in models):
        cand, champ = models
        assert cand.ll is not None and champ.ll is not None and cand.br is not None and champ.br is not None
        dl, db = cand.ll - champ.ll, cand.br - champ.br
        paired["log_loss"] = (
            column(per_cell(dl) / cnt),
            column(np.maximum(per_cell(dl * dl) / cnt - (per_cell(dl) / cnt) ** 2, 0.0)),
        )
        paired["brier"] = (
            column(per_cell(db) / cnt),
            column(np.maximum(per_cell(db * db) / cnt - (per_cell(db) / cnt) ** 2, 0.0)),
        )
    matrix = np.column_stack(columns)

    rng = np.random.default_rng(seed)
    share = counts / n
    chunk = max(1, min(resamples, CHUNK_CELLS // max(c, 1)))
    parts: list[list[dict[str, np.ndarray]]] = [[] for _ in models]
    dparts: list[dict[str, np.ndarray]] = []
    for start in range(0, resamples, chunk):
        b = min(chunk, resamples - start)
        w = rng.multinomial(n, share, size=b).astype(np.float64)
        stats = w @ matrix
        for i, (m, f) in enumerate(zip(models, facts, strict=True)):
            parts[i].append(_resampled(w, stats, float(n), f, m, points[i], cost, rng))
        if paired:
            dparts.append({k: _sum_draw(stats, mean, var, rng) / n for k, (mean, var) in paired.items()})
    values = [{k: np.concatenate([p[k] for p in ps]) for k in ps[0]} for ps in parts]
    deltas = {k: np.concatenate([p[k] for p in dparts]) for k in dparts[0]} if dparts else {}
    return values, deltas, {"cells": int(c)}


def _mean_var(total: np.ndarray, squares: np.ndarray, cnt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = total / cnt
    return mean, np.maximum(squares / cnt - mean * mean, 0.0)


def _sum_draw(stats: np.ndarray, mean: int, var: int, rng: np.random.Generator) -> np.ndarray:
    """Per resample, the sum over cells of k drawn rows' values: sum of k * mean + sqrt(k * var) * Z_cell,
    drawn as one normal per resample, sqrt(sum k * var) * Z (a sum of independent normals is normal)."""
    return np.asarray(stats[:, mean] + np.sqrt(stats[:, var]) * rng.standard_normal(stats.shape[0]))


def _class_counts(w: np.ndarray, runs: list[Any], groups: int) -> list[np.ndarray]:
    out = []
    for where, starts, present in runs:
        arr = np.zeros((w.shape[0], groups))
        if len(present):
            arr[:, present] = np.add.reduceat(w[:, where], starts, axis=1)
        out.append(arr)
    return out


def _resampled(
    w: np.ndarray,
    stats: np.ndarray,
    n: float,
    f: dict[str, Any],
    m: _Model,
    point: dict[str, float | None],
    cost: dict[str, float] | None,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    tp, fp, fn = stats[:, f["tp"]], stats[:, f["fp"]], stats[:, f["fn"]]
    tn = n - tp - fp - fn
    out: dict[str, np.ndarray] = {k: np.asarray(v, np.float64) for k, v in _threshold_values(tp, fp, tn, fn).items()}
    if cost is not None:
        out["business_cost"] = np.asarray(_cost(tp, fp, tn, fn, cost), np.float64)
    if m.groups is None or "runs" not in f:
        return out
    g = m.groups
    neg, pos = _class_counts(w, f["runs"], g.count)
    p_tot, n_tot = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        below = np.cumsum(neg, axis=1) - neg
        auc = ((pos * below).sum(axis=1) + (pos * neg * g.within).sum(axis=1)) / (p_tot * n_tot)
        ks_grid = np.abs(np.cumsum(pos, axis=1) / p_tot[:, None] - np.cumsum(neg, axis=1) / n_tot[:, None]).max(axis=1)
        ks = ks_grid + (float(point["ks"] or 0.0) - g.ks_grid)
        undefined = (p_tot == 0) | (n_tot == 0)
        auc = np.where(undefined, np.nan, auc)
        ks = np.where(undefined, np.nan, ks)
    # ECE: per ECE bin, label sums vs score sums (groups are sorted by score, so ECE bins are contiguous runs)
    eb = g.ece_of_group
    e_starts = np.flatnonzero(np.r_[True, eb[1:] != eb[:-1]])
    sy_e = np.add.reduceat(pos, e_starts, axis=1)
    sp_e = stats[:, [f["sump"][e] for e in eb[e_starts]]]
    out["ece"] = np.abs(sy_e - sp_e).sum(axis=1) / n
    out["auc"], out["gini"], out["ks"] = auc, 2.0 * auc - 1.0, ks
    out["log_loss"] = _sum_draw(stats, f["ll"][0], f["ll"][1], rng) / n
    out["brier"] = _sum_draw(stats, f["br"][0], f["br"][1], rng) / n
    return out


def _interval(values: np.ndarray, confidence: float) -> tuple[float | None, float | None, int]:
    finite = values[np.isfinite(values)]
    undefined = int(values.size - finite.size)
    if finite.size == 0:
        return None, None, undefined
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high), undefined


# --------------------------------------------------------------------------------------------- public


def _compute(
    label: Any,
    score: Any,
    prediction: Any,
    *,
    threshold: float,
    cost_matrix: dict[str, float] | None,
    champion_score: Any,
    champion_prediction: Any,
    resamples: int,
    confidence: float,
    seed: int | None,
    names: dict[str, str],
    where: str,
) -> tuple[list[Measurement], dict[str, Any]]:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0.0 <= float(threshold) <= 1.0:
        raise InputError(f"threshold must be a number in [0, 1], got {threshold!r}", where=where)
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 0:
        raise InputError(f"resamples must be a non-negative integer, got {resamples!r}", where=where)
    if not isinstance(confidence, int | float) or not 0.0 < float(confidence) < 1.0:
        raise InputError(f"confidence must be between 0 and 1, got {confidence!r}", where=where)
    cost = _cost_matrix(cost_matrix, where)
    if score is None and prediction is None:
        raise InputError("give a score column, a prediction column or both", where=where)
    y = _binary(label, "label", names, where)
    n = y.size
    if n == 0:
        raise InputError("the data has no rows", where=where)
    columns = {"score": score, "prediction": prediction, "champion_score": champion_score}
    columns["champion_prediction"] = champion_prediction
    for role, values in columns.items():
        if values is not None and np.asarray(values).shape != (n,):
            raise InputError(
                f"column {_where(names, role)!r} has {np.asarray(values).size} values, the label {n}", where=where
            )
    positives = int(y.sum())
    if positives in (0, n):
        what = "AUC is undefined" if score is not None else "recall and precision are undefined"
        raise InputError(
            f"column {_where(names, 'label')!r} holds a single class ({int(y[0])} in all {n} rows): "
            f"{what} without both classes",
            where=where,
        )

    def model(score_v: Any, pred_v: Any, prefix: str) -> _Model:
        s = None if score_v is None else _probability(score_v, prefix + "score", names, where)
        if pred_v is not None:
            p = _binary(pred_v, prefix + "prediction", names, where)
        else:
            assert s is not None
            p = (s >= threshold).astype(np.int8)
        return _Model(y, s, p)

    models = [model(score, prediction, "")]
    if champion_score is not None or champion_prediction is not None:
        models.append(model(champion_score, champion_prediction, "champion_"))

    points: list[dict[str, float | None]] = []
    for m in models:
        pt, ranked = _point(y, m.score, m.pred, cost)
        points.append(pt)
        if resamples > 0 and m.score is not None and ranked is not None:
            bins = BINS if len(models) == 1 else PAIRED_BINS
            m.groups = _Groups(y, m.score, ranked, bins)
            m.ll = _row_log_loss(y, m.score)
            m.br = (m.score - y) ** 2

    boot: list[dict[str, np.ndarray]] = [{} for _ in models]
    boot_deltas: dict[str, np.ndarray] = {}
    info: dict[str, Any] = {}
    if resamples > 0:
        boot, boot_deltas, info = _bootstrap(y, models, points, cost, resamples, seed)

    derived = "given" if prediction is not None else f"score >= {float(threshold)}"
    measurements: list[Measurement] = []
    order = [k for k in (*SCORE_METRICS, *THRESHOLD_METRICS, "business_cost") if k in points[0]]
    for name in order:
        measurements.append(
            _measurement(name, points[0][name], boot[0].get(name), confidence, n, _detail(name, derived, cost))
        )
    if len(models) == 2:
        for name in order:
            if name not in points[1]:
                continue
            cand, champ = points[0][name], points[1][name]
            value = None if cand is None or champ is None else cand - champ
            if name in boot_deltas:
                draws: np.ndarray | None = boot_deltas[name]
            elif name in boot[0] and name in boot[1]:
                draws = boot[0][name] - boot[1][name]
            else:
                draws = None
            detail = {"champion": champ, "paired": True}
            measurements.append(_measurement(name + ".delta", value, draws, confidence, n, detail))

    summary: dict[str, Any] = {
        "rows": n,
        "positives": positives,
        "negatives": n - positives,
        "prediction": derived,
        "threshold": float(threshold),
        "metrics": order,
        "champion": len(models) == 2,
        "cost_matrix": cost,
        "bootstrap": {
            "method": METHOD if resamples > 0 else None,
            "resamples": resamples,
            "confidence": float(confidence),
            "seed": seed,
            "score_groups": [None if m.groups is None else m.groups.count for m in models],
            "exact_groups": [None if m.groups is None else m.groups.exact for m in models],
            **info,
        },
    }
    if len(models) == 2:
        summary["champion_prediction"] = "given" if champion_prediction is not None else f"score >= {float(threshold)}"
    return measurements, summary


def _detail(name: str, derived: str, cost: dict[str, float] | None) -> dict[str, Any]:
    if name in ("auc", "gini"):
        return {"ties": "counted as half"}
    if name == "ks":
        return {"definition": "max distance between the score distributions of the two classes"}
    if name == "log_loss":
        return {"clip": _EPS}
    if name == "ece":
        return {"bins": ECE_BINS, "binning": "equal-width on [0, 1] (calibration_curve strategy='uniform')"}
    if name in THRESHOLD_METRICS:
        return {"prediction": derived}
    if name == "business_cost":
        return {"cost_matrix": cost, "unit": "per row", "prediction": derived}
    return {}


def _measurement(
    name: str, value: float | None, draws: np.ndarray | None, confidence: float, n: int, detail: dict[str, Any]
) -> Measurement:
    low = high = None
    detail = dict(detail)
    if value is None:
        detail["undefined"] = True
    if draws is not None:
        low, high, undefined = _interval(np.asarray(draws, np.float64), confidence)
        if undefined:
            detail["undefined_resamples"] = undefined
    base = name.removesuffix(".delta")
    return Measurement(name, value, low, high, None, n, HIGHER_IS_BETTER[base], detail)


def compute_performance(
    label: Any,
    score: Any = None,
    prediction: Any = None,
    *,
    threshold: float = 0.5,
    cost_matrix: dict[str, float] | None = None,
    champion_score: Any = None,
    champion_prediction: Any = None,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = None,
) -> tuple[list[Measurement], dict[str, Any]]:
    """Performance measurements of arrays: label 0/1, score = P(positive), prediction 0/1.

    The prediction is `score >= threshold` when not given. With a champion score or prediction, every
    metric also gets "<metric>.delta" (candidate - champion) with a paired bootstrap interval.
    """
    return _compute(
        label,
        score,
        prediction,
        threshold=threshold,
        cost_matrix=cost_matrix,
        champion_score=champion_score,
        champion_prediction=champion_prediction,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
        names={},
        where="data",
    )


# ----------------------------------------------------------------------------------------------- files

_NUMERIC_TRUE = {"1", "1.0", "true"}
_NUMERIC_FALSE = {"0", "0.0", "false"}


def _labels(path: Path, column: str, values: Any, positive: str | None, label_values: list[str] | None) -> np.ndarray:
    """0/1 from a text column: `positive` marks 1; else the values must be 0/1 or true/false."""
    import pyarrow.compute as pc

    if values.null_count:
        first = int(np.flatnonzero(np.asarray(values.is_null()))[0]) + 1
        raise InputError(
            f"column {column!r} has {values.null_count} empty value(s) (first at data row {first})", where=str(path)
        )
    text = np.asarray(pc.utf8_trim_whitespace(values.cast("string")).to_numpy(zero_copy_only=False), dtype=object)
    distinct = sorted({str(v) for v in np.unique(text)})
    if len(distinct) > 2:
        shown = ", ".join(repr(v) for v in distinct[:5]) + (", ..." if len(distinct) > 5 else "")
        raise InputError(
            f"column {column!r} has {len(distinct)} distinct values ({shown}); a binary label needs two",
            where=str(path),
        )
    lowered = {v.lower() for v in distinct}
    numeric = lowered <= _NUMERIC_TRUE | _NUMERIC_FALSE
    if positive is not None and label_values is not None and numeric and not set(distinct) & set(label_values):
        positive = None  # a 0/1 prediction next to a text label
    if positive is not None:
        allowed = set(label_values or distinct) | {positive}
        stray = [v for v in distinct if v not in allowed]
        if stray:
            raise InputError(f"column {column!r} has value {stray[0]!r}, not a label value", where=str(path))
        if label_values is None and positive not in distinct and len(distinct) == 2:
            raise InputError(
                f"positive class {positive!r} not found in column {column!r} (values: {', '.join(distinct)})",
                where=str(path),
            )
        return np.asarray(text == positive, dtype=np.int8)
    if numeric:
        return np.isin(np.char.lower(text.astype(str)), list(_NUMERIC_TRUE)).astype(np.int8)
    raise InputError(
        f"column {column!r} has values {', '.join(repr(v) for v in distinct)}; say which is the positive class",
        where=str(path),
        hint="give positive=VALUE",
    )


def _read(path: Path, label: str, floats: list[str], texts: list[str]) -> tuple[dict[str, Any], str]:
    import pyarrow as pa

    from governance.evidence.readers import _csv_header, _missing, detect_format

    fmt = detect_format(path)
    wanted = tuple(dict.fromkeys([label, *texts, *floats]))
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            _missing(path, wanted, pq.read_schema(str(path)).names)
            table = pq.read_table(str(path), columns=list(wanted))
        else:
            import pyarrow.csv as pcsv

            delimiter = "\t" if fmt == "tsv" else ","
            _missing(path, wanted, _csv_header(path, delimiter))
            types = {c: pa.string() for c in (label, *texts)}
            table = pcsv.read_csv(
                str(path),
                parse_options=pcsv.ParseOptions(delimiter=delimiter),
                convert_options=pcsv.ConvertOptions(
                    include_columns=list(wanted), column_types=types, strings_can_be_null=True
                ),
            )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path} is not readable: {reason}", where=str(path)) from exc
    if table.num_rows == 0:
        raise InputError("the file has no data rows", where=str(path))
    cols: dict[str, Any] = {c: table.column(c).combine_chunks() for c in wanted}
    for c in floats:
        col = cols[c]
        if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type) or pa.types.is_decimal(col.type)):
            raise InputError(f"column {c!r} is not numeric ({col.type}); give probabilities in [0, 1]", where=str(path))
        if col.null_count:
            first = int(np.flatnonzero(np.asarray(col.is_null()))[0]) + 1
            raise InputError(
                f"column {c!r} has {col.null_count} empty value(s) (first at data row {first})", where=str(path)
            )
        cols[c] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return cols, fmt


def performance_from_file(
    path: str,
    *,
    label: str,
    score: str | None,
    prediction: str | None,
    positive: str | None = None,
    champion_score: str | None = None,
    champion_prediction: str | None = None,
    threshold: float = 0.5,
    cost_matrix: dict[str, float] | None = None,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = None,
) -> StageResult:
    """Performance evidence of a CSV or Parquet file: reads only the named columns, digests the bytes."""
    from governance import __version__
    from governance.digest import file_sha256

    p = Path(path)
    floats = [c for c in (score, champion_score) if c is not None]
    texts = [c for c in (prediction, champion_prediction) if c is not None]
    cols, _fmt = _read(p, label, floats, texts)
    rows = len(cols[label])
    y = _labels(p, label, cols[label], positive, None)
    label_values = sorted({str(v).strip() for v in np.unique(np.asarray(cols[label].cast("string"), dtype=object))})

    def pred(column: str | None) -> np.ndarray | None:
        if column is None:
            return None
        return _labels(p, column, cols[column], positive, label_values if positive is not None else None)

    names = {"label": label}
    for role, column in (
        ("score", score),
        ("prediction", prediction),
        ("champion_score", champion_score),
        ("champion_prediction", champion_prediction),
    ):
        if column is not None:
            names[role] = column
    measurements, summary = _compute(
        y,
        None if score is None else cols[score],
        pred(prediction),
        threshold=threshold,
        cost_matrix=cost_matrix,
        champion_score=None if champion_score is None else cols[champion_score],
        champion_prediction=pred(champion_prediction),
        resamples=resamples,
        confidence=confidence,
        seed=seed,
        names=names,
        where=str(p),
    )
    summary["columns"] = names
    if positive is not None:
        summary["positive"] = positive
    return StageResult(
        kind="performance",
        measurements=tuple(measurements),
        summary=summary,
        row_count=rows,
        data_digest=file_sha256(p),
        digest_scope="file",
        data_source=logical_name(p),
        source="computed",
        tool_version=__version__,
        confidence=float(confidence),
        resamples=resamples,
        seed=seed,
    )
