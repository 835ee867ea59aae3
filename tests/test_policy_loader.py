"""Bad input never crashes and always names file, line and field: malformed YAML, unknown kind, invalid
CEL, unknown metric, schema violations; a rule that raises is verdict `error` and blocks in enforce mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.errors import ConfigError
from governance.gate.exitcode import BLOCKED, DEPLOYABLE, evaluation_exit_code
from governance.policy.context import EvaluationContext
from governance.policy.evaluator import evaluate_bundle, evaluate_policy
from governance.policy.lint import lint
from governance.policy.loader import PolicyLoadError, load_bundle, load_documents, parse_policy
from governance.policy.model import Verdict
from tests.helpers import gov

HEAD = """\
id: {id}
version: 1.0.0
title: t
owner: o
rationale: r
remediation: fix it
controls: [eu-ai-act:Art. 9]
mode: {mode}
severity: high
"""
CONDITION = HEAD + "kind: condition\nrule:\n  expression: {expr}\n"
BIAS = (
    HEAD
    + """\
kind: bias_threshold
rule:
  metric: {metric}
  sensitive: [sex]
  bound: {{max: 0.1}}
  applies_to: point
"""
)


def problems_of(text: str, name: str = "p.yaml") -> list[str]:
    _, _, problems = parse_policy(text, name)
    return [str(p) for p in problems]


def test_malformed_yaml_names_the_line() -> None:
    text = HEAD.format(id="x", mode="enforce") + "kind: condition\nrule:\n  expression: [unclosed\n"
    found = problems_of(text)
    assert len(found) == 1
    assert found == [
        "p.yaml:13: malformed YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts at line 12)"
    ]


def test_duplicate_key_is_an_error_not_a_silent_override() -> None:
    text = HEAD.format(id="x", mode="enforce") + "mode: audit\nkind: condition\nrule: {expression: 'true'}\n"
    assert problems_of(text) == ["p.yaml:10: malformed YAML: duplicate key 'mode' (first at line 8)"]


def test_unknown_kind_names_line_and_field() -> None:
    text = HEAD.format(id="x", mode="enforce") + "kind: magic\nrule: {}\n"
    found = problems_of(text)
    assert found[0].startswith("p.yaml:10: kind: unknown kind 'magic'; one of bias_threshold, approval")


def test_invalid_cel_names_the_line_inside_a_block_expression() -> None:
    text = (
        HEAD.format(id="x", mode="enforce")
        + "kind: condition\nrule:\n  expression: |\n    size(datasets) > 0\n    && (\n"
    )
    found = problems_of(text)
    assert len(found) == 1
    assert found[0].startswith("p.yaml:14: rule.expression: invalid CEL:"), found


def test_cel_with_an_unknown_variable_is_a_load_error() -> None:
    found = problems_of(CONDITION.format(id="x", mode="enforce", expr="'modle.name == \"x\"'"))
    assert found == [
        "p.yaml:12: rule.expression: invalid CEL: unknown variable(s) modle; the context has approvals, "
        "datasets, evaluated_at, fairness, model, schema, target, training_run, validation, version, "
        "waivers"
    ]


def test_comprehension_variables_are_not_context_variables() -> None:
    assert problems_of(CONDITION.format(id="x", mode="enforce", expr="'datasets.all(d, size(d.owners) > 0)'")) == []


def test_unknown_metric_names_line_field_and_suggests() -> None:
    found = problems_of(BIAS.format(id="x", mode="enforce", metric="demographic_parity_difference"))
    assert len(found) == 1
    assert found[0].startswith(
        "p.yaml:12: rule.metric: unknown metric 'demographic_parity_difference'; did you mean "
        "fairlearn.demographic_parity_difference"
    )


def test_schema_violations_are_reported_at_their_field() -> None:
    text = HEAD.format(id="Bad Id", mode="sometimes") + "kind: approval\nrule:\n  required: []\n  quorum: 2\n"
    found = problems_of(text)
    assert any(f.startswith("p.yaml:1: id: 'Bad Id' does not match") for f in found), found
    assert any(f.startswith("p.yaml:8: mode: 'sometimes' is not one of") for f in found), found
    assert any(f.startswith("p.yaml:12: rule.required: [] should be non-empty") for f in found), found
    assert any(f.startswith("p.yaml:11: rule: Additional properties are not allowed ('quorum'") for f in found), found


def test_a_bad_duration_is_reported() -> None:
    text = BIAS.format(id="x", mode="enforce", metric="fairlearn.demographic_parity_difference")
    text += "  max_age: 90 days\n"
    assert any(f.startswith("p.yaml:16: rule.max_age:") for f in problems_of(text))


def test_not_a_mapping() -> None:
    assert problems_of("- just\n- a list\n") == ["p.yaml:1: a policy file holds one mapping (id, kind, rule, ...)"]


def test_duplicate_ids_across_files() -> None:
    text = CONDITION.format(id="same", mode="enforce", expr="'true'")
    bundle, problems = load_documents({"a.yaml": text, "b.yaml": text}, "mem")
    assert bundle is None
    assert [str(p) for p in problems] == ["b.yaml:1: id: policy id 'same' is also defined in a.yaml"]


def test_load_bundle_raises_one_line_config_error_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(CONDITION.format(id="ok", mode="enforce", expr="'true'"))
    (tmp_path / "bad.yaml").write_text(BIAS.format(id="bad", mode="enforce", metric="nope"))
    (tmp_path / "bad2.yaml").write_text("id: [\n")
    with pytest.raises(PolicyLoadError) as caught:
        load_bundle(tmp_path)
    assert caught.value.exit_code == 3
    line = caught.value.one_line()
    assert line.startswith("bad.yaml:12: rule.metric: unknown metric 'nope'")
    assert "(+1 more problem(s))" in line and "gov policy lint" in line
    assert len(caught.value.problems) == 2


def test_missing_or_empty_policy_folder_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_bundle(tmp_path / "nope")
    (tmp_path / "only_test.yaml").write_text("cases: []\n")
    with pytest.raises(ConfigError, match="no policy files"):
        load_bundle(tmp_path)


def test_bundle_digest_ignores_formatting_but_not_meaning() -> None:
    text = CONDITION.format(id="p", mode="enforce", expr="'size(datasets) > 0'")
    reformatted = "# a comment\n" + text.replace("controls: [eu-ai-act:Art. 9]", "controls:\n  - 'eu-ai-act:Art. 9'")
    changed = text.replace("> 0", "> 1")

    def digest(text: str, name: str = "p.yaml") -> str:
        bundle, _ = load_documents({name: text}, "mem")
        assert bundle is not None
        return bundle.digest

    assert digest(text) == digest(reformatted)
    assert digest(text) != digest(changed)
    assert digest(text) == digest(text, "elsewhere/renamed.yaml")


@pytest.mark.parametrize(
    ("mode", "verdict", "code"), [("enforce", Verdict.ERROR, BLOCKED), ("audit", Verdict.ERROR, DEPLOYABLE)]
)
def test_a_policy_that_raises_is_error_and_blocks_in_enforce_mode(mode: str, verdict: Verdict, code: int) -> None:
    text = CONDITION.format(id="boom", mode=mode, expr="'1 / size(datasets) > 0'")
    bundle, problems = load_documents({"boom.yaml": text}, "mem")
    assert bundle is not None and not problems
    evaluation = evaluate_bundle(bundle, EvaluationContext.from_dict({}))
    (outcome,) = evaluation.outcomes
    assert outcome.verdict is verdict
    assert "the rule raised ZeroDivisionError" in outcome.message
    assert evaluation_exit_code(evaluation) == code


def test_a_kind_that_raises_a_python_exception_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    import governance.policy.kinds.lineage_requirement as kind

    def explode(*_: object) -> object:
        raise RuntimeError("bug in the rule")

    monkeypatch.setattr(kind, "evaluate", explode)
    text = HEAD.format(id="l", mode="enforce") + "kind: lineage_requirement\nrule: {training_run_known: true}\n"
    policy, _, _ = parse_policy(text, "l.yaml")
    assert policy is not None
    outcome = evaluate_policy(policy, EvaluationContext.from_dict({}))
    assert outcome.verdict is Verdict.ERROR and outcome.blocking
    assert outcome.message == "the rule raised RuntimeError: bug in the rule"


def test_lint_reports_every_problem_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BIAS.format(id="a", mode="enforce", metric="nope"))
    (tmp_path / "b.yaml").write_text(CONDITION.format(id="b", mode="enforce", expr="'('"))
    head = HEAD.format(id="c", mode="enforce").replace("eu-ai-act:Art. 9", "eu-ai-act:Art. 999")
    (tmp_path / "c.yaml").write_text(head + "kind: condition\nrule: {expression: 'true'}\n")
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "eu-ai-act.yaml").write_text(
        "framework: eu-ai-act\ntitle: AI Act\nsource: Regulation (EU) 2024/1689\n"
        "controls:\n  'Art. 9': Risk management system\n"
    )
    report = lint(tmp_path)
    assert [f"{p.file}:{p.line}" for p in report.errors] == ["a.yaml:12", "b.yaml:12"]
    result = gov("policy", "lint", str(tmp_path))
    assert result.exit_code == 1
    assert "error: a.yaml:12: rule.metric: unknown metric 'nope'" in result.stderr
    assert "error: b.yaml:12: rule.expression: invalid CEL" in result.stderr
    (tmp_path / "a.yaml").unlink()
    (tmp_path / "b.yaml").unlink()
    report = lint(tmp_path)
    assert [str(p) for p in report.errors] == [
        "c.yaml:7: controls[0]: eu-ai-act has no control 'Art. 999' (see "
        f"{(tmp_path / 'frameworks' / 'eu-ai-act.yaml').as_posix()})"
    ]
    assert report.warnings == ("policy c has no test case (*_test.yaml)",)
