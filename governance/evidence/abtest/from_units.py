"""A/B test from per-unit rows: one row per unit, its variant and its outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from governance.errors import InputError
from governance.evidence.abtest.analysis import _analyse
from governance.evidence.abtest.arms import _Arm, _looks_of
from governance.evidence.abtest.options import DEFAULT_LOOKS, _check_options, _normalise_plan
from governance.evidence.stage import Measurement

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (so that messages read 2, not np.int64(2))."""
    return value.item() if isinstance(value, np.generic) else value


def abtest_from_units(
    frame: pd.DataFrame,
    *,
    variant: str,
    outcome: str,
    control: str,
    treatment: str,
    planned_split: dict[str, float] | None = None,
    metric: str = "conversion",
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: str | None = "msprt",
    srm_alpha: float = 0.001,
    mixing_sd: float = 0.1,
    looks: int = DEFAULT_LOOKS,
    order: str | None = None,
    higher_is_better: bool = True,
    where: str = "data",
) -> tuple[list[Measurement], dict[str, Any]]:
    """A/B test from per-unit rows: one row per unit, its variant and its outcome (methods: `analysis`)."""
    _check_options(metric, sequential, alpha, power, where)
    for col in (variant, outcome) + ((order,) if order else ()):
        if col not in frame.columns:
            raise InputError(f"column {col!r} not found (columns: {', '.join(map(str, frame.columns))})", where=where)
    plan = _normalise_plan(planned_split, control, treatment, where)
    if order:
        frame = frame.sort_values(order, kind="stable")
    import pandas as pd

    if frame[variant].isna().any():
        raise InputError(f"column {variant!r} has empty values", where=where)
    col = frame[outcome]
    y_series = (
        col
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        else pd.to_numeric(col, errors="coerce")
    )
    y = np.asarray(y_series, dtype=float)
    finite = np.isfinite(y)
    if not finite.all():
        bad = _plain(col.iloc[int(np.flatnonzero(~finite)[0])])
        raise InputError(f"column {outcome!r} has a value that is not a finite number: {bad!r}", where=where)
    if metric == "conversion":
        binary = (y == 0) | (y == 1)
        if not binary.all():
            bad = _plain(col.iloc[int(np.flatnonzero(~binary)[0])])
            raise InputError(f"column {outcome!r} must be 0/1 for metric conversion, found {bad!r}", where=where)
    codes, uniques = pd.factorize(frame[variant], sort=True)
    names = [str(u) for u in uniques]
    if len(set(names)) != len(names):
        raise InputError(f"column {variant!r} has variants that differ only in type (e.g. 1 and '1')", where=where)
    units = np.bincount(codes, minlength=len(names))
    sums = np.bincount(codes, weights=y, minlength=len(names))
    sumsq = np.bincount(codes, weights=y * y, minlength=len(names))
    arms = {name: _Arm(int(units[i]), float(sums[i]), float(sumsq[i])) for i, name in enumerate(names)}
    for name in (control, treatment):
        if name not in arms:
            raise InputError(f"variant {name!r} has zero units (column {variant!r})", where=where)
    look_list = _looks_of(codes, y, names.index(control), names.index(treatment), looks) if sequential else []
    return _analyse(
        arms,
        look_list,
        metric=metric,
        control=control,
        treatment=treatment,
        plan=plan,
        alpha=alpha,
        power=power,
        sequential=sequential,
        srm_alpha=srm_alpha,
        mixing_sd=mixing_sd,
        higher_is_better=higher_is_better,
        where=where,
    )
