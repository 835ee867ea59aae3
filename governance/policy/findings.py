"""Findings: failing measurements in a version's evidence that no policy verdict covers.

A measurement is covered when some outcome's evidence names it (a fairness evaluation and metric, a
validation result). An uncovered one is a finding when it fails a bound that applies to it anyway: the
bound of a `bias_threshold` policy of the bundle for the same metric (a policy that did not select the
evaluation: other features, `exact_features`, out of scope), the four-fifths rule (ratio >= 0.8), or a
validation result that says it failed; and a metric of the model's stage evidence that got worse over
three consecutive versions ending at this one (`ctx.degradations`). Findings never block; they are
stored with the decision and listed by every output, so failing evidence is never silent. Pure: the
same context, bundle and outcomes give the same findings (replay compares them).
"""

from __future__ import annotations

from typing import Any

from governance.policy.context import EvaluationContext, FairnessEvidence, MetricValue
from governance.policy.model import Outcome, Policy

FOUR_FIFTHS = "four_fifths.min_impact_ratio"
FOUR_FIFTHS_RULE = "the four-fifths rule (29 CFR 1607.4(D)): every group's selection rate >= 0.8 x the highest"


def findings(
    policies: tuple[Policy, ...], ctx: EvaluationContext, outcomes: tuple[Outcome, ...]
) -> tuple[dict[str, Any], ...]:
    """Every uncovered failing measurement, in evidence order, as flat JSON-ready dicts."""
    covered = {(e.kind, e.id, e.note) for o in outcomes for e in o.evidence}
    judged = {(e.kind, e.id) for o in outcomes for e in o.evidence}
    bias = [p for p in policies if p.kind == "bias_threshold"]
    in_scope = {o.policy_id for o in outcomes}
    out: list[dict[str, Any]] = []
    for ev in ctx.fairness:
        for metric, value in sorted(ev.metrics.items()):
            if ("fairness_evaluation", str(ev.id), metric) in covered:
                continue
            found = _fairness_finding(ev, metric, value, bias, in_scope)
            if found is not None:
                out.append(found)
    for item in ctx.validation:
        ref = ctx.ref_validation(item)
        if item.success is not False or (ref.kind, ref.id, ref.note) in covered:
            continue
        measured = "" if item.value is None else f" (value {item.value:.4g}"
        measured += "" if item.baseline is None or not measured else f", baseline {item.baseline:.4g}"
        measured += ")" if measured else ""
        out.append(
            {
                "kind": "validation",
                "evidence": f"validation:{item.source}",
                "measurement": f"{item.stage}: {item.name}" + (f" [{item.column}]" if item.column else ""),
                "value": item.value,
                "ci": None,
                "threshold": "success",
                "bound": "reported result",
                "source": item.source,
                "reason": "no policy verdict used this result"
                if ("validation", item.source) not in judged
                else "the policies that read this source did not check this result",
                "message": f"{item.stage} check {item.name!r} from {item.source} failed{measured}; "
                "no policy verdict covers it",
            }
        )
    out.extend(dict(d) for d in ctx.degradations)  # a metric worse over three versions (gathered with the context)
    return tuple(out)


def _fairness_finding(
    ev: FairnessEvidence, metric: str, value: MetricValue, bias: list[Policy], in_scope: set[str]
) -> dict[str, Any] | None:
    over = " x ".join(ev.sensitive)
    name = f"evaluation {ev.id} ({over})"
    for policy in bias:
        spec = policy.rule
        if spec.metric != metric:
            continue
        failed = _violates(value, spec.low, spec.high, spec.absolute, spec.applies_to)
        if failed is None:
            continue
        bound, measured, threshold = failed
        if policy.id not in in_scope:
            reason = f"{policy.id} is out of scope for this version and target"
        elif spec.exact_features:
            reason = f"{policy.id} judges only evaluations over exactly {' x '.join(spec.sensitive)}"
        else:
            reason = f"{policy.id} selects evaluations over {' x '.join(spec.sensitive)}, not this one"
        return _fairness_dict(ev, metric, value, threshold, bound, policy.id, reason, name, measured)
    if metric == FOUR_FIFTHS:
        failed = _violates(value, 0.8, None, False, "point")
        if failed is not None:
            bound, measured, threshold = failed
            reason = "no policy checks the four-fifths ratio of this evaluation"
            return _fairness_dict(ev, metric, value, threshold, bound, FOUR_FIFTHS_RULE, reason, name, measured)
    return None


def _violates(
    value: MetricValue, low: float | None, high: float | None, absolute: bool, applies_to: str
) -> tuple[str, float, str] | None:
    """(which bound decided, the number it read, the threshold text) when the value breaks the bound."""
    if applies_to == "interval" and value.ci_low is not None and value.ci_high is not None:
        lo, hi, end = value.ci_low, value.ci_high, "interval"
    elif value.value is not None:
        lo = hi = value.value
        end = "point"
    else:
        return None
    if absolute:
        lo, hi = (0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))), max(abs(lo), abs(hi))
    if high is not None and hi > high:
        return ("upper end of the interval" if end == "interval" else "point estimate"), hi, f"<= {high:g}"
    if low is not None and lo < low:
        return ("lower end of the interval" if end == "interval" else "point estimate"), lo, f">= {low:g}"
    return None


def _fairness_dict(
    ev: FairnessEvidence,
    metric: str,
    value: MetricValue,
    threshold: str,
    bound: str,
    source: str,
    reason: str,
    name: str,
    measured: float,
) -> dict[str, Any]:
    ci = None if value.ci_low is None or value.ci_high is None else [value.ci_low, value.ci_high]
    shown = "undefined" if value.value is None else f"{value.value:.4g}"
    if ci is not None:
        shown += f" (CI [{ci[0]:.4g}, {ci[1]:.4g}])"
    return {
        "kind": "fairness",
        "evidence": f"fairness_evaluation:{ev.id}",
        "measurement": f"{metric} over {' x '.join(ev.sensitive)}",
        "value": value.value,
        "ci": ci,
        "threshold": threshold,
        "bound": bound,
        "source": source,
        "reason": reason,
        "message": f"{metric} = {shown} in {name}: the {bound} {measured:.4g} is not {threshold} "
        f"(bound of {source}); {reason}",
    }
