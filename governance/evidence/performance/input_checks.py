"""Checks of the performance inputs: 0/1 label and prediction arrays, probabilities in [0, 1], the cost matrix."""

from __future__ import annotations

import math

import numpy as np

from governance.errors import InputError

_COST_KEYS = ("tp", "fp", "tn", "fn")


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
