"""Rule kinds: one small module each, with the same two functions.

- `parse(rule, report) -> Spec | None`: the kind's typed spec from the (schema-valid) `rule` mapping;
  semantic problems go to `report(path_under_rule, message, line_offset=0)` so the loader can name
  the file and line.
- `evaluate(policy, ctx) -> RuleResult`: pure, no I/O, no clock (the context carries the time).

The table below is the whole registry: no registration by import side effect.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime, timedelta
from types import ModuleType

KINDS: dict[str, str] = {
    "bias_threshold": "governance.policy.kinds.bias_threshold",
    "approval": "governance.policy.kinds.approval",
    "data_retention": "governance.policy.kinds.data_retention",
    "evidence_required": "governance.policy.kinds.evidence_required",
    "lineage_requirement": "governance.policy.kinds.lineage_requirement",
    "condition": "governance.policy.kinds.condition",
    "performance_threshold": "governance.policy.kinds.performance_threshold",
    "drift_threshold": "governance.policy.kinds.drift_threshold",
    "ab_test": "governance.policy.kinds.ab_test",
    "operational_slo": "governance.policy.kinds.operational_slo",
}

Report = Callable[..., None]  # report(path: tuple[str | int, ...], message: str, line_offset: int = 0)


def kind_module(kind: str) -> ModuleType:
    """The module implementing `kind` (KeyError for an unknown kind: the loader reports it first)."""
    return importlib.import_module(KINDS[kind])


def parse_age(value: object, path: tuple[str | int, ...], report: Report) -> timedelta | None:
    """An optional ISO 8601 duration field; a bad one is reported, not raised."""
    from governance.policy.durations import parse_duration

    if value is None:
        return None
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        report(path, str(exc))
        return None


def too_old(at: datetime | None, now: datetime, max_age: timedelta | None) -> bool:
    """Whether evidence from `at` is older than `max_age` at `now` (unknown time counts as too old)."""
    if max_age is None:
        return False
    return at is None or now - at > max_age


def bound_text(low: float | None, high: float | None) -> str:
    """`>= 0.8`, `<= 0.1`, or `in [0.8, 1.25]`."""
    if low is not None and high is not None:
        return f"in [{low:g}, {high:g}]"
    return f">= {low:g}" if low is not None else f"<= {high:g}"
