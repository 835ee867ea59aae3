"""Issue 14, rule kinds over validation-stage evidence: performance_threshold, drift_threshold, ab_test,
operational_slo. Each: pass, fail, inconclusive (interval straddling), not_evaluated (missing), untrusted
submitter, stale, and the after-deployment window; plus the context's JSON round-trip and the blocking
of inconclusive in enforce mode."""

from __future__ import annotations

from typing import Any

import pytest

from governance.gate.exitcode import BLOCKED, DEPLOYABLE, exit_code
from governance.policy.context import EvaluationContext
from governance.policy.evaluator import evaluate_policy, run_rule
from governance.policy.loader import parse_policy
from governance.policy.model import Mode, Policy, Verdict, blocks

NOW = "2026-11-01T00:00:00Z"
TRUSTED = "cli:validator"


def policy(kind: str, rule: str, mode: str = "enforce", extra: str = "") -> Policy:
    text = (
        f"id: t.{kind}\nversion: 1.0.0\ntitle: t\nowner: team:t\nrationale: r\nremediation: r\n"
        f'controls: ["nist-ai-rmf:MEASURE 2.3"]\nmode: {mode}\nseverity: high\nkind: {kind}\n{extra}rule:\n{rule}'
    )
    p, _, problems = parse_policy(text, "t.yaml")
    assert not problems, problems
    assert p is not None
    return p


def stage(ident: int, kind: str, measurements: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "kind": kind,
        "stage": {"drift": "data", "operational": "operational"}.get(kind, "performance"),
        "evaluated_at": "2026-10-20T00:00:00Z",
        "submitted_by": TRUSTED,
        "row_count": 1000,
        "measurements": measurements,
        **kw,
    }


def ctx(*stages: dict[str, Any], **kw: Any) -> EvaluationContext:
    return EvaluationContext.from_dict(
        {
            "evaluated_at": NOW,
            "target": "production",
            "model": {"name": "m"},
            "version": {"version": "1", "artifact_digest": "sha256:" + "a" * 64},
            "stages": list(stages),
            **kw,
        }
    )


AUC = policy("performance_threshold", "  metric: auc\n  bound: {min: 0.7}\n  applies_to: interval\n  max_age: P30D\n")


def perf(value: float, low: float, high: float, n: int = 1000, **kw: Any) -> dict[str, Any]:
    return stage(7, "performance", [{"name": "auc", "value": value, "low": low, "high": high, "n": n}], **kw)


def test_performance_interval_above_passes_and_names_everything() -> None:
    r = run_rule(AUC, ctx(perf(0.8, 0.76, 0.84)))
    assert r.verdict is Verdict.PASS
    assert "auc = 0.8 [0.76, 0.84] in performance evidence 7" in r.message
    assert r.evidence[0].kind == "stage_evidence" and r.evidence[0].id == "7"


def test_performance_interval_below_fails_on_the_upper_end() -> None:
    r = run_rule(AUC, ctx(perf(0.6, 0.55, 0.65)))
    assert r.verdict is Verdict.FAIL
    assert "upper end of the interval 0.65 < 0.7" in r.message


def test_performance_straddling_is_inconclusive_with_the_deciding_sample_size() -> None:
    r = run_rule(AUC, ctx(perf(0.72, 0.66, 0.78, n=400)))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert "[0.66, 0.78] straddles the threshold 0.7" in r.message
    assert "lower end 0.66 < 0.7" in r.message
    # 400 * ((0.78 - 0.66) / (2 * 0.02))^2 = 3600
    assert "about 3,600 rows would decide it" in r.message and "estimate" in r.message


def test_point_bound_ignores_the_interval() -> None:
    point = policy("performance_threshold", "  metric: auc\n  bound: {min: 0.7}\n  applies_to: point\n")
    assert run_rule(point, ctx(perf(0.72, 0.66, 0.78))).verdict is Verdict.PASS
    assert run_rule(point, ctx(perf(0.69, 0.66, 0.72))).verdict is Verdict.FAIL


