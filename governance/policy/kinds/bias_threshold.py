"""`bias_threshold`: a fairness metric stays within a bound, on the point estimate or on its whole
confidence interval, in the latest evaluation of every feature set that includes the policy's sensitive
features (intersections too; `exact_features: true` narrows it to exactly those). The worst one decides.

Metric names are those of `governance.evidence.catalog` (between-group metrics) or `group.<rate>` (every
group of at least `min_group_size` rows). The list is kept here so `gov check` never imports numpy; a
test proves it equals the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from governance.policy.context import EvaluationContext, FairnessEvidence
from governance.policy.kinds import Report, bound_text, parse_age, too_old
from governance.policy.model import Policy, RuleResult, Verdict

BETWEEN_GROUP_METRICS = (
    "fairlearn.demographic_parity_difference",
    "fairlearn.demographic_parity_ratio",
    "fairlearn.equalized_odds_difference",
    "fairlearn.equalized_odds_difference_mean",
    "fairlearn.equalized_odds_ratio",
    "fairlearn.equal_opportunity_difference",
    "aif360.statistical_parity_difference",
    "aif360.disparate_impact",
    "aif360.equal_opportunity_difference",
    "aif360.average_odds_difference",
    "aif360.average_abs_odds_difference",
    "aif360.equalized_odds_difference",
    "aif360.theil_index",
    "aif360.between_group_theil_index",
    "aif360.base_rate_statistical_parity_difference",
    "aif360.base_rate_disparate_impact",
    "aif360.generalized_equalized_odds_difference",
    "four_fifths.min_impact_ratio",
)
GROUP_RATES = ("base_rate", "selection_rate", "tpr", "fpr", "tnr", "fnr", "ppv", "accuracy")
METRICS = BETWEEN_GROUP_METRICS + tuple(f"group.{r}" for r in GROUP_RATES)
ANY_FEATURES = ("*",)  # `sensitive: ["*"]`: every evaluation, whatever protected attributes it is over


@dataclass(frozen=True)
class Spec:
    metric: str
    sensitive: tuple[str, ...]
    low: float | None
    high: float | None
    absolute: bool
    applies_to: str  # point | interval
    min_group_size: int
    max_age: timedelta | None
    exact_features: bool = False  # only evaluations over exactly `sensitive`, not intersections


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    """The typed spec; unknown metrics and inconsistent bounds are reported."""
    metric = str(rule["metric"])
    ok = True
    if metric not in METRICS:
        close = [m for m in METRICS if metric.split(".")[-1] in m][:3]
        report(
            ("metric",),
            f"unknown metric {metric!r}"
            + (f"; did you mean {', '.join(close)}?" if close else "; see docs/policies.md for the list"),
        )
        ok = False
    bound = rule["bound"]
    low, high = bound.get("min"), bound.get("max")
    if low is not None and high is not None and low > high:
        report(("bound",), f"min {low} is greater than max {high}")
        ok = False
    applies_to = str(rule.get("applies_to", "interval"))
    if metric.startswith("group.") and applies_to == "interval":
        report(("applies_to",), "per-group rates have no confidence interval; use applies_to: point")
        ok = False
    sensitive = tuple(rule["sensitive"])
    if "*" in sensitive and (sensitive != ANY_FEATURES or rule.get("exact_features")):
        report(("sensitive",), '"*" (every evaluation) stands alone and cannot be combined with exact_features')
        ok = False
    max_age = parse_age(rule.get("max_age"), ("max_age",), report)
    if not ok or (rule.get("max_age") is not None and max_age is None):
        return None
    return Spec(
        metric,
        sensitive,
        None if low is None else float(low),
        None if high is None else float(high),
        bool(rule.get("absolute", False)),
        applies_to,
        int(rule.get("min_group_size", 0)),
        max_age,
        bool(rule.get("exact_features", False)),
    )


def selects(spec: Spec, ev: FairnessEvidence) -> bool:
    """Whether the policy judges this evaluation: its features include the policy's (an intersection
    sex x age_band is checked by a `sex` policy), or equal them when the policy says `exact_features`;
    `sensitive: ["*"]` selects every evaluation (the default pack's screen covers every attribute)."""
    if spec.sensitive == ANY_FEATURES:
        return True
    if spec.exact_features:
        return sorted(ev.sensitive) == sorted(spec.sensitive)
    return set(spec.sensitive) <= set(ev.sensitive)


# Worst first: the worst verdict over every selected evaluation decides (fail-closed).
_SEVERITY = {Verdict.ERROR: 0, Verdict.FAIL: 1, Verdict.NOT_EVALUATED: 2, Verdict.PASS: 3}


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    """Judge the latest evaluation of every feature set the policy selects; the worst one decides and is
    named (evaluation id, features, and the groups behind the number)."""
    spec: Spec = policy.rule
    over = "any features" if spec.sensitive == ANY_FEATURES else " x ".join(spec.sensitive)
    candidates = [f for f in ctx.fairness if selects(spec, f)]
    if not candidates:
        which = "exactly " if spec.exact_features else ""
        return RuleResult(
            Verdict.NOT_EVALUATED,
            f"no fairness evaluation over {which}{over} for this version",
            (ctx.ref_version(),),
        )
    latest: dict[tuple[str, ...], FairnessEvidence] = {}
    for f in sorted(candidates, key=lambda f: (f.evaluated_at is not None, f.evaluated_at, f.id)):
        latest[tuple(sorted(f.sensitive))] = f  # the latest per feature set
    results = [_one(spec, ctx, ev) for _, ev in sorted(latest.items())]
    if len(results) == 1:
        return results[0]
    worst = min(results, key=lambda r: _SEVERITY.get(r.verdict, 0))
    details = tuple(line for r in results for line in (f"{r.verdict.value}: {r.message}", *r.details))
    refs = tuple(ref for r in results for ref in r.evidence)
    if worst.verdict is Verdict.PASS:
        message = f"{len(results)} evaluations selected, all within bounds; worst: {worst.message}"
    else:
        others = [r for r in results if r is not worst and r.verdict is not Verdict.PASS]
        message = worst.message + "".join(f"; also {r.verdict.value}: {r.message}" for r in others)
    return RuleResult(worst.verdict, message, refs, details)


def _one(spec: Spec, ctx: EvaluationContext, ev: FairnessEvidence) -> RuleResult:
    """The verdict on one evaluation."""
    over = " x ".join(ev.sensitive)
    ref = (ctx.ref_fairness(ev, spec.metric),)
    name = f"evaluation {ev.id} ({over})"
    if too_old(ev.evaluated_at, ctx.evaluated_at, spec.max_age):
        return RuleResult(
            Verdict.NOT_EVALUATED,
            f"the latest fairness evaluation over {over} (id {ev.id}) is older than {_policy_age(spec)}",
            ref,
        )
    if spec.metric.startswith("group."):
        return _per_group(spec, ev, ref)
    size_problem = _sizes(spec, ev)
    if size_problem:
        return RuleResult(Verdict.NOT_EVALUATED, size_problem, ref)
    value = ev.metrics.get(spec.metric)
    if value is None:
        hint = " (aif360 metrics need a privileged group)" if spec.metric.startswith("aif360.") else ""
        return RuleResult(Verdict.NOT_EVALUATED, f"evaluation {ev.id} did not compute {spec.metric}{hint}", ref)
    if spec.applies_to == "point":
        if value.value is None:
            return RuleResult(Verdict.NOT_EVALUATED, f"{spec.metric} is undefined in evaluation {ev.id}", ref)
        low = high = value.value
        shown = f"{value.value:.4g}"
    else:
        if value.ci_low is None or value.ci_high is None:
            return RuleResult(
                Verdict.NOT_EVALUATED,
                f"evaluation {ev.id} has no confidence interval for "
                f"{spec.metric} (re-run it with bootstrap resamples, or use applies_to: point)",
                ref,
            )
        low, high = value.ci_low, value.ci_high
        shown = f"{'?' if value.value is None else format(value.value, '.4g')} (CI [{low:.4g}, {high:.4g}])"
    if spec.absolute:
        low, high = (0.0 if low <= 0.0 <= high else min(abs(low), abs(high))), max(abs(low), abs(high))
    subject = f"|{spec.metric}|" if spec.absolute else spec.metric
    target = bound_text(spec.low, spec.high)
    groups = _extremes(spec, ev)
    if spec.high is not None and high > spec.high:
        bound = "the upper end of the interval" if spec.applies_to == "interval" else "the point estimate"
        return RuleResult(
            Verdict.FAIL,
            f"{subject} = {shown} in {name}: {bound} {high:.4g} > {spec.high:g}{groups}",
            ref,
        )
    if spec.low is not None and low < spec.low:
        bound = "the lower end of the interval" if spec.applies_to == "interval" else "the point estimate"
        return RuleResult(
            Verdict.FAIL,
            f"{subject} = {shown} in {name}: {bound} {low:.4g} < {spec.low:g}{groups}",
            ref,
        )
    where = "its confidence interval" if spec.applies_to == "interval" else "the point estimate"
    return RuleResult(Verdict.PASS, f"{subject} = {shown} in {name}: {where} is {target}{groups}", ref)


def _extremes(spec: Spec, ev: FairnessEvidence) -> str:
    """The groups behind a selection-rate metric: lowest and highest selection rate (eligible groups)."""
    rated = [
        (g.metrics["selection_rate"], g.name)
        for g in ev.groups
        if g.count >= spec.min_group_size and g.metrics.get("selection_rate") is not None
    ]
    if len(rated) < 2 or not any(k in spec.metric for k in ("parity", "disparate", "four_fifths")):
        return ""
    (lo, lo_name), (hi, hi_name) = min(rated), max(rated)
    return f" (lowest selection rate {lo_name} {lo:.3g}, highest {hi_name} {hi:.3g})"


def _policy_age(spec: Spec) -> str:
    from governance.policy.durations import describe

    return describe(spec.max_age) if spec.max_age else "any age"


def _sizes(spec: Spec, ev: FairnessEvidence) -> str | None:
    """Why the evaluation's groups are too small for this policy, or None."""
    n = spec.min_group_size
    if spec.metric.startswith("aif360."):
        flags = [g.privileged for g in ev.groups]
        if any(f is not None for f in flags):
            priv = sum(g.count for g in ev.groups if g.privileged)
            unpriv = sum(g.count for g in ev.groups if g.privileged is False)
            if min(priv, unpriv) < n:
                return (
                    f"evaluation {ev.id}: the privileged ({priv} rows) or unprivileged ({unpriv} rows) "
                    f"group is smaller than the policy's minimum of {n}"
                )
        return None
    eligible = [g for g in ev.groups if g.count >= n]
    if len(eligible) < 2:
        return f"evaluation {ev.id}: fewer than two groups have at least {n} rows"
    small = [g.name for g in ev.groups if g.included and g.count < n]
    if small:
        return (
            f"evaluation {ev.id} aggregated group(s) {', '.join(small)} with fewer than {n} rows; "
            f"re-run it with a minimum group size of {n}"
        )
    return None


def _per_group(spec: Spec, ev: FairnessEvidence, ref: tuple[Any, ...]) -> RuleResult:
    rate = spec.metric.split(".", 1)[1]
    groups = [g for g in ev.groups if g.count >= spec.min_group_size]
    if not groups:
        return RuleResult(
            Verdict.NOT_EVALUATED, f"evaluation {ev.id}: no group has at least {spec.min_group_size} rows", ref
        )
    target = bound_text(spec.low, spec.high)
    bad, undefined, details = [], [], []
    for g in groups:
        value = g.metrics.get(rate)
        if value is None:
            undefined.append(g.name)
            continue
        ok = not ((spec.high is not None and value > spec.high) or (spec.low is not None and value < spec.low))
        details.append(f"{g.name}: {rate} = {value:.4g} ({g.count} rows) {'ok' if ok else 'violates ' + target}")
        if not ok:
            bad.append(f"{g.name} ({value:.4g})")
    if bad:
        return RuleResult(
            Verdict.FAIL, f"{rate} is not {target} for {', '.join(bad)} in evaluation {ev.id}", ref, tuple(details)
        )
    if undefined:
        return RuleResult(Verdict.NOT_EVALUATED, f"{rate} is undefined for {', '.join(undefined)}", ref, tuple(details))
    return RuleResult(
        Verdict.PASS,
        f"{rate} is {target} for all {len(groups)} groups of at least {spec.min_group_size} rows in evaluation {ev.id}",
        ref,
        tuple(details),
    )
