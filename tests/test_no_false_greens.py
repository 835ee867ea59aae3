"""Issue 13 items 1, 2, 6: every fairness evaluation is seen, uncovered failing evidence is a finding, and
nothing is elided. Pure policy-level cases over the default pack (no store)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from governance.policy.context import EvaluationContext
from governance.policy.evaluator import evaluate_bundle
from governance.policy.loader import load_bundle, load_documents
from governance.policy.model import Verdict, summarise

ROOT = Path(__file__).resolve().parents[1]


def _groups(rates: dict[str, tuple[int, float]]) -> list[dict[str, Any]]:
    return [{"name": n, "count": c, "included": True, "metrics": {"selection_rate": r}} for n, (c, r) in rates.items()]


def _ctx(*, fairness: list[dict[str, Any]], validation: list[dict[str, Any]] | None = None) -> EvaluationContext:
    return EvaluationContext.from_dict(
        {
            "evaluated_at": "2026-11-01T00:00:00Z",
            "target": "production",
            "model": {"name": "credit-risk", "owner": "team:credit", "risk_tier": "high"},
            "version": {"version": "3", "artifact_digest": "sha256:" + "a" * 64, "created_by": "alice"},
            "fairness": fairness,
            "validation": validation or [],
        }
    )


SEX = {
    "id": 1,
    "sensitive": ["sex"],
    "evaluated_at": "2026-10-25T00:00:00Z",
    "metrics": {
        "fairlearn.demographic_parity_difference": {"value": 0.04, "ci_low": 0.01, "ci_high": 0.07},
        "four_fifths.min_impact_ratio": {"value": 0.9},
    },
    "groups": _groups({"sex=female": (1400, 0.36), "sex=male": (1600, 0.40)}),
}
INTERSECTION = {
    "id": 2,
    "sensitive": ["sex", "age_band"],
    "evaluated_at": "2026-10-25T00:00:00Z",
    "metrics": {
        "fairlearn.demographic_parity_difference": {"value": 0.256, "ci_low": 0.205, "ci_high": 0.345},
        "four_fifths.min_impact_ratio": {"value": 0.648},
    },
    "groups": _groups({"sex=female, age_band=18-25": (400, 0.30), "sex=male, age_band=41-60": (500, 0.463)}),
}


def _outcomes(ctx: EvaluationContext, root: Path = ROOT / "policies" / "default") -> dict[str, Any]:
    ev = evaluate_bundle(load_bundle(root), ctx)
    return {"outcomes": {o.policy_id: o for o in ev.outcomes}, "findings": ev.findings, "blocked": ev.blocked}


def test_a_sex_policy_sees_the_intersection_and_names_evaluation_and_group() -> None:
    r = _outcomes(_ctx(fairness=[SEX, INTERSECTION]))
    ff = r["outcomes"]["fairness.four-fifths"]
    assert ff.rule_verdict is Verdict.FAIL and ff.verdict is Verdict.WARN  # audit mode: warns, never blocks
    assert "evaluation 2 (sex x age_band)" in ff.message
    assert "sex=female, age_band=18-25" in ff.message and "0.648" in ff.message
    assert "the point estimate 0.648 < 0.8" in ff.message
    assert {e.id for e in ff.evidence} == {"1", "2"}  # both evaluations were read


def test_the_worst_case_decides_even_when_the_sex_only_evaluation_passes(tmp_path: Path) -> None:
    text = (ROOT / "policies/default/fairness-demographic-parity.yaml").read_text()
    wide = text.replace("  exact_features: true", "  exact_features: false")
    assert wide != text
    bundle, problems = load_documents({"dp.yaml": wide}, str(tmp_path))
    assert bundle is not None, problems
    ev = evaluate_bundle(bundle, _ctx(fairness=[SEX, INTERSECTION]))
    (o,) = ev.outcomes
    assert o.verdict is Verdict.FAIL and o.blocking
    assert "evaluation 2 (sex x age_band)" in o.message and "upper end of the interval 0.345 > 0.1" in o.message


def test_an_explicitly_narrowed_policy_leaves_the_intersection_as_a_finding() -> None:
    r = _outcomes(_ctx(fairness=[SEX, INTERSECTION]))
    dp = r["outcomes"]["fairness.demographic-parity"]
    assert dp.verdict is Verdict.PASS and {e.id for e in dp.evidence} == {"1"}
    (finding,) = r["findings"]
    assert finding["evidence"] == "fairness_evaluation:2"
    assert finding["threshold"] == "<= 0.1" and finding["bound"] == "upper end of the interval"
    assert "exactly sex" in finding["reason"]
    # the demo story: no fairness policy blocks; a warning and a finding instead
    assert not any(o.blocking for pid, o in r["outcomes"].items() if pid.startswith("fairness."))


def test_the_default_screen_sees_an_evaluation_by_age_band_alone() -> None:
    age = {**INTERSECTION, "id": 3, "sensitive": ["age_band"]}
    age["metrics"] = {"four_fifths.min_impact_ratio": {"value": 0.7}}
    r = _outcomes(_ctx(fairness=[SEX, age]))
    ff = r["outcomes"]["fairness.four-fifths"]
    assert ff.verdict is Verdict.WARN and "evaluation 3 (age_band)" in ff.message
    assert r["findings"] == ()  # a verdict covers it: not also a finding


def test_star_stands_alone(tmp_path: Path) -> None:
    text = (ROOT / "policies/default/fairness-four-fifths.yaml").read_text()
    for bad in ('sensitive: ["*", sex]', 'sensitive: ["*"]\n  exact_features: true'):
        narrowed = text.replace('sensitive: ["*"]', bad)
        assert narrowed != text
        bundle, problems = load_documents({"ff.yaml": narrowed}, str(tmp_path))
        assert bundle is None and any("stands alone" in str(p) for p in problems)


def test_a_four_fifths_failure_no_policy_selects_is_a_finding(tmp_path: Path) -> None:
    text = (ROOT / "policies/default/fairness-four-fifths.yaml").read_text()
    narrowed = text.replace('sensitive: ["*"]', "sensitive: [sex]")
    assert narrowed != text
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "ff.yaml").write_text(narrowed)
    age = {**INTERSECTION, "id": 3, "sensitive": ["age_band"]}
    age["metrics"] = {"four_fifths.min_impact_ratio": {"value": 0.7}}
    r = _outcomes(_ctx(fairness=[SEX, age]), pack)
    (finding,) = r["findings"]
    assert finding["evidence"] == "fairness_evaluation:3" and finding["source"] == "fairness.four-fifths"
    assert "0.7" in finding["message"] and ">= 0.8" in finding["message"]


def test_without_failing_evidence_there_is_no_finding() -> None:
    assert _outcomes(_ctx(fairness=[SEX]))["findings"] == ()


def test_a_failed_validation_result_no_policy_reads_is_a_finding() -> None:
    item = {"stage": "operational", "name": "latency_p99", "source": "run:abc", "success": False, "value": 412.0}
    r = _outcomes(_ctx(fairness=[SEX], validation=[item]))
    found = [f for f in r["findings"] if f["kind"] == "validation"]
    covered = any(e.kind == "validation" and e.id == "run:abc" for o in r["outcomes"].values() for e in o.evidence)
    assert (not found) == covered  # either a verdict read it, or it is a finding: never silent
    if found:
        assert "latency_p99" in found[0]["message"] and "412" in found[0]["message"]


def test_summarise_elides_nothing() -> None:
    verdict, message, _ = summarise(
        [(Verdict.FAIL, "auc = 0.74 < 0.8"), (Verdict.FAIL, "latency 412 > 200"), (Verdict.NOT_EVALUATED, "no drift")],
        "ok",
    )
    assert verdict is Verdict.FAIL
    assert "more)" not in message
    assert "latency 412 > 200" in message and "not_evaluated: no drift" in message


def test_findings_reach_every_check_output_and_survive_a_round_trip() -> None:
    from governance.gate.render import outputter
    from governance.gate.report import CheckReport

    ctx = _ctx(fairness=[SEX, INTERSECTION])
    bundle = load_bundle(ROOT / "policies" / "default")
    ev = evaluate_bundle(bundle, ctx)
    report = CheckReport(
        decision_id="d" * 36,
        model="credit-risk",
        version="3",
        target="production",
        artifact_digest=ctx.version.artifact_digest,
        evaluated_at=datetime(2026, 11, 1, tzinfo=UTC),
        exit_code=0,
        outcomes=ev.outcomes,
        out_of_scope=ev.out_of_scope,
        bundle_digest=bundle.digest,
        policy_root=bundle.root,
        tool_version="test",
        requested_by="ci",
        findings=ev.findings,
    )
    assert CheckReport.from_dict(report.to_dict()).findings == report.findings
    for fmt in ("text", "json", "sarif", "junit"):
        out = outputter(fmt).render(report)
        assert "fairness_evaluation:2" in out, fmt
    text = outputter("text").render(report)
    assert "FINDING" in text and "rationale:" in text and "remediation:" in text


def test_favorable_meaning_must_be_a_short_phrase() -> None:
    from governance.errors import InputError
    from governance.evidence.fairness import _meaning

    assert _meaning("  loan   approved ") == "loan approved"
    assert _meaning(None) is None
    with pytest.raises(InputError):
        _meaning("   ")
    with pytest.raises(InputError):
        _meaning("x" * 201)
