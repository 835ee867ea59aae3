"""Bootstrap intervals of the performance metrics, drawn from cell counts instead of rows.

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

from typing import Any

import numpy as np

from governance.evidence.performance.point_values import ECE_BINS, _cost, _ece_bin, _threshold_values

BINS = 2000  # score groups per model, single model
PAIRED_BINS = 150  # per model when paired: the joint cells stay few (~25,000 at 1M rows of two correlated models)


CHUNK_CELLS = 8_000_000  # resamples x cells drawn at once (memory ~ 8 bytes each, several arrays)
METHOD = (
    "bootstrap from cell counts: multinomial resampling of score-group x label x prediction cells "
    "(x champion group and prediction when paired), metrics derived from the weighted cells; percentile intervals"
)


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
