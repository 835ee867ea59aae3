"""Policy tests (`gov policy test DIR`): `*_test.yaml` files of cases, each an input context and the
verdicts it must produce, in the spirit of `opa test`.

    policy_tests: 1
    base: {...}                      # optional context shared by every case
    cases:
      - name: unapproved_version_denied
        input: {...}                 # canonical context (docs/policies.md), deep-merged over base
        expect:
          approval.two-person: fail  # a verdict, or out_of_scope
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.policy.loader import TEST_SUFFIX, PolicyBundle, Problem
from governance.policy.model import Verdict
from governance.policy.yamldoc import YamlProblem, load_yaml

OUT_OF_SCOPE = "out_of_scope"
EXPECTABLE = frozenset({v.value for v in Verdict} | {OUT_OF_SCOPE})


@dataclass(frozen=True)
class CaseResult:
    file: str
    line: int
    name: str
    passed: bool
    failures: tuple[str, ...]  # "policy: expected fail, got pass (message)"


@dataclass(frozen=True)
class PolicyTestRun:
    results: tuple[CaseResult, ...]
    problems: tuple[Problem, ...]  # malformed test files: nothing in them ran
    untested: tuple[str, ...]  # policies no case names

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.passed for r in self.results)


def find_test_files(root: Path) -> list[Path]:
    """Every `*_test.yaml` under `root`, sorted."""
    return sorted(p for p in root.rglob(f"*{TEST_SUFFIX}") if p.is_file())


def merge(base: Any, override: Any) -> Any:
    """Deep merge of mappings; lists and scalars in `override` replace."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base.get(key), value) if key in base else value
        return out
    return override


def run_tests(root: Path, bundle: PolicyBundle) -> PolicyTestRun:
    """Run every case of every test file under `root` against `bundle`."""
    results: list[CaseResult] = []
    problems: list[Problem] = []
    named: set[str] = set()
    for path in find_test_files(root):
        rel = path.relative_to(root).as_posix()
        file_results, file_problems, file_named = _run_file(path.read_text(encoding="utf-8"), rel, bundle)
        results += file_results
        problems += file_problems
        named |= file_named
    untested = tuple(sorted(p.id for p in bundle.policies if p.id not in named))
    return PolicyTestRun(tuple(results), tuple(problems), untested)


def _run_file(text: str, rel: str, bundle: PolicyBundle) -> tuple[list[CaseResult], list[Problem], set[str]]:
    try:
        doc = load_yaml(text)
    except YamlProblem as exc:
        return [], [Problem(rel, exc.line, None, f"malformed YAML: {exc.message}")], set()
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list) or not data["cases"]:
        return [], [Problem(rel, 1, "cases", "a policy test file needs a non-empty `cases` list")], set()
    base = data.get("base") or {}
    problems, cases = [], []
    for i, case in enumerate(data["cases"]):
        where = doc.line(("cases", i))
        if not isinstance(case, dict) or not case.get("name") or not isinstance(case.get("expect"), dict):
            problems.append(Problem(rel, where, f"cases[{i}]", "a case needs `name` and `expect` (policy: verdict)"))
            continue
        for pid, verdict in case["expect"].items():
            if bundle.get(str(pid)) is None:
                problems.append(
                    Problem(
                        rel,
                        doc.line(("cases", i, "expect", str(pid))),
                        f"cases[{i}].expect",
                        f"no policy {pid!r} in the bundle",
                    )
                )
            if verdict not in EXPECTABLE:
                problems.append(
                    Problem(
                        rel,
                        doc.line(("cases", i, "expect", str(pid))),
                        f"cases[{i}].expect",
                        f"expected verdict {verdict!r} is not one of {', '.join(sorted(EXPECTABLE))}",
                    )
                )
        cases.append((i, where, case))
    if problems:
        return [], problems, set()
    results, named = [], set()
    for i, where, case in cases:
        named |= {str(p) for p in case["expect"]}
        try:
            results.append(_run_case(rel, where, case, merge(base, case.get("input") or {}), bundle))
        except (ValueError, TypeError, KeyError) as exc:
            problems.append(Problem(rel, where, f"cases[{i}].input", f"not a valid context: {exc}"))
    return results, problems, named


def _run_case(rel: str, line: int, case: dict[str, Any], context: dict[str, Any], bundle: PolicyBundle) -> CaseResult:
    from governance.policy.context import EvaluationContext
    from governance.policy.evaluator import evaluate_policy

    ctx = EvaluationContext.from_dict(context)
    failures = []
    for pid, expected in case["expect"].items():
        policy = bundle.get(str(pid))
        assert policy is not None
        if policy.scope.miss(ctx) is not None:
            actual, message = OUT_OF_SCOPE, str(policy.scope.miss(ctx))
        else:
            outcome = evaluate_policy(policy, ctx)
            actual, message = outcome.verdict.value, outcome.message
        if actual != expected:
            failures.append(f"{pid}: expected {expected}, got {actual} ({message})")
    return CaseResult(rel, line, str(case["name"]), not failures, tuple(failures))
