"""`lineage_requirement`: the version's provenance is known and clean: the training run is in the
lineage store (and completed), it recorded its inputs, every dataset in its upstream closure has an
owner, and nothing in that closure comes from a forbidden namespace.

The closure is every dataset the training run read (depth 1) and, recursively, every dataset those
were derived from (depth 2, 3, ...: dataset-to-dataset steps). `depth` bounds it (default: unlimited);
`owners_required: direct` looks at depth 1 only. Every verdict names the dataset and its depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from governance.policy.context import DatasetInfo, EvaluationContext
from governance.policy.kinds import Report
from governance.policy.model import EvidenceRef, Policy, RuleResult, Verdict, summarise


@dataclass(frozen=True)
class Spec:
    training_run_known: bool
    training_run_completed: bool
    inputs_recorded: bool
    owners_required: str  # none | direct | closure
    forbidden_namespaces: tuple[str, ...]  # globs over dataset namespaces, checked over the closure
    depth: int | None = None  # how far upstream the closure reaches; None: unlimited


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    """The typed spec (the schema already checked the fields)."""
    return Spec(
        bool(rule.get("training_run_known", False)),
        bool(rule.get("training_run_completed", False)),
        bool(rule.get("inputs_recorded", False)),
        str(rule.get("owners_required", "none")),
        tuple(str(n) for n in rule.get("forbidden_namespaces") or ()),
        int(rule["depth"]) if rule.get("depth") is not None else None,
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
    closure = [d for d in ctx.datasets if spec.depth is None or d.depth <= spec.depth]
    direct = [d for d in closure if d.depth == 1]
    if spec.inputs_recorded:
        parts.append(
            (Verdict.PASS, f"the training run read {len(direct)} dataset(s)")
            if direct
            else (Verdict.FAIL, "the training run recorded no input dataset")
        )
    if spec.owners_required != "none":
        considered = direct if spec.owners_required == "direct" else closure
        orphans = [d for d in considered if not d.owners]
        refs.extend(ctx.ref_dataset(d, f"no owner (depth {d.depth})") for d in orphans)
        parts.append(
            (Verdict.FAIL, f"no owner recorded for {_list(orphans)}")
            if orphans
            else (Verdict.PASS, f"all {_scope(considered, spec)} have an owner")
        )
    if spec.forbidden_namespaces:
        banned = [d for d in closure if any(fnmatchcase(d.namespace, g) for g in spec.forbidden_namespaces)]
        refs.extend(ctx.ref_dataset(d, f"forbidden namespace (depth {d.depth})") for d in banned)
        parts.append(
            (Verdict.FAIL, f"input from a forbidden namespace: {_list(banned)}")
            if banned
            else (
                Verdict.PASS,
                f"no dataset from {', '.join(spec.forbidden_namespaces)} among {_scope(closure, spec)}",
            )
        )
    verdict, message, details = summarise(parts, "lineage requirements met")
    return RuleResult(verdict, message, tuple(refs), details)


def _list(datasets: list[DatasetInfo]) -> str:
    """Every dataset with its depth (nothing elided: the verdict is the evidence)."""
    return ", ".join(f"{d.id} (depth {d.depth})" for d in datasets)


def _scope(datasets: list[DatasetInfo], spec: Spec) -> str:
    """What was considered, e.g. "4 dataset(s) of the upstream closure (depth 1-2)"."""
    if spec.owners_required == "direct" and all(d.depth == 1 for d in datasets) and datasets:
        return f"{len(datasets)} dataset(s) the training run read (depth 1)"
    deepest = max((d.depth for d in datasets), default=0)
    bound = f", limited to depth {spec.depth}" if spec.depth is not None else ""
    reach = f"depth 1-{deepest}" if deepest > 1 else "depth 1"
    return f"{len(datasets)} dataset(s) of the upstream closure ({reach}{bound})"
