"""Hypothesis fuzzing of the policy loader and of CEL conditions: problems are reported, never raised;
a condition that misbehaves at run time is verdict `error`, never a crash of the gate."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.policy.cel import CelSyntaxError, compile_expression
from governance.policy.context import EvaluationContext
from governance.policy.evaluator import evaluate_bundle
from governance.policy.loader import load_documents
from governance.policy.model import Verdict
from tests.helpers import REPO

# Bounded for the test run; GOV_FUZZ_EXAMPLES=5000 for a longer hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("GOV_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
POLICIES = sorted(p for p in (REPO / "policies" / "default").glob("*.yaml") if not p.name.endswith("_test.yaml"))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)

CEL_TOKENS = [
    "model",
    "version",
    "target",
    "datasets",
    "approvals",
    "unknown_var",
    ".",
    "size(",
    "has(",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "&&",
    "||",
    "!",
    "==",
    "<",
    "+",
    "/",
    "?",
    "in",
    "true",
    "null",
    "0",
    "'a'",
    '"\\u0000"',
    "b'x'",
    "\n",
]
_ATOMS = [
    "model.name",
    "model.owner",
    "model.tags.intended_use",
    "model.tags.n",
    "model.tags.missing",
    "version.version",
    "version.created_at",
    "target",
    "approvals",
    "datasets",
    "training_run.authors",
    "evaluated_at",
    "fairness",
    "waivers",
    "x",
    "0",
    "1",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615u",
    "1.5",
    "1e308",
    "0.0",
    "'a'",
    "''",
    "'2026-01-01T00:00:00Z'",
    "'P1D'",
    "'1s'",
    "'(('",
    "'\\u0000'",
    "b'x'",
    "true",
    "false",
    "null",
    "[]",
    "[1, 'a', null]",
    "{'k': 1}",
    "{}",
]
_BINARY = ["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "&&", "||", "in"]


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(children, children)
    return st.one_of(
        st.tuples(children, st.sampled_from(_BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda e: f"!{e}"),
        children.map(lambda e: f"-{e}"),
        st.tuples(
            st.sampled_from(
                ["size", "string", "int", "uint", "double", "timestamp", "duration", "type", "bytes", "dyn"]
            ),
            children,
        ).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["exists", "all", "exists_one", "map", "filter"]), children).map(
            lambda t: f"{t[0]}.{t[1]}(x, {t[2]})"
        ),
        pair.map(lambda t: f"{t[0]}.matches({t[1]})"),
        pair.map(lambda t: f"{t[0]}.startsWith({t[1]})"),
        pair.map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.sampled_from(["has(model.tags.intended_use)", "has(model.tags.nope)", "has(training_run.facets)"]),
    )


cel_sources = st.one_of(
    st.recursive(st.sampled_from(_ATOMS), _grow, max_leaves=8),
    st.lists(st.sampled_from(CEL_TOKENS), min_size=1, max_size=14).map(" ".join),
    st.text(max_size=60),
)


def _context() -> EvaluationContext:
    base = yaml.safe_load((REPO / "policies" / "default" / "approval-two-person_test.yaml").read_text())["base"]
    data = json.loads(json.dumps(base, default=str))
    data.setdefault("model", {})["tags"] = {"intended_use": "credit", "n": 3}
    return EvaluationContext.from_dict(data)


CONTEXT = _context()


def _condition(expression: str) -> str:
    return yaml.safe_dump(
        {
            "id": "fuzz.condition",
            "version": "1.0.0",
            "title": "fuzz",
            "owner": "team:fuzz",
            "rationale": "r",
            "remediation": "r",
            "controls": ["eu-ai-act:Art. 9"],
            "mode": "enforce",
            "severity": "low",
            "kind": "condition",
            "rule": {"expression": expression},
        }
    )


@FUZZ
@given(source=cel_sources)
def test_cel_compiles_or_reports_a_syntax_error(source: str) -> None:
    try:
        compile_expression(source)
    except CelSyntaxError as exc:
        assert str(exc) and exc.line >= 0  # CEL reports some errors at <input>:0:0


@FUZZ
@given(source=cel_sources)
def test_a_condition_policy_loads_with_problems_or_evaluates_to_a_verdict(source: str) -> None:
    bundle, problems = load_documents({"fuzz.yaml": _condition(source)}, "fuzz")
    if bundle is None:
        assert problems and all(p.file == "fuzz.yaml" and p.line >= 1 and p.message for p in problems)
        return
    outcome = evaluate_bundle(bundle, CONTEXT).outcomes[0]
    assert outcome.verdict in set(Verdict)
    assert outcome.blocking == (outcome.verdict not in (Verdict.PASS, Verdict.WAIVED))


@FUZZ
@given(text=st.text(max_size=400))
def test_any_text_is_a_policy_or_a_list_of_problems(text: str) -> None:
    bundle, problems = load_documents({"any.yaml": text}, "fuzz")
    assert (bundle is None) == bool(problems)
    assert all(p.line >= 1 and p.message for p in problems)


def _mutate(data: Any, path: list[Any], value: Any, delete: bool) -> Any:
    """`data` with the node at `path` (as far as it exists) replaced by `value` or deleted."""
    if not path or not isinstance(data, dict | list) or not data:
        return value
    key = path[0] % len(data) if isinstance(data, list) else sorted(data, key=str)[path[0] % len(data)]
    copy = list(data) if isinstance(data, list) else dict(data)
    if delete and len(path) == 1:
        del copy[key]
    else:
        copy[key] = _mutate(data[key], path[1:], value, delete)
    return copy


@FUZZ
@given(
    which=st.integers(min_value=0),
    path=st.lists(st.integers(min_value=0, max_value=50), max_size=5),
    value=json_values,
    delete=st.booleans(),
)
def test_mutated_shipped_policies_load_or_report(which: int, path: list[int], value: Any, delete: bool) -> None:
    original = yaml.safe_load(POLICIES[which % len(POLICIES)].read_text())
    mutated = _mutate(original, path, value, delete)
    try:
        text = yaml.safe_dump(mutated, allow_unicode=True)
    except (yaml.YAMLError, ValueError):
        return  # not representable as YAML: nothing to load
    bundle, problems = load_documents({"mutated.yaml": text}, "fuzz")
    assert (bundle is None) == bool(problems)
    if bundle is not None:
        evaluate_bundle(bundle, CONTEXT)


def test_shipped_policies_are_the_fuzz_seeds() -> None:
    assert len(POLICIES) >= 5
    bundle, problems = load_documents({p.name: p.read_text() for p in POLICIES}, str(Path("policies/default")))
    assert bundle is not None and not problems