def test_missing_metric_or_evidence_is_not_evaluated() -> None:
    assert run_rule(AUC, ctx()).verdict is Verdict.NOT_EVALUATED
    other = stage(8, "performance", [{"name": "f1", "value": 0.8}])
    r = run_rule(AUC, ctx(other))
    assert r.verdict is Verdict.NOT_EVALUATED and "did not measure auc" in r.message
    no_ci = stage(9, "performance", [{"name": "auc", "value": 0.9}])
    assert run_rule(AUC, ctx(no_ci)).verdict is Verdict.NOT_EVALUATED


def test_untrusted_or_unrecorded_submitter_is_not_counted() -> None:
    for who in ("token:viewer:mallory", None):
        r = run_rule(AUC, ctx(perf(0.9, 0.88, 0.92, submitted_by=who)))
        assert r.verdict is Verdict.NOT_EVALUATED
        assert "not counted: performance evidence 7" in r.message and "untrusted submitter" in r.message
    mixed = ctx(perf(0.9, 0.88, 0.92, submitted_by="token:viewer:mallory"), {**perf(0.6, 0.55, 0.65), "id": 3})
    r = run_rule(AUC, mixed)
    assert r.verdict is Verdict.FAIL  # the trusted bad evidence decides; the untrusted good one is named
    assert any("not counted" in d for d in r.details)


def test_stale_evidence_is_not_evaluated() -> None:
    r = run_rule(AUC, ctx(perf(0.9, 0.88, 0.92, evaluated_at="2026-09-01T00:00:00Z")))
    assert r.verdict is Verdict.NOT_EVALUATED and "older than" in r.message


def test_latest_evidence_decides() -> None:
    old = {**perf(0.6, 0.55, 0.65), "id": 1, "evaluated_at": "2026-10-01T00:00:00Z"}
    new = {**perf(0.8, 0.76, 0.84), "id": 2, "evaluated_at": "2026-10-25T00:00:00Z"}
    assert run_rule(AUC, ctx(new, old)).verdict is Verdict.PASS


DELTA = policy("performance_threshold", "  metric: auc.delta\n  bound: {min: -0.01}\n")


def test_champion_delta_from_a_measurement_or_the_detail() -> None:
    as_measurement = stage(
        4,
        "performance",
        [{"name": "auc", "value": 0.8}, {"name": "auc.delta", "value": -0.03, "low": -0.05, "high": -0.02}],
    )
    r = run_rule(DELTA, ctx(as_measurement))
    assert r.verdict is Verdict.FAIL and "auc.delta = -0.03 [-0.05, -0.02]" in r.message
    in_detail = stage(
        5,
        "performance",
        [{"name": "auc", "value": 0.8, "detail": {"delta": 0.0, "delta_low": -0.02, "delta_high": 0.02}}],
    )
    assert run_rule(DELTA, ctx(in_detail)).verdict is Verdict.INCONCLUSIVE
    no_champion = stage(6, "performance", [{"name": "auc", "value": 0.8}])
    r = run_rule(DELTA, ctx(no_champion))
    assert r.verdict is Verdict.PASS and "not compared against a champion" in r.message
    strict = policy("performance_threshold", "  metric: auc.delta\n  bound: {min: -0.01}\n  require_champion: true\n")
    assert run_rule(strict, ctx(no_champion)).verdict is Verdict.NOT_EVALUATED


SHARE = policy("drift_threshold", "  max_share: 0.3\n")
MONITOR = policy("drift_threshold", "  max_share: 0.3\n  window: after_deployment\n  max_age: P30D\n")
PSI = policy("drift_threshold", "  metric: psi\n  bound: {max: 0.2}\n")


def drift(share: float, **kw: Any) -> dict[str, Any]:
    ms = [{"name": "psi", "value": 0.05, "subject": "income"}, {"name": "psi", "value": 0.3, "subject": "age"}]
    return stage(11, "drift", ms, summary={"share_drifted": share, "drift_share": 0.5}, **kw)


