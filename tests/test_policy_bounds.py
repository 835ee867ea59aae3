"""The metric bound performance_threshold and operational_slo share (governance/policy/kinds/_bounds.py):
its edges in one table. Bounds are inclusive; a missing or NaN value is missing evidence, never a pass."""

from __future__ import annotations

import math
from typing import Any

import pytest

from governance.measurement import Measurement
from governance.policy.evaluator import run_rule
from governance.policy.kinds import operational_slo, performance_threshold
from governance.policy.kinds._bounds import Bound, parse_bound
from governance.policy.model import Verdict
from tests.test_stage_rules import ctx, policy, stage

NAN = math.nan
PASS, FAIL, INCONCLUSIVE, MISSING = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE, Verdict.NOT_EVALUATED


def bound(low: float | None, high: float | None, applies_to: str) -> Bound:
    return Bound("m", None, low, high, applies_to, None, "any")


# (min, max, applies_to, value, interval low, interval high, verdict)
EDGES: list[tuple[float | None, float | None, str, float | None, float | None, float | None, Verdict]] = [
    # point, min: inclusive
    (0.7, None, "point", 0.7, None, None, PASS),
    (0.7, None, "point", 0.70001, None, None, PASS),
    (0.7, None, "point", 0.69999, None, None, FAIL),
    (0.7, None, "point", None, None, None, MISSING),
    (0.7, None, "point", NAN, None, None, MISSING),
    (0.7, None, "point", -math.inf, None, None, FAIL),
    # point, max: inclusive
    (None, 300.0, "point", 300.0, None, None, PASS),
    (None, 300.0, "point", 300.5, None, None, FAIL),
    (None, 300.0, "point", NAN, None, None, MISSING),
    (None, 300.0, "point", math.inf, None, None, FAIL),
    # point, both ends; the interval is ignored
    (0.2, 0.8, "point", 0.2, None, None, PASS),
    (0.2, 0.8, "point", 0.8, None, None, PASS),
    (0.2, 0.8, "point", 0.19, None, None, FAIL),
    (0.2, 0.8, "point", 0.81, None, None, FAIL),
    (0.2, 0.8, "point", 0.5, 0.0, 1.0, PASS),
    # interval, min: the whole interval must be at or above it
    (0.7, None, "interval", 0.75, 0.7, 0.8, PASS),
    (0.7, None, "interval", 0.75, 0.69, 0.8, INCONCLUSIVE),
    (0.7, None, "interval", 0.6, 0.5, 0.7, INCONCLUSIVE),
    (0.7, None, "interval", 0.6, 0.5, 0.69, FAIL),
    (0.7, None, "interval", 0.75, None, None, MISSING),
    (0.7, None, "interval", 0.75, NAN, 0.8, MISSING),
    (0.7, None, "interval", 0.75, 0.72, NAN, MISSING),
    (0.7, None, "interval", NAN, 0.72, 0.8, PASS),  # the interval decides; the point value is only shown
    # interval, max
    (None, 300.0, "interval", 280.0, 250.0, 300.0, PASS),
    (None, 300.0, "interval", 290.0, 250.0, 301.0, INCONCLUSIVE),
    (None, 300.0, "interval", 350.0, 300.0, 400.0, INCONCLUSIVE),
    (None, 300.0, "interval", 350.0, 300.5, 400.0, FAIL),
    # interval, both ends
    (0.2, 0.8, "interval", 0.5, 0.2, 0.8, PASS),
    (0.2, 0.8, "interval", 0.5, 0.1, 0.9, INCONCLUSIVE),
    (0.2, 0.8, "interval", 0.9, 0.85, 0.95, FAIL),
]


@pytest.mark.parametrize(("low", "high", "applies_to", "value", "lo", "hi", "verdict"), EDGES)
def test_bound_edges(
    low: float | None,
    high: float | None,
    applies_to: str,
    value: float | None,
    lo: float | None,
    hi: float | None,
    verdict: Verdict,
) -> None:
    got, message = bound(low, high, applies_to).check(Measurement("m", value, lo, hi, n=100), "evidence 1")
    assert got is verdict, message
    assert "evidence 1" in message


def _parse(module: Any, rule: dict[str, Any]) -> tuple[Any, list[str]]:
    problems: list[str] = []
    return module.parse(rule, lambda path, message, line_offset=0: problems.append(message)), problems


def test_both_kinds_parse_through_the_one_helper() -> None:
    perf, problems = _parse(performance_threshold, {"metric": "auc", "bound": {"min": 0.7}})
    assert not problems and isinstance(perf, Bound)
    assert (perf.applies_to, perf.window, perf.require_champion, perf.label) == ("interval", "any", False, "auc")
    ops, problems = _parse(operational_slo, {"metric": "p99", "subject": "/score", "bound": {"max": 300}})
    assert not problems and isinstance(ops, Bound)
    assert (ops.applies_to, ops.low, ops.high, ops.label) == ("point", None, 300.0, "p99 (/score)")
    for module in (performance_threshold, operational_slo):
        spec, problems = _parse(module, {"metric": "x", "bound": {"min": 2, "max": 1}})
        assert spec is None and problems == ["min 2 is greater than max 1"]
        spec, problems = _parse(module, {"metric": "x", "bound": {}})
        assert spec is None and problems == ["give min, max or both"]
        spec, problems = _parse(module, {"metric": "x", "bound": {"max": 1}, "max_age": "soon"})
        assert spec is None and len(problems) == 1
    assert parse_bound({"metric": "x", "bound": {"max": 1}}, lambda *a, **k: None, Bound, applies_to="point")


@pytest.mark.parametrize(
    ("kind", "evidence", "metric"),
    [("performance_threshold", "performance", "auc"), ("operational_slo", "operational", "latency_p99_ms")],
)
def test_a_nan_measurement_never_passes_either_kind(kind: str, evidence: str, metric: str) -> None:
    for applies_to, value, low, high in (("point", NAN, None, None), ("interval", 0.8, NAN, NAN)):
        rule = policy(kind, f"  metric: {metric}\n  bound: {{min: 0.7}}\n  applies_to: {applies_to}\n")
        measured = stage(7, evidence, [{"name": metric, "value": value, "low": low, "high": high, "n": 100}])
        assert run_rule(rule, ctx(measured)).verdict is Verdict.NOT_EVALUATED
