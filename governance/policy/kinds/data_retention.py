"""`data_retention`: no dataset in the training lineage is kept past the maximum age of its
classification without deletion evidence, and restricted classifications need an approval.

Classifications come from schema field tags, the dataset `tags` facet (tag keys `classification`,
`data_classification`, `sensitivity`) and, as `owner:<name>`, from the `ownership` facet. The rule
applies to the whole upstream closure of the training run by default (`lineage: direct` limits it to
the datasets the run read; `depth` bounds the closure); every verdict names the dataset and its depth.
A dataset's
age runs from the first event that mentioned it. Deletion evidence is a `lifecycleStateChange` facet
with DROP or TRUNCATE. `system_records_min_retention` is how long gov keeps its own decisions and
ledger: `governance.gate.retention` refuses to purge anything younger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from governance.approvals.rules import duty_conflict
from governance.policy.context import DatasetInfo, EvaluationContext
from governance.policy.durations import describe
from governance.policy.kinds import Report, parse_age, too_old
from governance.policy.model import EvidenceRef, Policy, RuleResult, Verdict, summarise
from governance.timeutil import iso


@dataclass(frozen=True)
class Restriction:
    classification: str
    approval_role: str
    max_age: timedelta | None


@dataclass(frozen=True)
class Spec:
    max_age: tuple[tuple[str, timedelta], ...]
    restricted: tuple[Restriction, ...]
    lineage: str  # direct | closure
    system_records: timedelta | None
    depth: int | None = None  # how far upstream the closure reaches; None: unlimited


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    """The typed spec; bad durations are reported."""
    ok = True
    limits = []
    for cls, text in (rule.get("max_age") or {}).items():
        age = parse_age(text, ("max_age", cls), report)
        ok = ok and age is not None
        if age is not None:
            limits.append((str(cls), age))
    restricted = []
    for i, item in enumerate(rule.get("restricted") or []):
        age = parse_age(item.get("approval_max_age"), ("restricted", i, "approval_max_age"), report)
        ok = ok and (age is not None or item.get("approval_max_age") is None)
        restricted.append(Restriction(str(item["classification"]), str(item["approval_role"]), age))
    system = parse_age(rule.get("system_records_min_retention"), ("system_records_min_retention",), report)
    ok = ok and (system is not None or rule.get("system_records_min_retention") is None)
    if not ok:
        return None
    depth = int(rule["depth"]) if rule.get("depth") is not None else None
    return Spec(tuple(sorted(limits)), tuple(restricted), str(rule.get("lineage", "closure")), system, depth)


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    """Retention of every classified dataset in the lineage, and restricted-data approvals."""
    spec: Spec = policy.rule
    kept = (
        f"; gov keeps its decisions and ledger at least {describe(spec.system_records)}" if spec.system_records else ""
    )
    if not spec.max_age and not spec.restricted:
        return RuleResult(Verdict.PASS, f"no dataset rule{kept}")
    if ctx.training_run is None:
        return RuleResult(
            Verdict.NOT_EVALUATED,
            "the version has no known training run, so the data it was trained on cannot be checked",
            (ctx.ref_version(),),
        )
    limit = 1 if spec.lineage == "direct" else spec.depth
    datasets = [d for d in ctx.datasets if limit is None or d.depth <= limit]
    parts: list[tuple[Verdict, str]] = []
    refs: list[EvidenceRef] = [ctx.ref_run(ctx.training_run)]
    for ds in datasets:
        checked = _retention(spec, ds, ctx)
        if checked is not None:
            parts.append(checked)
            refs.append(ctx.ref_dataset(ds, "retention"))
    for restriction in spec.restricted:
        parts.append(_restriction(restriction, datasets, ctx, refs))
    deepest = max((d.depth for d in datasets), default=0)
    reach = f"depth 1-{deepest}" if deepest > 1 else "depth 1"
    verdict, message, details = summarise(
        parts, f"{len(datasets)} dataset(s) in the training lineage ({reach}) are within retention{kept}"
    )
    return RuleResult(verdict, message, tuple(refs), details)


def _classes(ds: DatasetInfo) -> set[str]:
    return {c.casefold() for c in ds.classifications}


def _retention(spec: Spec, ds: DatasetInfo, ctx: EvaluationContext) -> tuple[Verdict, str] | None:
    classes = _classes(ds)
    limits = [(age, cls) for cls, age in spec.max_age if cls.casefold() in classes]
    if not limits:
        return None
    limit, cls = min(limits)
    name = f"{ds.id} ({cls}, depth {ds.depth})"
    if ds.first_seen is None:
        return Verdict.NOT_EVALUATED, f"{name}: its age is unknown"
    age = ctx.evaluated_at - ds.first_seen
    if age <= limit:
        return Verdict.PASS, f"{name} is {describe(age)} old, within {describe(limit)}"
    if ds.deletion:
        return Verdict.PASS, (
            f"{name} is past its retention of {describe(limit)} and was deleted ({ds.deletion} at {iso(ds.deleted_at)})"
        )
    return Verdict.FAIL, (
        f"{name} is {describe(age)} old, past its retention of {describe(limit)}, "
        f"with no deletion evidence (lifecycleStateChange DROP or TRUNCATE)"
    )


def _restriction(
    r: Restriction, datasets: list[DatasetInfo], ctx: EvaluationContext, refs: list[EvidenceRef]
) -> tuple[Verdict, str]:
    hits = [f"{d.id} (depth {d.depth})" for d in datasets if r.classification.casefold() in _classes(d)]
    if not hits:
        return Verdict.PASS, f"no {r.classification} data in the training lineage"
    approvals = [
        a
        for a in ctx.approvals
        if a.role == r.approval_role
        and a.artifact_digest == ctx.version.artifact_digest
        and duty_conflict(
            a.approver,
            created_by=ctx.version.created_by,
            authors=ctx.training_run.authors if ctx.training_run else (),
        )
        is None
        and not too_old(a.created_at, ctx.evaluated_at, r.max_age)
    ]
    shown = ", ".join(hits)
    if not approvals:
        return Verdict.FAIL, (
            f"the training lineage reaches {r.classification} data ({shown}) without an "
            f"approval as {r.approval_role} for this artifact"
        )
    refs.extend(ctx.ref_approval(a, f"approves use of {r.classification} data") for a in approvals)
    return Verdict.PASS, f"{r.classification} data ({shown}) approved by {approvals[0].approver}"
