"""`performance_threshold`: a performance metric (auc, gini, ks, log_loss, brier, accuracy, precision,
recall, f1, ece, a business metric...) of the latest trusted performance evidence stays within a bound,
on the point value or on its interval; or the difference to the champion does (`metric: auc.delta`).

The delta is read from a measurement named `<metric>.delta` (value = candidate - champion, with the
paired interval), else from the metric's `detail` (`delta`, `delta_low`, `delta_high`). Champion
bounds with no champion in the evidence pass unless `require_champion: true` (then not evaluated).
An interval straddling the threshold is INCONCLUSIVE; bounds are inclusive (policy/kinds/_bounds.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.policy.context import EvaluationContext
from governance.policy.kinds import Report
from governance.policy.kinds._bounds import Bound, parse_bound
from governance.policy.model import Policy, RuleResult, Verdict
from governance.policy.stage_context import StageEvidence, StageMeasurement, ref_stage, select, with_dropped

KIND = "performance"


@dataclass(frozen=True)
class Spec(Bound):
    require_champion: bool = False

    @property
    def delta(self) -> bool:
        return self.metric.endswith(".delta")

    @property
    def base(self) -> str:
        return self.metric.removesuffix(".delta")


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    return parse_bound(
        rule, report, Spec, applies_to="interval", require_champion=bool(rule.get("require_champion", False))
    )


def delta_of(ev: StageEvidence, metric: str, subject: str | None) -> StageMeasurement | None:
    """The difference to the champion: a `<metric>.delta` measurement, or the metric's detail."""
    found = ev.measurement(f"{metric}.delta", subject)
    if found is not None:
        return found
    m = ev.measurement(metric, subject)
    if m is None or m.detail.get("delta") is None:
        return None
    d = m.detail

    def num(key: str) -> float | None:
        return None if d.get(key) is None else float(d[key])

    return StageMeasurement(f"{metric}.delta", num("delta"), num("delta_low"), num("delta_high"), subject, m.n)


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    spec: Spec = policy.rule
    ev, missing_result, dropped = select(
        policy, ctx, KIND, max_age=spec.max_age, window=spec.window, what="performance evidence"
    )
    if ev is None:
        assert missing_result is not None
        return missing_result
    ref = (ref_stage(ev, spec.metric),)
    about = f" ({spec.subject})" if spec.subject else ""
    where = f"performance evidence {ev.id}"
    if spec.delta:
        m = delta_of(ev, spec.base, spec.subject)
        if m is None:
            if ev.measurement(spec.base, spec.subject) is None or spec.require_champion:
                return with_dropped(
                    RuleResult(
                        Verdict.NOT_EVALUATED,
                        f"{where} has no difference of {spec.base}{about} to a champion "
                        f"(score it with --champion TARGET or --baseline MODEL VERSION)",
                        ref,
                    ),
                    dropped,
                )
            return with_dropped(
                RuleResult(
                    Verdict.PASS,
                    f"{where} was not compared against a champion (none deployed or none given); "
                    f"the bound {spec.metric} does not apply",
                    ref,
                ),
                dropped,
            )
    else:
        found = ev.measurement(spec.metric, spec.subject)
        if found is None:
            return with_dropped(
                RuleResult(Verdict.NOT_EVALUATED, f"{where} did not measure {spec.metric}{about}", ref), dropped
            )
        m = found
    verdict, message = spec.check(m, where)
    return RuleResult(verdict, message, ref, tuple(dropped))