def test_drift_share_pass_fail() -> None:
    assert run_rule(SHARE, ctx(drift(0.1))).verdict is Verdict.PASS
    r = run_rule(SHARE, ctx(drift(0.5)))
    assert r.verdict is Verdict.FAIL and "share of drifting features = 0.5" in r.message and "0.3" in r.message
    assert run_rule(SHARE, ctx()).verdict is Verdict.NOT_EVALUATED


def test_drift_share_counted_from_feature_flags_and_per_feature_bound() -> None:
    flagged = stage(
        12,
        "drift",
        [
            {"name": "psi", "value": 0.3, "subject": "a", "detail": {"drifted": True}},
            {"name": "psi", "value": 0.01, "subject": "b", "detail": {"drifted": False}},
        ],
    )
    assert run_rule(SHARE, ctx(flagged)).verdict is Verdict.FAIL  # 1 of 2 = 0.5
    r = run_rule(PSI, ctx(drift(0.1)))
    assert r.verdict is Verdict.FAIL and "psi (age) = 0.3" in r.message


def test_monitoring_counts_only_windows_after_deployment() -> None:
    entered = "2026-10-01T00:00:00Z"
    after = drift(0.1, window_start="2026-10-02T00:00:00Z", window_end="2026-10-30T00:00:00Z", entered_target=entered)
    before = drift(0.1, window_start="2026-09-01T00:00:00Z", window_end="2026-09-30T00:00:00Z", entered_target=entered)
    assert run_rule(MONITOR, ctx(after)).verdict is Verdict.PASS
    r = run_rule(MONITOR, ctx(before))
    assert r.verdict is Verdict.NOT_EVALUATED and "window after deployment" in r.message
    assert "do not count" in r.message
    not_deployed = drift(0.1, window_start="2026-10-02T00:00:00Z")
    r = run_rule(MONITOR, ctx(not_deployed))
    assert r.verdict is Verdict.NOT_EVALUATED and "has not entered production" in r.message
    no_window = drift(0.1, entered_target=entered)
    assert run_rule(MONITOR, ctx(no_window)).verdict is Verdict.NOT_EVALUATED


AB = policy("ab_test", "  accept: [win]\n  min_power: 0.8\n")
AB_LENIENT = policy("ab_test", "  accept: [win, inconclusive]\n")


def ab(verdict: str, srm: Any = True, power: float = 0.9, low: float = 0.01) -> dict[str, Any]:
    summary = {"verdict": verdict, "srm": {"passed": srm, "p_value": 0.3} if srm is not None else None, "power": power}
    return stage(21, "abtest", [{"name": "lift", "value": 0.02, "low": low, "high": 0.03}], summary=summary)


def test_ab_test_verdicts() -> None:
    assert run_rule(AB, ctx(ab("win"))).verdict is Verdict.PASS
    assert run_rule(AB, ctx(ab("lose"))).verdict is Verdict.FAIL
    r = run_rule(AB, ctx(ab("inconclusive")))
    assert r.verdict is Verdict.INCONCLUSIVE and "inconclusive" in r.message
    assert run_rule(AB_LENIENT, ctx(ab("inconclusive"))).verdict is Verdict.PASS
    r = run_rule(AB, ctx(ab("win", srm=False)))
    assert r.verdict is Verdict.FAIL and "sample-ratio-mismatch check failed" in r.message
    assert run_rule(AB, ctx(ab("win", srm=None))).verdict is Verdict.NOT_EVALUATED
    r = run_rule(AB, ctx(ab("win", power=0.5)))
    assert r.verdict is Verdict.INCONCLUSIVE and "power 0.5 < 0.8" in r.message
    assert run_rule(AB, ctx(ab("win", low=-0.01))).verdict is Verdict.INCONCLUSIVE
    assert run_rule(AB, ctx()).verdict is Verdict.NOT_EVALUATED


