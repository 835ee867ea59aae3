"""`evidence_required`: the four validation stages ran, recently, and met their bounds.

Stages: data_validation (schema, distribution and drift checks), model_performance (against a
baseline), operational (latency, resources, throughput), ethical (bias, explainability). Evidence is
every `ValidationItem` of the context: OpenLineage `dataQualityAssertions` on the training inputs,
the custom `gov_validationResults` run facet (or its 1-0-0 key `validationResults`) of the training
run and of the runs that read its output, and stored fairness evaluations (`fairness_evaluation`,
stage ethical).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

from governance.policy.context import EvaluationContext, ValidationItem
from governance.policy.durations import describe
from governance.policy.kinds import Report, bound_text, parse_age, too_old
from governance.policy.model import EvidenceRef, Policy, RuleResult, Verdict, summarise


@dataclass(frozen=True)
class Check:
    name: str  # glob over the evidence name (assertion, metric, check)
    low: float | None = None
    high: float | None = None
    max_regression: float | None = None  # value may be at most this much worse than its baseline
    better: str = "higher"  # higher | lower: which direction of the value is an improvement

    def has_bound(self) -> bool:
        return self.low is not None or self.high is not None or self.max_regression is not None


@dataclass(frozen=True)
class Stage:
    name: str
    checks: tuple[Check, ...]
    max_age: timedelta | None


@dataclass(frozen=True)
class Spec:
    stages: tuple[Stage, ...]


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    """The typed spec: stages, their checks and maximum age."""
    stages, ok = [], True
    for name, body in rule["stages"].items():
        age = parse_age(body.get("max_age"), ("stages", name, "max_age"), report)
        ok = ok and (age is not None or body.get("max_age") is None)
        checks = tuple(
            Check(
                str(c["name"]),
                _f(c.get("min")),
                _f(c.get("max")),
                _f(c.get("max_regression")),
                str(c.get("better", "higher")),
            )
            for c in body["checks"]
        )
        stages.append(Stage(str(name), checks, age))
    return Spec(tuple(stages)) if ok else None


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    """Every check of every stage; fail beats not_evaluated beats pass."""
    spec: Spec = policy.rule
    parts: list[tuple[Verdict, str]] = []
    refs: list[EvidenceRef] = []
    for stage in spec.stages:
        evidence = [v for v in ctx.validation if v.stage == stage.name]
        for check in stage.checks:
            verdict, text, used = _check(stage, check, evidence, ctx)
            parts.append((verdict, f"{stage.name}: {text}"))
            refs.extend(ctx.ref_validation(item) for item in used)
    names = ", ".join(s.name for s in spec.stages)
    verdict, message, details = summarise(parts, f"evidence present and within bounds for {names}")
    return RuleResult(verdict, message, tuple(refs), details)


def _check(
    stage: Stage, check: Check, evidence: list[ValidationItem], ctx: EvaluationContext
) -> tuple[Verdict, str, list[ValidationItem]]:
    matching = [v for v in evidence if fnmatchcase(v.name, check.name)]
    if not matching:
        return Verdict.NOT_EVALUATED, f"no evidence named {check.name!r}", []
    # The latest result per (name, column) speaks for it: an old pass must not hide a new failure.
    latest: dict[tuple[str, str | None], ValidationItem] = {}
    for item in sorted(matching, key=lambda v: (v.at is not None, v.at, v.source)):
        latest[(item.name, item.column)] = item
    used = list(latest.values())
    fresh = [v for v in used if not too_old(v.at, ctx.evaluated_at, stage.max_age)]
    if not fresh:
        return (
            Verdict.NOT_EVALUATED,
            (
                f"evidence {check.name!r} is older than {describe(stage.max_age)}"
                if stage.max_age
                else f"evidence {check.name!r} has no time"
            ),
            used,
        )
    failures, unknown = [], []
    for item in fresh:
        label = item.name + (f"[{item.column}]" if item.column else "")
        if item.success is False:
            failures.append(f"{label} failed")
        elif check.has_bound():
            problem = _bound(check, item)
            if problem == "unknown":
                unknown.append(label)
            elif problem:
                failures.append(f"{label} {problem}")
    if failures:
        return Verdict.FAIL, "; ".join(failures), used
    if unknown:
        return Verdict.NOT_EVALUATED, f"{', '.join(unknown)} reported no value (or no baseline) to check", used
    stale = len(used) - len(fresh)
    note = f" ({stale} stale result(s) ignored)" if stale else ""
    return Verdict.PASS, f"{check.name!r}: {len(fresh)} result(s) ok{note}", used


def _bound(check: Check, item: ValidationItem) -> str | None:
    """'' / None when within bounds, 'unknown' when the value is missing, else what is wrong."""
    if item.value is None:
        return "unknown"
    if (check.low is not None and item.value < check.low) or (check.high is not None and item.value > check.high):
        return f"= {item.value:g}, not {bound_text(check.low, check.high)}"
    if check.max_regression is not None:
        if item.baseline is None:
            return "unknown"
        worse = item.baseline - item.value if check.better == "higher" else item.value - item.baseline
        if worse > check.max_regression:
            return (
                f"= {item.value:g}, {worse:g} worse than its baseline {item.baseline:g} "
                f"(at most {check.max_regression:g} allowed)"
            )
    return None
