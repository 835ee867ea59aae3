"""`gov policy lint DIR`: every problem of a policy tree at once, not just the first.

Errors: policies that do not load (YAML, schema, kind fields, CEL), controls that no crosswalk
defines, malformed crosswalks and test files. Warnings: policies without a test case, and a tree
without crosswalks (controls then go unchecked).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from governance.errors import InputError
from governance.policy.loader import PolicyBundle, Problem, load_documents, read_documents


@dataclass(frozen=True)
class LintReport:
    root: str
    policies: int
    errors: tuple[Problem, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def lint(root: Path, frameworks_dir: Path | None = None) -> LintReport:
    """Lint the policy tree at `root` (crosswalks from `frameworks_dir` or found beside it)."""
    from governance.policy.frameworks import control_problems, find_frameworks, load_frameworks
    from governance.policy.testing import run_tests

    if not root.is_dir():
        raise InputError(f"{root} is not a folder", where="DIR")
    bundle, errors = load_documents(read_documents(root), str(root))
    warnings: list[str] = []
    folder = frameworks_dir or find_frameworks(root)
    if folder is None:
        warnings.append("no frameworks/ folder found beside or inside DIR: control ids were not checked")
    else:
        frameworks, found = load_frameworks(folder)
        errors += found
        if bundle is not None:
            errors += control_problems(bundle, frameworks)
    if bundle is not None:
        errors += cost_problems(bundle)
        run = run_tests(root, bundle)
        errors += run.problems
        warnings += [f"policy {pid} has no test case (*_test.yaml)" for pid in run.untested]
    count = len(bundle.policies) if bundle is not None else 0
    return LintReport(str(root), count, tuple(sorted(set(errors), key=lambda p: (p.file, p.line))), tuple(warnings))


def cost_problems(bundle: PolicyBundle) -> list[Problem]:
    """Condition expressions whose static cost bound (collections of LINT_COLLECTION_SIZE items) passes
    their max_cost: at run time they would end in `error` on any realistic context (cel.py)."""
    from governance.policy.cel import LINT_COLLECTION_SIZE, cost_bound, max_cost_setting

    problems = []
    for policy in bundle.policies:
        if policy.kind != "condition":
            continue
        depth = policy.rule.expression.depth
        limit = policy.rule.max_cost if policy.rule.max_cost is not None else max_cost_setting()
        bound = cost_bound(depth, LINT_COLLECTION_SIZE)
        if bound > limit:
            problems.append(
                Problem(
                    policy.source,
                    policy.line,
                    "rule.expression",
                    f"cost bound {bound:,} (comprehensions nested {depth} deep over {LINT_COLLECTION_SIZE} items) "
                    f"exceeds max_cost {limit:,}: flatten the nested comprehensions",
                )
            )
    return problems
