"""Whose evidence a policy counts, and the conflicts about a training run's facts.

Evidence records who submitted it (governance.identity: `token:<role>:<name>` or `cli:<user>`). A policy
counts only evidence from submitters it trusts: its `trusted_producers`, else the context's (the
configuration, GOV_TRUSTED_PRODUCERS), else role:evidence, role:admin and local CLI users. Untrusted
evidence stays in the context (and in the store) but the rule does not see it; the outcome names it.
Pure: the same context gives the same answer (replay).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from governance.identity import DEFAULT_TRUSTED_PRODUCERS, is_trusted
from governance.policy.context import EvaluationContext
from governance.policy.model import Policy, RuleResult, Verdict


def trusted_for(policy: Policy, ctx: EvaluationContext) -> tuple[str, ...]:
    if policy.trusted_producers is not None:
        return policy.trusted_producers
    return ctx.trusted_producers if ctx.trusted_producers is not None else DEFAULT_TRUSTED_PRODUCERS


def trusted_view(policy: Policy, ctx: EvaluationContext) -> tuple[EvaluationContext, tuple[str, ...]]:
    """The context without the fairness evidence this policy does not trust, and one line per piece left
    out. Evidence whose submitter the context does not record (None) is kept."""
    trusted = trusted_for(policy, ctx)
    dropped = [f for f in ctx.fairness if f.submitted_by is not None and not is_trusted(f.submitted_by, trusted)]
    if not dropped:
        return ctx, ()
    ids = {f.id for f in dropped}
    sources = {f"fairness_evaluation:{i}" for i in ids}
    view = dataclasses.replace(
        ctx,
        fairness=tuple(f for f in ctx.fairness if f.id not in ids),
        validation=tuple(v for v in ctx.validation if v.source not in sources),
    )
    lines = tuple(
        f"not counted: fairness evaluation {f.id} submitted by {f.submitted_by}, an untrusted submitter "
        f"(trusted: {', '.join(trusted)})"
        for f in dropped
    )
    return view, lines


def with_untrusted(result: RuleResult, lines: tuple[str, ...]) -> RuleResult:
    """The rule's result, naming the evidence it was not shown (in the message when evidence is missing)."""
    if not lines:
        return result
    message = result.message
    if result.verdict is Verdict.NOT_EVALUATED:
        message = f"{message}; {lines[0]}" + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else "")
    return dataclasses.replace(result, message=message, details=result.details + lines)


def fact_conflict_findings(ctx: EvaluationContext) -> tuple[dict[str, Any], ...]:
    """One finding per later claim about the training run that differs from its first facts."""
    run = ctx.training_run
    if run is None:
        return ()
    out = []
    for c in run.fact_conflicts:
        fact = str(c.get("fact"))
        out.append(
            {
                "kind": "run_fact_conflict",
                "evidence": f"run:{run.run_id}#{fact}",
                "measurement": f"training run {fact}",
                "value": None,
                "ci": None,
                "threshold": "first write wins",
                "bound": f"first {fact}: {c.get('first')}",
                "source": f"run:{run.run_id}",
                "reason": "a completed run's facts are first-write-wins",
                "message": f"conflict: an event submitted by {c.get('submitted_by') or 'an unrecorded submitter'} "
                f"at {c.get('event_time')} claims the training run's {fact} are {c.get('claimed')}, not "
                f"{c.get('first')} as first recorded; the first are used",
            }
        )
    return tuple(out)
