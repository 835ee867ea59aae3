"""The metric bound `performance_threshold` and `operational_slo` share: the rule's fields (`metric`,
`subject`, `bound: {min, max}`, `applies_to`, `max_age`, `window`), parsed in one place, and the check of
one measurement against them.

Bounds are inclusive: a point value equal to `min` or `max` meets it, and so does an interval ending on it.
An interval reaching past the threshold is INCONCLUSIVE, wholly past it FAIL. A missing value (None) or
NaN is missing evidence, never a pass: NOT_EVALUATED. The comparison is `stage_context.judge`, which
`drift_threshold` uses too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from governance.policy.kinds import Report, parse_age
from governance.policy.model import Verdict
from governance.policy.stage_context import StageMeasurement, judge, parse_common


@dataclass(frozen=True)
class Bound:
    metric: str
    subject: str | None
    low: float | None
    high: float | None
    applies_to: str  # point | interval
    max_age: timedelta | None
    window: str  # any | after_deployment

    @property
    def label(self) -> str:
        """The metric, and its subject when the rule names one: `auc`, `latency_p99_ms (/score)`."""
        return self.metric + (f" ({self.subject})" if self.subject else "")

    def check(self, m: StageMeasurement, where: str, label: str | None = None) -> tuple[Verdict, str]:
        """The verdict of `m` against the bound, and the message naming `where` (the evidence)."""
        return judge(label or self.label, m, self.low, self.high, self.applies_to, where)


B = TypeVar("B", bound=Bound)


def parse_bound(rule: dict[str, Any], report: Report, spec: type[B], *, applies_to: str, **extra: Any) -> B | None:
    """The kind's `spec` from `rule` (`applies_to` the kind's default; `extra`: the kind's own fields), or
    None when something was reported."""
    low, high, ok = parse_common(rule, report)
    max_age = parse_age(rule.get("max_age"), ("max_age",), report)
    if not ok or (rule.get("max_age") is not None and max_age is None):
        return None
    subject = rule.get("subject")
    return spec(
        str(rule["metric"]),
        None if subject is None else str(subject),
        low,
        high,
        str(rule.get("applies_to", applies_to)),
        max_age,
        str(rule.get("window", "any")),
        **extra,
    )
