"""`ab_test`: the latest trusted A/B test of the version decides a promotion. The sample-ratio-mismatch
check must pass (a broken traffic split invalidates the test), the test's verdict must be one the policy
accepts (`accept`, default `[win]`; `[win, inconclusive]` lets a neutral result through), the lift's
interval must not be below zero when only a win is accepted, and the test must have at least `min_power`.

Read from the evidence summary: `verdict` (win | lose | inconclusive | invalid), `srm` (`{passed: bool, p_value}`
or a bool; `srm_passed` also read), `power`, and optionally `required_n` / `mde` (named when the test
is inconclusive). The lift is the `lift` measurement (or `metric:` names another).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from governance.policy.context import EvaluationContext
from governance.policy.kinds import Report, parse_age
from governance.policy.model import Policy, RuleResult, Verdict
from governance.policy.stage_context import StageEvidence, combine, ref_stage, select

KIND = "abtest"
VERDICTS = ("win", "lose", "inconclusive", "invalid")


@dataclass(frozen=True)
class Spec:
    accept: tuple[str, ...]
    min_power: float | None
    metric: str
    max_age: timedelta | None
    window: str


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    accept = tuple(str(a) for a in rule.get("accept") or ("win",))
    ok = True
    bad = [a for a in accept if a not in VERDICTS]
    if bad or "lose" in accept:
        report(("accept",), f"accept is a subset of win, inconclusive (got {', '.join(accept)})")
        ok = False
    if "win" not in accept:
        report(("accept",), "accept must include win")
        ok = False
    max_age = parse_age(rule.get("max_age"), ("max_age",), report)
    if not ok or (rule.get("max_age") is not None and max_age is None):
        return None
    power = rule.get("min_power")
    return Spec(
        accept,
        None if power is None else float(power),
        str(rule.get("metric", "lift")),
        max_age,
        str(rule.get("window", "any")),
    )


def srm_passed(ev: StageEvidence) -> tuple[bool | None, str]:
    srm = ev.summary.get("srm", ev.summary.get("srm_passed"))
    if isinstance(srm, bool):
        return srm, ""
    if isinstance(srm, dict):
        passed = srm.get("passed", srm.get("ok", srm.get("pass")))
        p = srm.get("p_value")
        return (passed if isinstance(passed, bool) else None), ("" if p is None else f" (p = {float(p):.3g})")
    return None, ""


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    spec: Spec = policy.rule
    ev, missing_result, dropped = select(policy, ctx, KIND, max_age=spec.max_age, window=spec.window, what="A/B test")
    if ev is None:
        assert missing_result is not None
        return missing_result
    ref = (ref_stage(ev),)
    where = f"A/B test {ev.id}"
    parts: list[tuple[Verdict, str]] = []
    passed, p = srm_passed(ev)
    if passed is None:
        parts.append((Verdict.NOT_EVALUATED, f"{where} does not record a sample-ratio-mismatch check"))
    elif not passed:
        parts.append((Verdict.FAIL, f"{where}: the sample-ratio-mismatch check failed{p}: the traffic split is broken"))
    else:
        parts.append((Verdict.PASS, f"{where}: the sample-ratio-mismatch check passed{p}"))
    verdict = str(ev.summary.get("verdict", ""))
    lift = ev.measurement(spec.metric)
    shown = ""
    if lift is not None and lift.value is not None:
        shown = f"; {spec.metric} = {lift.value:.4g}"
        if lift.low is not None and lift.high is not None:
            shown += f" [{lift.low:.4g}, {lift.high:.4g}]"
    accepted = " or ".join(spec.accept)
    if verdict not in VERDICTS:
        parts.append((Verdict.NOT_EVALUATED, f"{where} has no verdict (win, lose, inconclusive or invalid)"))
    elif verdict == "invalid":
        parts.append((Verdict.FAIL, f"{where} is invalid (its traffic split or data is broken): no result stands"))
    elif verdict == "lose":
        parts.append((Verdict.FAIL, f"{where}: the candidate lost{shown}; the policy accepts {accepted}"))
    elif verdict not in spec.accept:
        need = ev.summary.get("required_n")
        mde = ev.summary.get("mde")
        extra = "" if need is None else f"; about {int(need):,} units per variant would decide it"
        extra += "" if mde is None else f" (minimum detectable effect {float(mde):.4g})"
        parts.append((Verdict.INCONCLUSIVE, f"{where} is inconclusive{shown}; the policy accepts {accepted}{extra}"))
    elif verdict == "win" and lift is not None and lift.low is not None and lift.low < 0:
        parts.append(
            (
                Verdict.INCONCLUSIVE,
                f"{where} reports a win but the lower end of the {spec.metric} interval {lift.low:.4g} < 0{shown}",
            )
        )
    else:
        parts.append((Verdict.PASS, f"{where}: {verdict}{shown}; the policy accepts {accepted}"))
    if spec.min_power is not None:
        power = ev.summary.get("power")
        if not isinstance(power, int | float) or isinstance(power, bool):
            parts.append((Verdict.NOT_EVALUATED, f"{where} does not record its power"))
        elif power < spec.min_power:
            parts.append(
                (
                    Verdict.INCONCLUSIVE,
                    f"{where}: power {float(power):.3g} < {spec.min_power:g}; run it longer (more units)",
                )
            )
        else:
            parts.append((Verdict.PASS, f"{where}: power {float(power):.3g} >= {spec.min_power:g}"))
    return combine(parts, ref, dropped)
