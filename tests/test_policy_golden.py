"""Golden cases of every rule kind (tests/golden/policy/<kind>/<verdict>.<case>.yaml), one parametrised test.

The expected verdict is the file name's prefix, so a case cannot claim one verdict and test another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from governance.policy.context import EvaluationContext
from governance.policy.evaluator import evaluate_policy
from governance.policy.kinds import KINDS
from governance.policy.loader import parse_policy
from governance.policy.model import Mode, Verdict

GOLDEN = Path(__file__).parent / "golden" / "policy"
CASES = sorted(GOLDEN.glob("*/*.yaml"))
METADATA = {
    "id": "golden.case",
    "version": "1.0.0",
    "title": "golden case",
    "owner": "tests",
    "rationale": "tests",
    "remediation": "none",
    "controls": ["eu-ai-act:Art. 9"],
    "mode": "enforce",
    "severity": "high",
}


def load_case(path: Path) -> tuple[Verdict, dict[str, Any]]:
    verdict = Verdict(path.name.split(".", 1)[0])
    return verdict, yaml.safe_load(path.read_text())


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_golden_case(path: Path) -> None:
    expected, case = load_case(path)
    assert case["policy"]["kind"] == path.parent.name, "a case lives in the folder of its kind"
    policy, _, problems = parse_policy(yaml.safe_dump({**METADATA, **case["policy"]}), path.name)
    assert not problems, [str(p) for p in problems]
    assert policy is not None and policy.mode is Mode.ENFORCE
    outcome = evaluate_policy(policy, EvaluationContext.from_dict(case.get("context") or {}))
    assert outcome.verdict is expected, outcome.message
    assert outcome.rule_verdict is expected
    assert outcome.message.strip()
    if "message" in case:
        assert case["message"] in outcome.message
    # Fail-closed: in enforce mode exactly fail, inconclusive, not_evaluated and error block.
    assert outcome.blocking is (expected in (Verdict.FAIL, Verdict.INCONCLUSIVE, Verdict.NOT_EVALUATED, Verdict.ERROR))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_pass_fail_and_not_evaluated_cases(kind: str) -> None:
    verdicts = {load_case(p)[0] for p in GOLDEN.glob(f"{kind}/*.yaml")}
    assert {Verdict.PASS, Verdict.FAIL, Verdict.NOT_EVALUATED} <= verdicts


def test_evidence_references_point_into_the_context() -> None:
    _, case = load_case(GOLDEN / "approval" / "pass.two_roles_distinct_people.yaml")
    policy, _, _ = parse_policy(yaml.safe_dump({**METADATA, **case["policy"]}), "x.yaml")
    assert policy is not None
    outcome = evaluate_policy(policy, EvaluationContext.from_dict(case["context"]))
    kinds = {(e.kind, e.id) for e in outcome.evidence}
    assert {("approval", "1"), ("approval", "2"), ("model_version", "model@1")} <= kinds
    assert all(e.digest and e.digest.startswith("sha256:") for e in outcome.evidence)
