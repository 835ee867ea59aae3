"""The A/B test options: metric, sequential test, alpha and power, and the planned traffic split."""

from __future__ import annotations

import math

from governance.errors import InputError

METRICS = ("conversion", "mean")
SEQUENTIAL = ("msprt", None)
VERDICTS = ("win", "lose", "inconclusive", "invalid")
DEFAULT_LOOKS = 20


def _normalise_plan(
    planned_split: dict[str, float] | None, control: str, treatment: str, where: str
) -> dict[str, float]:
    plan = dict(planned_split) if planned_split else {control: 0.5, treatment: 0.5}
    for name in (control, treatment):
        if name not in plan:
            raise InputError(f"variant {name!r} is not in the planned traffic split {sorted(plan)}", where=where)
    total = 0.0
    for name, share in plan.items():
        if not isinstance(share, int | float) or isinstance(share, bool) or not math.isfinite(share) or share <= 0:
            raise InputError(f"planned share of variant {name!r} must be a positive number, got {share!r}", where=where)
        total += float(share)
    return {str(k): float(v) / total for k, v in plan.items()}


def _check_options(metric: str, sequential: str | None, alpha: float, power: float, where: str) -> None:
    if metric not in METRICS:
        raise InputError(f"metric must be one of {METRICS}, got {metric!r}", where=where)
    if sequential not in SEQUENTIAL:
        raise InputError(f"sequential must be 'msprt' or None, got {sequential!r}", where=where)
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}", where=where)
    if not 0 < power < 1:
        raise InputError(f"power must be in (0, 1), got {power}", where=where)
