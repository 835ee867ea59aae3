"""`approval`: enough people in the required roles approved THIS artifact, recently, and none of them
is the version's creator or an author of its training run (separation of duties).

An approval counts only if its digest equals the version's artifact digest. Authors of the training
run are the owners in the job's OpenLineage `ownership` facet and the names in the custom
`gov_runAuthors` run facet (lineage/facets/2-0-0/RunAuthorsRunFacet.json; 1-0-0 key `runAuthors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from governance.approvals.rules import duty_conflict
from governance.identity import identity_key
from governance.policy.context import ApprovalRecord, EvaluationContext
from governance.policy.kinds import Report, parse_age, too_old
from governance.policy.model import Policy, RuleResult, Verdict


@dataclass(frozen=True)
class Requirement:
    role: str
    count: int


@dataclass(frozen=True)
class Spec:
    required: tuple[Requirement, ...]
    distinct_approvers: bool
    separation_of_duties: bool
    require_known_author: bool
    max_age: timedelta | None


def parse(rule: dict[str, Any], report: Report) -> Spec | None:
    """The typed spec; a role listed twice is reported."""
    roles = [str(r["role"]) for r in rule["required"]]
    duplicated = sorted({r for r in roles if roles.count(r) > 1})
    if duplicated:
        report(("required",), f"role(s) {', '.join(duplicated)} listed twice; raise `count` instead")
        return None
    max_age = parse_age(rule.get("max_age"), ("max_age",), report)
    if rule.get("max_age") is not None and max_age is None:
        return None
    return Spec(
        tuple(Requirement(str(r["role"]), int(r.get("count", 1))) for r in rule["required"]),
        bool(rule.get("distinct_approvers", True)),
        bool(rule.get("separation_of_duties", True)),
        bool(rule.get("require_known_author", True)),
        max_age,
    )


def evaluate(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    """Count the approvals that count, and say why the others do not."""
    spec: Spec = policy.rule
    roles = {r.role for r in spec.required}
    authors = set(ctx.training_run.authors) if ctx.training_run else set()
    valid: list[ApprovalRecord] = []
    refused: list[str] = []
    refs = [ctx.ref_version()]
    for a in ctx.approvals:
        if a.role not in roles:
            continue
        reason = _refusal(a, ctx, spec, authors)
        refs.append(ctx.ref_approval(a, "counted" if reason is None else f"not counted: {reason}"))
        if reason is None:
            valid.append(a)
        else:
            refused.append(f"{a.approver} as {a.role} ({reason})")
    filled = _assign(spec, valid)
    missing = []
    for req in spec.required:
        have = sum(1 for role, _ in filled if role == req.role)
        if have < req.count:
            missing.append(f"{req.count - have} more approval(s) as {req.role}")
    details = tuple(f"not counted: {r}" for r in refused) + tuple(f"counted: {p} as {r}" for r, p in filled)
    if missing:
        why = f"; not counted: {'; '.join(refused)}" if refused else ""
        return RuleResult(Verdict.FAIL, f"needs {', '.join(missing)}{why}", tuple(refs), details)
    if spec.separation_of_duties and spec.require_known_author:
        if ctx.training_run is None:
            return RuleResult(
                Verdict.NOT_EVALUATED,
                "the training run is not known, so separation of duties from its authors cannot be checked",
                tuple(refs),
                details,
            )
        if not authors:
            return RuleResult(
                Verdict.NOT_EVALUATED,
                "the training run records no author (job `ownership` or "
                "`gov_runAuthors` facet), so separation of duties cannot be checked",
                tuple(refs),
                details,
            )
    people = ", ".join(f"{p} ({r})" for r, p in filled)
    return RuleResult(
        Verdict.PASS, f"approved by {people} for {ctx.version.artifact_digest[:19]}…", tuple(refs), details
    )


def _refusal(a: ApprovalRecord, ctx: EvaluationContext, spec: Spec, authors: set[str]) -> str | None:
    if a.artifact_digest != ctx.version.artifact_digest:
        return f"approved {a.artifact_digest[:19]}…, not this version's {ctx.version.artifact_digest[:19]}…"
    if a.created_at is not None and a.created_at > ctx.evaluated_at:
        return "recorded after the evaluation time"
    if too_old(a.created_at, ctx.evaluated_at, spec.max_age):
        return "too old"
    if spec.separation_of_duties:
        return duty_conflict(a.approver, created_by=ctx.version.created_by, authors=authors)
    return None


def _assign(spec: Spec, valid: list[ApprovalRecord]) -> list[tuple[str, str]]:
    """(role, approver) pairs filling the required slots; with distinct approvers a person fills one slot
    in total (a maximum bipartite matching), otherwise one slot per role."""
    slots = [req.role for req in spec.required for _ in range(req.count)]
    people: dict[str, set[str]] = {}
    for a in valid:  # one person however their name was spelled when recorded (governance.identity)
        people.setdefault(a.role, set()).add(identity_key(a.approver))
    if not spec.distinct_approvers:
        out = []
        for req in spec.required:
            out += [(req.role, p) for p in sorted(people.get(req.role, ()))[: req.count]]
        return out
    holder: dict[str, int] = {}

    def place(slot: int, seen: set[str]) -> bool:
        for person in sorted(people.get(slots[slot], ())):
            if person in seen:
                continue
            seen.add(person)
            if person not in holder or place(holder[person], seen):
                holder[person] = slot
                return True
        return False

    for slot in range(len(slots)):
        place(slot, set())
    return sorted((slots[slot], person) for person, slot in holder.items())
