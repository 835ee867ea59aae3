"""The control crosswalk is per model version and follows the rule (governance/reports/crosswalk.py):
FAIL when any mapping failed, PASS only when every full mapping passed with evidence, PARTIAL when only
partial support passed, NOT EVALUATED when nothing ran; coverage counts against the complete lists."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from governance.policy.frameworks import Framework, load_frameworks
from governance.policy.loader import load_bundle
from governance.reports.crosswalk import build_crosswalk
from governance.reports.model import DecisionView, Evidence, VerdictRow
from tests.conftest_policy import DEFAULT_POLICIES

FW = Framework(
    "fw",
    "A framework",
    "https://example.org/fw",
    {"C1": "First", "C2": "Second", "C3": "Third", "C4": "Fourth"},
    "fw.yaml",
    document="The Framework",
    unit="clauses",
    parts={"C1(a)": ("C1", "First, point a")},
)
EVIDENCE = (Evidence("fairness_evaluation", "7", "sha256:" + "0" * 64, None),)


def verdict(policy_id: str, value: str, evidence: tuple[Evidence, ...] = EVIDENCE) -> VerdictRow:
    return VerdictRow(
        policy_id, "1", policy_id, "condition", "enforce", "high", value, value, False, "", (), evidence, (), None
    )


def decision(target: str, *verdicts: VerdictRow, out_of_scope: tuple[str, ...] = ()) -> DecisionView:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return DecisionView("d", target, at, True, 0, "ci", "b", "c", "", verdicts, out_of_scope, {})


def version(name: str, *decisions: DecisionView) -> Any:
    return SimpleNamespace(model="m", version=name, anchor=f"m-{name}", decisions=decisions)


def status_of(mappings: list[tuple[str, tuple[Any, ...]]], *decisions: DecisionView, control: str = "C1") -> str:
    (vc,), _ = build_crosswalk(mappings, [FW], [version("1", *decisions)])
    (row,) = [r for r in vc.rows if r.control == control]
    return row.status


FULL_AND_PARTIAL = [("a", (("fw:C1", "full"),)), ("b", (("fw:C1", "partial"),))]


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ((verdict("a", "pass"), verdict("b", "pass")), "pass"),
        # a partial mapping that did not run does not hold back a control every full mapping passed
        ((verdict("a", "pass"), verdict("b", "not_evaluated")), "pass"),
        # the full mapping did not pass with evidence: the partial one alone supports it
        ((verdict("a", "not_evaluated"), verdict("b", "pass")), "partial"),
        ((verdict("a", "pass", evidence=()), verdict("b", "pass")), "partial"),
        ((verdict("a", "pass", evidence=()),), "not_evaluated"),
        ((verdict("a", "error"), verdict("b", "not_evaluated")), "not_evaluated"),
        # any failure fails the control: an audit-mode warning, a failure under a waiver, a partial mapping
        ((verdict("a", "pass"), verdict("b", "warn")), "fail"),
        ((verdict("a", "waived"), verdict("b", "pass")), "fail"),
        ((verdict("a", "pass"), verdict("b", "fail")), "fail"),
        ((), "not_evaluated"),
    ],
)
def test_status_follows_the_rule(verdicts: tuple[VerdictRow, ...], expected: str) -> None:
    assert status_of(FULL_AND_PARTIAL, decision("production", *verdicts)) == expected


def test_only_partial_mappings_never_pass() -> None:
    mappings = [("b", (("fw:C2", "partial"),)), ("c", ("fw:C2",))]  # unstated strength reads as partial
    assert status_of(mappings, decision("production", verdict("b", "pass"), verdict("c", "pass")), control="C2") == (
        "partial"
    )


def test_a_part_counts_for_its_control_as_partial() -> None:
    mappings = [("a", (("fw:C1(a)", "full"),))]
    (vc,), coverage = build_crosswalk(mappings, [FW], [version("1", decision("production", verdict("a", "pass")))])
    (row,) = vc.rows
    assert (row.control, row.status, row.mappings[0].strength, row.mappings[0].via) == (
        "C1",
        "partial",
        "partial",
        "C1(a)",
    )
    assert (coverage[0].covered, coverage[0].full, coverage[0].total) == (1, 0, 4)


def test_not_in_scope_and_no_decision_are_not_evaluated_and_targets_combine() -> None:
    assert status_of(FULL_AND_PARTIAL, decision("production", out_of_scope=("a", "b"))) == "not_evaluated"
    # out of scope for staging, passed for production: the production verdict is what supports it
    staging = decision("staging", out_of_scope=("a", "b"))
    production = decision("production", verdict("a", "pass"), verdict("b", "pass"))
    assert status_of(FULL_AND_PARTIAL, staging, production) == "pass"
    # failed for one target: failed
    assert status_of(FULL_AND_PARTIAL, decision("staging", verdict("a", "fail")), production) == "fail"


def test_statuses_are_per_model_version() -> None:
    good = version("1", decision("production", verdict("a", "pass"), verdict("b", "pass")))
    bad = version("2", decision("production", verdict("a", "pass"), verdict("b", "warn")))
    none = version("3")
    crosswalk, _ = build_crosswalk(FULL_AND_PARTIAL, [FW], [good, bad, none])
    assert [(vc.version, [r.status for r in vc.rows]) for vc in crosswalk] == [
        ("1", ["pass"]),
        ("2", ["fail"]),
        ("3", ["not_evaluated"]),
    ]
    assert crosswalk[1].rows[0].reason == "b warn"
    (result,) = crosswalk[0].frameworks
    assert (result.passed, result.failed, result.total) == (1, 0, 4)
    assert result.text.startswith("1 of 4 clauses of The Framework pass;")


def test_coverage_counts_against_the_complete_lists() -> None:
    frameworks, problems = load_frameworks(DEFAULT_POLICIES.parent / "frameworks")
    assert problems == []
    bundle = load_bundle(DEFAULT_POLICIES)
    policies = [(p.id, tuple((c, p.control_strength(i)) for i, c in enumerate(p.controls))) for p in bundle.policies]
    _, coverage = build_crosswalk(policies, list(frameworks.values()), [])
    by_id = {c.framework: c for c in coverage}
    assert {k: c.total for k, c in by_id.items()} == {
        "eu-ai-act": 113,
        "iso-42001": 38,
        "nist-ai-rmf": 72,
        "sr-11-7": 15,
    }
    eu = by_id["eu-ai-act"]
    assert eu.text.startswith(f"{eu.covered} of 113 articles of Regulation (EU) 2024/1689 mapped by a policy")
    assert len(eu.uncovered) == 113 - eu.covered and "Art. 5" in eu.uncovered
    assert by_id["nist-ai-rmf"].text.startswith(
        f"{by_id['nist-ai-rmf'].covered} of 72 subcategories of NIST AI RMF 1.0"
    )
    # a tag check is not technical documentation; training recency is not monitoring
    intended_use, recency = bundle.get("condition.intended-use"), bundle.get("condition.training-recency")
    assert intended_use is not None and recency is not None
    assert not set(intended_use.controls) & {"eu-ai-act:Art. 11", "iso-42001:A.6.2.7"}
    assert not set(recency.controls) & {
        "eu-ai-act:Art. 72",
        "sr-11-7:V.2",
        "nist-ai-rmf:MANAGE 4.1",
        "nist-ai-rmf:MEASURE 2.4",
    }
