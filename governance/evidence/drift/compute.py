"""Drift of two DataFrames: checks the options and columns, reduces and measures each column (a few
threads when large), applies the correction and sums up the dataset drift."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from governance.errors import ConfigError, InputError
from governance.evidence.drift.decision import P_VALUE_TESTS, _measure, benjamini_hochberg
from governance.evidence.drift.reduced_columns import (
    _Column,
    _is_numeric,
    _reduce_categorical,
    _reduce_numeric,
    infer_kind,
)
from governance.evidence.stage import Measurement

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]


NUMERIC_METHODS = frozenset({"auto", "ks", "wasserstein", "jensenshannon", "psi", "chisquare", "z"})
CATEGORICAL_METHODS = frozenset({"auto", "chisquare", "z", "jensenshannon", "psi"})


def _require() -> None:
    """pandas and SciPy are optional extras of the package; say so in one line when they are absent."""
    import importlib.util

    missing = [m for m in ("pandas", "scipy") if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(f"drift evidence needs {' and '.join(missing)} (pip install {' '.join(missing)})")


def compute_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    method_numeric: str = "auto",
    method_categorical: str = "auto",
    threshold: float | None = None,
    share: float = 0.5,
    correction: str | None = None,
    bins: int | str = "sturges",
    reference_name: str = "reference",
    current_name: str = "current",
) -> tuple[list[Measurement], dict[str, Any]]:
    """Per-feature drift measurements and the summary (share of drifting features, dataset drift).

    `method_numeric` / `method_categorical` = "auto" pick Evidently's default test per column; a test
    name ("ks", "wasserstein", "jensenshannon", "psi", "chisquare", "z") forces it. `threshold`
    replaces every deciding test's default threshold (as Evidently's `threshold=` does). The dataset
    drifts when the share of drifting features is ≥ `share`. `reference_name` / `current_name` name the
    inputs in errors.
    """
    _require()
    if method_numeric not in NUMERIC_METHODS:
        raise InputError(
            f"unknown numeric drift method {method_numeric!r} (one of {', '.join(sorted(NUMERIC_METHODS))})"
        )
    if method_categorical not in CATEGORICAL_METHODS:
        raise InputError(
            f"unknown categorical drift method {method_categorical!r} (one of {', '.join(sorted(CATEGORICAL_METHODS))})"
        )
    if correction not in (None, "bh"):
        raise InputError(f"unknown correction {correction!r} (none or 'bh')")
    if not 0 < share <= 1:
        raise InputError(f"drift share must be in (0, 1], got {share}")
    if isinstance(bins, str) and bins != "sturges" or isinstance(bins, int) and bins < 1:
        raise InputError(f"bins must be 'sturges' or a positive count, got {bins!r}")
    for frame, name in ((reference, reference_name), (current, current_name)):
        if len(frame) == 0:
            raise InputError(f"{name} has no rows (empty window)", where=name)
    if columns is None:
        names = list(dict.fromkeys([*map(str, reference.columns), *map(str, current.columns)]))
    else:
        names = list(dict.fromkeys(columns))
    if not names:
        raise InputError(f"{reference_name} and {current_name} have no columns to compare")
    forced_num, forced_cat = set(numeric or ()), set(categorical or ())
    if forced_num & forced_cat:
        raise InputError(f"column {sorted(forced_num & forced_cat)[0]!r} given as both numeric and categorical")

    plan: list[tuple[str, str]] = []
    for name in names:
        for frame, fname in ((reference, reference_name), (current, current_name)):
            if name not in frame.columns:
                raise InputError(f"{fname} has no column {name!r}", where=fname)
        ref_s, cur_s = reference[name], current[name]
        ref_num, cur_num = _is_numeric(ref_s), _is_numeric(cur_s)
        if name in forced_num:
            kind = "numeric"
        elif name in forced_cat:
            kind = "categorical"
        else:
            kind = infer_kind(cur_s)
        if kind == "numeric" or ref_num != cur_num:
            for s, ok, fname in ((ref_s, ref_num, reference_name), (cur_s, cur_num, current_name)):
                if not ok:
                    raise InputError(
                        f"column {name!r} is numeric in one window but {s.dtype.name} (not numeric) in {fname}",
                        where=fname,
                    )
        plan.append((name, kind))

    def one(item: tuple[str, str]) -> tuple[_Column, list[Measurement], dict[str, Any]]:
        name, kind = item
        reduce = _reduce_numeric if kind == "numeric" else _reduce_categorical
        col = reduce(name, reference[name], current[name])
        for n, fname in ((col.n_ref, reference_name), (col.n_cur, current_name)):
            if n == 0:
                raise InputError(f"column {name!r} has no values in {fname} (all missing)", where=fname)
        method = method_numeric if kind == "numeric" else method_categorical
        ms, decision = _measure(col, method, threshold, bins)
        col.ref_sorted = col.cur_sorted = col.cdf_diff = None  # free the big arrays early
        return col, ms, decision

    # Columns are independent and NumPy's sorts and pandas' counts release the GIL: a few threads.
    rows = len(reference) + len(current)
    workers = min(len(plan), os.cpu_count() or 1, 4) if rows * len(plan) > 2_000_000 else 1
    if workers > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, plan))
    else:
        results = [one(item) for item in plan]
    reduced = [r[0] for r in results]
    measurements: list[Measurement] = [m for r in results for m in r[1]]
    decisions: list[dict[str, Any]] = [r[2] for r in results]

    corrected = 0
    if correction == "bh":
        family = [d for d in decisions if d["test"] in P_VALUE_TESTS]
        alphas = {d["threshold"] for d in family}
        if len(alphas) > 1:
            raise InputError("Benjamini-Hochberg needs one threshold for every p-value test; give threshold=")
        if family:
            adjusted, rejected = benjamini_hochberg([d["score"] for d in family], family[0]["threshold"])
            for d, adj, rej in zip(family, adjusted, rejected, strict=True):
                d["p_value_adjusted"] = adj
                d["drifted"] = rej
            corrected = len(family)

    for col, d in zip(reduced, decisions, strict=True):
        detail = {k: v for k, v in d.items() if k != "drifted"}
        measurements.append(
            Measurement(
                name="drift",
                value=1.0 if d["drifted"] else 0.0,
                subject=col.name,
                n=col.n_cur,
                higher_is_better=False,
                detail=detail,
            )
        )
    n_drifted = sum(1 for d in decisions if d["drifted"])
    share_drifted = n_drifted / len(decisions)
    summary: dict[str, Any] = {
        "n_features": len(decisions),
        "n_drifted": n_drifted,
        "share_drifted": share_drifted,
        "drift_share": share,
        "dataset_drift": share_drifted >= share,
        "drifted_features": [c.name for c, d in zip(reduced, decisions, strict=True) if d["drifted"]],
        "correction": correction,
        "corrected_features": corrected,
        "method_numeric": method_numeric,
        "method_categorical": method_categorical,
        "threshold": threshold,
        "bins": bins,
        "rule": "Evidently 0.7 DataDriftPreset defaults" if method_numeric == method_categorical == "auto" else "given",
        "n_reference": len(reference),
        "n_current": len(current),
    }
    return measurements, summary
