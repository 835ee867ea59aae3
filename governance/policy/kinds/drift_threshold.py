"""`drift_threshold`: the latest trusted drift evidence shows little enough drift: the share of drifting
features is at most `max_share`, and/or a per-feature metric (psi, ks, js, wasserstein, chi2...) stays
within `bound` for one feature (`subject`) or every feature. `window: after_deployment` makes it
monitoring: only evidence whose window starts at or after the version entered the target counts, so a
pre-deployment check never stands in for monitoring.

The share is read from a whole-model measurement (`share_drifted`, else `share`), else from the summary
(the same keys), else counted from the features' `detail.drifted` flags. `drift_share` is never read as
the share: in Evidently's DataDriftPreset, in `governance.evidence.drift` and in the Evidently import it
is the threshold on the share that makes the dataset drifted (0.5 by default), not the measured share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from governance.policy.context import EvaluationContext
from governance.policy.kinds import Report, parse_age
from governance.policy.model import Policy, RuleResult, Verdict
from governance.policy.stage_context import (
    StageEvidence,
    StageMeasurement,
    combine,
    judge,
    ref_stage,
    select,
)

KIND = "drift"
SHARE_KEYS = ("share_drifted", "share")


@dataclass(frozen=True)
class Spec:
    max_share: float | None
    metric: str | None
    subject: str | None
    low: float | None
    high: float | None
    applies_to: str
    max_age: timedelta | None
    window: str  # any | after_deployment


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    ok = True
    max_share = rule.get("max_share")
    metric = rule.get("metric")
    bound = rule.get("bound") or {}
    low, high = bound.get("min"), bound.get("max")
    if max_share is None and metric is None:
        report((), "give max_share, a per-feature metric with a bound, or both")
        ok = False
    if metric is not None and low is None and high is None:
        report(("bound",), f"the per-feature metric {metric} needs a bound (min, max or both)")
        ok = False
    if low is not None and high is not None and low > high:
        report(("bound",), f"min {low} is greater than max {high}")
        ok = False
    max_age = parse_age(rule.get("max_age"), ("max_age",), report)
    if not ok or (rule.get("max_age") is not None and max_age is None):
        return None
    subject = rule.get("subject")
    return Spec(
        None if max_share is None else float(max_share),
        None if metric is None else str(metric),
        None if subject is None else str(subject),
        None if low is None else float(low),
        None if high is None else float(high),
        str(rule.get("applies_to", "point")),
        max_age,
        str(rule.get("window", "any")),
    )


def share_of(ev: StageEvidence) -> StageMeasurement | None:
    """The share of drifting features, as a measurement (with its interval when the evidence has one)."""
    for key in SHARE_KEYS:
        m = ev.measurement(key)
        if m is not None:
            return m
    for key in SHARE_KEYS:
        value = ev.summary.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return StageMeasurement(key, float(value))
    features = {m.subject for m in ev.measurements if m.subject and isinstance(m.detail.get("drifted"), bool)}
    if not features:  # governance.evidence.drift: one `drift` measurement per feature, 1.0 when drifted
        flags = {m.subject: m.value for m in ev.measurements if m.name == "drift" and m.subject}
        if flags:
            drifting = sum(1 for v in flags.values() if v)
            return StageMeasurement("share_drifted", drifting / len(flags), n=len(flags))
    if not features:
        return None
    drifted = {m.subject for m in ev.measurements if m.subject and m.detail.get("drifted") is True}
    return StageMeasurement("drift_share", len(drifted) / len(features), n=len(features))


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    spec: Spec = policy.rule
    what = "drift evidence" if spec.window != "after_deployment" else "drift monitoring evidence"
    ev, missing_result, dropped = select(policy, ctx, KIND, max_age=spec.max_age, window=spec.window, what=what)
    if ev is None:
        assert missing_result is not None
        return missing_result
    ref = (ref_stage(ev),)
    where = f"drift evidence {ev.id}"
    if spec.window == "after_deployment" and ev.window_start is not None:
        end = ev.window_end.isoformat() if ev.window_end else "?"
        where += f" (window {ev.window_start.isoformat()} to {end})"
    parts: list[tuple[Verdict, str]] = []
    if spec.max_share is not None:
        share = share_of(ev)
        if share is None:
            parts.append((Verdict.NOT_EVALUATED, f"{where} does not state the share of drifting features"))
        else:
            applies = spec.applies_to if share.low is not None else "point"
            parts.append(judge("share of drifting features", share, None, spec.max_share, applies, where))
    if spec.metric is not None:
        measured = [
            m
            for m in ev.measurements
            if m.name == spec.metric and m.subject is not None and (spec.subject is None or m.subject == spec.subject)
        ]
        if not measured:
            about = f" for feature {spec.subject}" if spec.subject else " for any feature"
            parts.append((Verdict.NOT_EVALUATED, f"{where} did not measure {spec.metric}{about}"))
        for m in measured:
            parts.append(judge(f"{spec.metric} ({m.subject})", m, spec.low, spec.high, spec.applies_to, where))
    return combine(parts, ref, dropped)
