"""`condition`: a CEL expression over the evaluation context, for what the typed kinds do not cover.

The expression must return a boolean: true passes, false fails. Reading a key the context does not
have is missing evidence (not_evaluated); any other runtime problem is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.digest import json_sha256
from governance.policy.cel import CelSyntaxError, Expression, compile_expression, max_cost_setting
from governance.policy.context import EvaluationContext
from governance.policy.kinds import Report
from governance.policy.model import EvidenceRef, Policy, RuleResult, Verdict


@dataclass(frozen=True)
class Spec:
    expression: Expression
    message: str | None  # said when the expression is false
    max_cost: int | None = None  # the rule's own bound; None: GOV_CEL_MAX_COST or cel.DEFAULT_MAX_COST


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    """Compile the expression once; a syntax error or unknown variable is reported at its line."""
    try:
        expression = compile_expression(str(rule["expression"]))
    except CelSyntaxError as exc:
        last = str(rule["expression"]).rstrip("\n").count("\n") + 1  # an error at the very end is on the last line
        report(("expression",), f"invalid CEL: {exc}", min(exc.line, last) - 1)
        return None
    max_cost = rule.get("max_cost")
    return Spec(expression, rule.get("message"), int(max_cost) if max_cost is not None else None)


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    """Run the expression over the context's canonical form."""
    spec: Spec = policy.rule
    variables = ctx.activation
    refs = tuple(EvidenceRef("context", name, json_sha256(variables[name])) for name in spec.expression.variables)
    activation = {name: variables[name] for name in spec.expression.variables if name in variables}
    limit = spec.max_cost if spec.max_cost is not None else max_cost_setting()
    cost = spec.expression.cost(activation)
    if cost > limit:  # the runtime cannot be interrupted: refuse before running (cel.py, "Cost bound")
        return RuleResult(
            Verdict.ERROR,
            f"the expression's cost bound {cost:,} (comprehensions nested {spec.expression.depth} deep) "
            f"exceeds max_cost {limit:,}; not run",
            refs,
        )
    try:
        value = spec.expression.run({name: variables[name] for name in spec.expression.variables})
    except KeyError as exc:
        return RuleResult(
            Verdict.NOT_EVALUATED, f"the expression reads {exc.args[0]!r}, which this context does not have", refs
        )
    if not isinstance(value, bool):
        return RuleResult(
            Verdict.ERROR, f"the expression returned {type(value).__name__} {value!r}, not a boolean", refs
        )
    if value:
        return RuleResult(Verdict.PASS, f"condition holds: {_short(spec.expression.source)}", refs)
    return RuleResult(Verdict.FAIL, spec.message or f"condition is false: {_short(spec.expression.source)}", refs)


def _short(source: str) -> str:
    return " ".join(source.split())  # the full expression: results.json never carries elided text
