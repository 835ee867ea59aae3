"""`operational_slo`: an operational metric of the latest trusted operational evidence (a load test or
production latencies) meets its service-level objective, e.g. `latency_p99_ms <= 300`, `error_rate <= 0.01`,
`throughput_rps >= 50`, on the point value or on the interval (an interval straddling the objective is
INCONCLUSIVE). `subject` names an endpoint when the evidence has several; without it the whole-model
measurement is used, and when there is none every endpoint must meet the objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from governance.policy.context import EvaluationContext
from governance.policy.kinds import Report, parse_age
from governance.policy.model import Policy, RuleResult, Verdict
from governance.policy.stage_context import combine, judge, parse_common, ref_stage, select, with_dropped

KIND = "operational"


@dataclass(frozen=True)
class Spec:
    metric: str
    subject: str | None
    low: float | None
    high: float | None
    applies_to: str
    max_age: timedelta | None
    window: str


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    low, high, ok = parse_common(rule, report)
    max_age = parse_age(rule.get("max_age"), ("max_age",), report)
    if not ok or (rule.get("max_age") is not None and max_age is None):
        return None
    subject = rule.get("subject")
    return Spec(
        str(rule["metric"]),
        None if subject is None else str(subject),
        low,
        high,
        str(rule.get("applies_to", "point")),
        max_age,
        str(rule.get("window", "any")),
    )


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    spec: Spec = policy.rule
    ev, missing_result, dropped = select(
        policy, ctx, KIND, max_age=spec.max_age, window=spec.window, what="operational evidence"
    )
    if ev is None:
        assert missing_result is not None
        return missing_result
    ref = (ref_stage(ev, spec.metric),)
    where = f"operational evidence {ev.id}"
    whole = ev.measurement(spec.metric, spec.subject)
    if whole is not None:
        label = spec.metric + (f" ({spec.subject})" if spec.subject else "")
        verdict, message = judge(label, whole, spec.low, spec.high, spec.applies_to, where)
        return RuleResult(verdict, message, ref, tuple(dropped))
    per_subject = [m for m in ev.measurements if m.name == spec.metric and spec.subject is None]
    if not per_subject:
        about = f" for {spec.subject}" if spec.subject else ""
        return with_dropped(
            RuleResult(Verdict.NOT_EVALUATED, f"{where} did not measure {spec.metric}{about}", ref), dropped
        )
    parts = [judge(f"{spec.metric} ({m.subject})", m, spec.low, spec.high, spec.applies_to, where) for m in per_subject]
    return combine(parts, ref, dropped)
