"""A/B test from per-variant totals: units and conversions, or n, mean and sd."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from governance.errors import InputError
from governance.evidence.abtest.analysis import _analyse
from governance.evidence.abtest.arms import _Arm
from governance.evidence.abtest.options import _check_options, _normalise_plan
from governance.evidence.stage import Measurement


def _number(value: Any, field: str, where: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(float(value))
    ):
        raise InputError(f"field {field} must be a finite number, got {value!r}", where=where)
    return float(value)


def abtest_from_counts(
    counts: dict[str, dict[str, Any]],
    *,
    control: str,
    treatment: str,
    planned_split: dict[str, float] | None = None,
    metric: str | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: str | None = "msprt",
    srm_alpha: float = 0.001,
    mixing_sd: float = 0.1,
    higher_is_better: bool = True,
    where: str = "counts",
) -> tuple[list[Measurement], dict[str, Any]]:
    """A/B test from per-variant totals: {"units", "conversions"} (conversion) or {"n", "mean", "std"} (mean).

    `metric` is inferred from the keys when not given. The sequential test sees one look (the totals)."""
    if not counts:
        raise InputError("no variants given", where=where)
    first = next(iter(counts.values()))
    if metric is None:
        metric = "conversion" if isinstance(first, dict) and "conversions" in first else "mean"
    _check_options(metric, sequential, alpha, power, where)
    plan = _normalise_plan(planned_split, control, treatment, where)
    arms: dict[str, _Arm] = {}
    for name, rec in counts.items():
        if not isinstance(rec, dict):
            raise InputError(f"variant {name!r}: expected an object of totals, got {type(rec).__name__}", where=where)
        if metric == "conversion":
            for key in ("units", "conversions"):
                if key not in rec:
                    raise InputError(f"variant {name!r}: field {key!r} is missing", where=where)
            n = _number(rec["units"], f"{name}.units", where)
            k = _number(rec["conversions"], f"{name}.conversions", where)
            if n != int(n) or k != int(k) or n < 0 or not 0 <= k <= n:
                raise InputError(
                    f"variant {name!r}: conversions {k:g} must be an integer between 0 and units {n:g}", where=where
                )
            arms[str(name)] = _Arm(int(n), k, k)
        else:
            for key in ("n", "mean", "std"):
                if key not in rec:
                    raise InputError(f"variant {name!r}: field {key!r} is missing", where=where)
            n = _number(rec["n"], f"{name}.n", where)
            mean = _number(rec["mean"], f"{name}.mean", where)
            sd = _number(rec["std"], f"{name}.std", where)
            if n != int(n) or n < 0 or sd < 0:
                raise InputError(f"variant {name!r}: n must be a non-negative integer and std >= 0", where=where)
            total = mean * n
            sumsq = sd * sd * (n - 1) + total * total / n if n else 0.0
            arms[str(name)] = _Arm(int(n), total, sumsq)
    for name in (control, treatment):
        if name not in arms:
            raise InputError(f"variant {name!r} has zero units (not in the totals)", where=where)
    look_list = [(arms[control], arms[treatment])] if sequential else []
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
