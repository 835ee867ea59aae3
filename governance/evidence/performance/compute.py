"""Performance measurements of arrays: checks the inputs, computes the point values and bootstrap
intervals of one model or of a candidate and its champion, and builds the measurements and summary."""

from __future__ import annotations

from typing import Any

import numpy as np

from governance.errors import InputError
from governance.evidence.performance.cell_bootstrap import (
    BINS,
    METHOD,
    PAIRED_BINS,
    _bootstrap,
    _Groups,
    _interval,
    _Model,
)
from governance.evidence.performance.input_checks import _binary, _cost_matrix, _probability, _where
from governance.evidence.performance.point_values import (
    _EPS,
    ECE_BINS,
    HIGHER_IS_BETTER,
    SCORE_METRICS,
    THRESHOLD_METRICS,
    _point,
    _row_log_loss,
)
from governance.evidence.stage import Measurement


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