P99 = policy("operational_slo", "  metric: latency_p99_ms\n  bound: {max: 300}\n  applies_to: interval\n")
ERR = policy("operational_slo", "  metric: error_rate\n  bound: {max: 0.01}\n")


def ops(p99: float, low: float, high: float, err: float = 0.001, subject: str | None = None) -> dict[str, Any]:
    return stage(
        31,
        "operational",
        [
            {"name": "latency_p99_ms", "value": p99, "low": low, "high": high, "n": 2000, "subject": subject},
            {"name": "error_rate", "value": err, "subject": subject},
        ],
    )


def test_operational_slo() -> None:
    assert run_rule(P99, ctx(ops(250, 240, 260))).verdict is Verdict.PASS
    assert run_rule(P99, ctx(ops(350, 330, 370))).verdict is Verdict.FAIL
    r = run_rule(P99, ctx(ops(290, 270, 320)))
    assert r.verdict is Verdict.INCONCLUSIVE and "straddles the threshold 300" in r.message
    assert "upper end 320 > 300" in r.message
    assert run_rule(ERR, ctx(ops(250, 240, 260, err=0.05))).verdict is Verdict.FAIL
    per_endpoint = ctx(ops(250, 240, 260, err=0.05, subject="/score"))
    r = run_rule(ERR, per_endpoint)
    assert r.verdict is Verdict.FAIL and "error_rate (/score)" in r.message
    assert run_rule(ERR, ctx()).verdict is Verdict.NOT_EVALUATED


def test_inconclusive_blocks_in_enforce_mode_only() -> None:
    assert blocks(Mode.ENFORCE, Verdict.INCONCLUSIVE) and not blocks(Mode.AUDIT, Verdict.INCONCLUSIVE)
    assert exit_code([(Mode.ENFORCE, Verdict.INCONCLUSIVE)]) == BLOCKED
    assert exit_code([(Mode.AUDIT, Verdict.INCONCLUSIVE)]) == DEPLOYABLE
    out = evaluate_policy(AUC, ctx(perf(0.72, 0.66, 0.78)))
    assert out.verdict is Verdict.INCONCLUSIVE and out.blocking
    audit = policy("performance_threshold", "  metric: auc\n  bound: {min: 0.7}\n", mode="audit")
    out = evaluate_policy(audit, ctx(perf(0.72, 0.66, 0.78)))
    assert out.verdict is Verdict.INCONCLUSIVE and not out.blocking


def test_context_round_trips_stage_evidence() -> None:
    c = ctx(
        drift(0.1, window_start="2026-10-02T00:00:00Z", window_end="2026-10-30T00:00:00Z",
              entered_target="2026-10-01T00:00:00Z", confidence=0.95),
        ab("win"),
    )  # fmt: skip
    again = EvaluationContext.from_dict(c.to_dict())
    assert again == c
    assert again.to_dict() == c.to_dict()
    assert again.stages[0].entered_target is not None
    assert "stages" not in ctx().to_dict()  # contexts without stage evidence keep their old digest


@pytest.mark.parametrize(
    ("kind", "rule", "message"),
    [
        ("performance_threshold", "  metric: auc\n  bound: {min: 0.9, max: 0.1}\n", "greater than max"),
        ("drift_threshold", "  window: after_deployment\n", "give max_share"),
        ("drift_threshold", "  metric: psi\n", "needs a bound"),
        ("ab_test", "  accept: [inconclusive]\n", "must include win"),
    ],
)
def test_bad_rules_are_reported(kind: str, rule: str, message: str) -> None:
    text = (
        f"id: t.x\nversion: 1.0.0\ntitle: t\nowner: t\nrationale: r\nremediation: r\n"
        f'controls: ["nist-ai-rmf:MEASURE 2.3"]\nmode: enforce\nseverity: high\nkind: {kind}\nrule:\n{rule}'
    )
    p, _, problems = parse_policy(text, "t.yaml")
    assert p is None and any(message in pr.message for pr in problems), problems
