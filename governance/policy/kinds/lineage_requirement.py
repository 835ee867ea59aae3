"""`lineage_requirement`: the version's provenance is known and clean: the training run is in the
lineage store (and completed), it recorded its inputs, every input dataset has an owner, and nothing
in the lineage comes from a forbidden namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from governance.policy.context import EvaluationContext
from governance.policy.kinds import Report
from governance.policy.model import EvidenceRef, Policy, RuleResult, Verdict, summarise


@dataclass(frozen=True)
class Spec:
    training_run_known: bool
    training_run_completed: bool
    inputs_recorded: bool
    owners_required: str  # none | direct | closure
    forbidden_namespaces: tuple[str, ...]  # globs over dataset namespaces, checked over the closure


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    """The typed spec (the schema already checked the fields)."""
    return Spec(
        bool(rule.get("training_run_known", False)),
        bool(rule.get("training_run_completed", False)),
        bool(rule.get("inputs_recorded", False)),
        str(rule.get("owners_required", "none")),
        tuple(str(n) for n in rule.get("forbidden_namespaces") or ()),
    )


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    """Check each requirement the policy sets against the training lineage."""
    spec: Spec = policy.rule
    run = ctx.training_run
    parts: list[tuple[Verdict, str]] = []
    refs: list[EvidenceRef] = [ctx.ref_version()]
    if run is None:
        missing = (
            "no training run is recorded for this version"
            if ctx.version.training_run_id is None
            else f"training run {ctx.version.training_run_id} is not in the lineage store"
        )
        if spec.training_run_known:
            return RuleResult(Verdict.FAIL, missing, tuple(refs))
        return RuleResult(Verdict.NOT_EVALUATED, f"{missing}, so its lineage cannot be checked", tuple(refs))
    refs.append(ctx.ref_run(run))
    if spec.training_run_known:
        parts.append((Verdict.PASS, f"training run {run.run_id} of {run.job} is known"))
    if spec.training_run_completed:
        ok = run.state == "COMPLETE"
        parts.append(
            (
                Verdict.PASS if ok else Verdict.FAIL,
                f"training run {run.run_id} is {run.state or 'in an unknown state'}" + ("" if ok else ", not COMPLETE"),
            )
        )
    direct = [d for d in ctx.datasets if d.depth == 1]
    if spec.inputs_recorded:
        parts.append(
            (Verdict.PASS, f"the training run read {len(direct)} dataset(s)")
            if direct
            else (Verdict.FAIL, "the training run recorded no input dataset")
        )
    if spec.owners_required != "none":
        considered = direct if spec.owners_required == "direct" else list(ctx.datasets)
        orphans = [d for d in considered if not d.owners]
        refs.extend(ctx.ref_dataset(d, "no owner") for d in orphans)
        parts.append(
            (Verdict.FAIL, f"no owner recorded for {_list([d.id for d in orphans])}")
            if orphans
            else (Verdict.PASS, f"all {len(considered)} dataset(s) have an owner")
        )
    if spec.forbidden_namespaces:
        banned = [d for d in ctx.datasets if any(fnmatchcase(d.namespace, g) for g in spec.forbidden_namespaces)]
        refs.extend(ctx.ref_dataset(d, "forbidden namespace") for d in banned)
        parts.append(
            (Verdict.FAIL, f"input from a forbidden namespace: {_list([d.id for d in banned])}")
            if banned
            else (Verdict.PASS, f"no dataset from {', '.join(spec.forbidden_namespaces)}")
        )
    verdict, message, details = summarise(parts, "lineage requirements met")
    return RuleResult(verdict, message, tuple(refs), details)


def _list(items: list[str]) -> str:
    return ", ".join(items[:3]) + (f" and {len(items) - 3} more" if len(items) > 3 else "")
