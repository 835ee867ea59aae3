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
from governance.policy.context import DatasetInfo, EvaluationContext, ValidationItem
from governance.policy.model import Policy, RuleResult, Verdict
from governance.timeutil import parse_optional_timestamp


def default_trusted(ctx: EvaluationContext) -> tuple[str, ...]:
    """Whom a reader without a policy of its own trusts (the scorecard): the context's configured list
    (GOV_TRUSTED_PRODUCERS), else the default."""
    return ctx.trusted_producers if ctx.trusted_producers is not None else DEFAULT_TRUSTED_PRODUCERS


def trusted_for(policy: Policy, ctx: EvaluationContext) -> tuple[str, ...]:
    if policy.trusted_producers is not None:
        return policy.trusted_producers
    return default_trusted(ctx)


def trusted_view(policy: Policy, ctx: EvaluationContext) -> tuple[EvaluationContext, tuple[str, ...]]:
    """The context without the evidence this policy does not trust (counted_view)."""
    return counted_view(ctx, trusted_for(policy, ctx))


def counted_view(ctx: EvaluationContext, trusted: tuple[str, ...]) -> tuple[EvaluationContext, tuple[str, ...]]:
    """The context without the evidence `trusted` does not cover, and one line per piece left out:
    fairness evaluations, and facet validation results (`gov_validationResults` of a run,
    `dataQualityAssertions` of a training input) none of whose submitters is trusted; for those, the
    latest earlier value of the same facet that a trusted submitter sent is counted instead
    (EvaluationContext.validation_history). A dataset's deletion evidence is its earliest trusted
    `lifecycleStateChange` DROP or TRUNCATE. Evidence whose submitter the context does not record (None:
    a context stored before submitters were) is kept. The gate (per policy) and the scorecard read
    evidence through this one function. Validation-stage evidence is filtered by the stage kinds
    (governance.policy.stage_context.trusted_stages)."""
    dropped = [f for f in ctx.fairness if f.submitted_by is not None and not is_trusted(f.submitted_by, trusted)]
    untrusted = [v for v in ctx.validation if v.submitted_by is not None and not _counted(v.submitted_by, trusted)]
    datasets, deletion_lines = _trusted_deletions(ctx.datasets, trusted)
    if not dropped and not untrusted and not deletion_lines:
        return ctx, ()
    ids = {f.id for f in dropped}
    sources = {f"fairness_evaluation:{i}" for i in ids}
    lines = [
        f"not counted: fairness evaluation {f.id} submitted by {f.submitted_by}, an untrusted submitter "
        f"(trusted: {', '.join(trusted)})"
        for f in dropped
    ]
    instead: list[ValidationItem] = []
    for source in dict.fromkeys(v.source for v in untrusted):  # first-seen order
        who = next(v.submitted_by for v in untrusted if v.source == source)
        sources.add(source)
        earlier = [
            h
            for h in ctx.validation_history
            if h.source == source and h.submitted_by and _counted(h.submitted_by, trusted)
        ]
        line = (
            f"not counted: validation results {source} submitted by {', '.join(who or ())}, an untrusted "
            f"submitter (trusted: {', '.join(trusted)})"
        )
        if earlier:
            revision = min(h.revision for h in earlier)
            used = [h for h in earlier if h.revision == revision]
            instead += used
            line += f"; counted instead: its earlier value submitted by {', '.join(used[0].submitted_by or ())}"
        lines.append(line)
    view = dataclasses.replace(
        ctx,
        datasets=datasets,
        fairness=tuple(f for f in ctx.fairness if f.id not in ids),
        validation=tuple(v for v in ctx.validation if v.source not in sources) + tuple(instead),
    )
    return view, tuple(lines + deletion_lines)


def _trusted_deletions(
    datasets: tuple[DatasetInfo, ...], trusted: tuple[str, ...]
) -> tuple[tuple[DatasetInfo, ...], list[str]]:
    """The datasets with, as their deletion evidence (`lifecycleStateChange` DROP or TRUNCATE), the
    earliest claim a trusted submitter sent; one line per dataset whose deletion that changes. A
    dataset without recorded claims (`deletions`: a context stored before they were) is kept as is."""
    out, lines = [], []
    for ds in datasets:
        if not ds.deletions:
            out.append(ds)
            continue
        ok = [c for c in ds.deletions if _counted(tuple(c.get("submitted_by") or ()), trusted)]
        state = ok[0]["state"] if ok else None
        at = parse_optional_timestamp(ok[0]["at"]) if ok else None
        if (state, at) == (ds.deletion, ds.deleted_at):
            out.append(ds)
            continue
        first = ds.deletions[0]
        lines.append(
            f"not counted: deletion evidence of {ds.id} ({first.get('state')} at {first.get('at')}) submitted "
            f"by {', '.join(first.get('submitted_by') or ())}, an untrusted submitter (trusted: {', '.join(trusted)})"
        )
        out.append(dataclasses.replace(ds, deletion=state, deleted_at=at))
    return tuple(out), lines


def _counted(submitters: tuple[str, ...], trusted: tuple[str, ...]) -> bool:
    """Evidence sent by several submitters (one event body, deduplicated) counts if any is trusted."""
    return any(is_trusted(s, trusted) for s in submitters)


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
        if c.get("subject"):  # a job's or dataset's owners (governance.lineage.node_facts)
            out.append(_node_finding(c, fact))
            continue
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
                f"at {c.get('event_time')} claims the training run's {fact} {'is' if fact == 'state' else 'are'} "
                f"{c.get('claimed')}, not "
                f"{c.get('first')} as first recorded; the first are used",
            }
        )
    return tuple(out)


def _node_finding(c: dict[str, Any], fact: str) -> dict[str, Any]:
    subject = str(c["subject"])
    return {
        "kind": "node_fact_conflict",
        "evidence": f"{subject}#{fact}",
        "measurement": f"{fact} of {subject}",
        "value": None,
        "ci": None,
        "threshold": "first write wins",
        "bound": f"first {fact}: {c.get('first')}",
        "source": subject,
        "reason": "a job's or dataset's owners are first-write-wins",
        "message": f"conflict: an event submitted by {c.get('submitted_by') or 'an unrecorded submitter'} at "
        f"{c.get('event_time')} claims the {fact} of {subject} are {c.get('claimed')}, not {c.get('first')} "
        "as first recorded; the first are used",
    }
