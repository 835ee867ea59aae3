"""`operational_slo`: an operational metric of the latest trusted operational evidence (a load test or
production latencies) meets its service-level objective, e.g. `latency_p99_ms <= 300`, `error_rate <= 0.01`,
`throughput_rps >= 50`, on the point value or on the interval (an interval straddling the objective is
INCONCLUSIVE; bounds are inclusive, policy/kinds/_bounds.py). `subject` names an endpoint when the
evidence has several; without it the whole-model measurement is used, and when there is none every
endpoint must meet the objective.
"""

from __future__ import annotations

from typing import Any

from governance.policy.context import EvaluationContext
from governance.policy.kinds import Report
from governance.policy.kinds._bounds import Bound, parse_bound
from governance.policy.model import Policy, RuleResult, Verdict
from governance.policy.stage_context import combine, ref_stage, select, with_dropped

KIND = "operational"


Spec = Bound  # metric, subject, bound, applies_to (default point), max_age, window


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    return parse_bound(rule, report, Spec, applies_to="point")


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
        verdict, message = spec.check(whole, where)
        return RuleResult(verdict, message, ref, tuple(dropped))
    per_subject = [m for m in ev.measurements if m.name == spec.metric and spec.subject is None]
    if not per_subject:
        about = f" for {spec.subject}" if spec.subject else ""
        return with_dropped(
            RuleResult(Verdict.NOT_EVALUATED, f"{where} did not measure {spec.metric}{about}", ref), dropped
        )
    parts = [spec.check(m, where, label=f"{spec.metric} ({m.subject})") for m in per_subject]
    return combine(parts, ref, dropped)
