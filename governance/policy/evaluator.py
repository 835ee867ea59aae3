"""Evaluate a bundle over one context: scope, rule, audit mode, waivers. Never raises for a rule.

A rule that raises becomes verdict `error` with the exception in its message (and blocks in enforce
mode), so one broken policy cannot crash the gate or be mistaken for a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.approvals.rules import duty_conflict, waiver_covers, waiver_status
from governance.policy.context import EvaluationContext, WaiverRecord
from governance.policy.kinds import kind_module
from governance.policy.loader import PolicyBundle
from governance.policy.model import Mode, Outcome, Policy, RuleResult, Verdict, blocks
from governance.timeutil import iso

WAIVABLE = frozenset({Verdict.FAIL, Verdict.WARN, Verdict.INCONCLUSIVE, Verdict.NOT_EVALUATED, Verdict.ERROR})


@dataclass(frozen=True)
class Evaluation:
    outcomes: tuple[Outcome, ...]
    out_of_scope: tuple[str, ...]
    findings: tuple[dict[str, Any], ...] = ()  # failing evidence no verdict covers (governance.policy.findings)

    @property
    def blocked(self) -> bool:
        """Whether any outcome blocks (the gate turns this into its exit code)."""
        return any(blocks(o.mode, o.verdict) for o in self.outcomes)


def evaluate_bundle(bundle: PolicyBundle, ctx: EvaluationContext) -> Evaluation:
    """Every in-scope policy's outcome, in policy-id order, and the findings no outcome covers."""
    outcomes, skipped = [], []
    for policy in bundle.policies:
        if policy.scope.miss(ctx) is not None:
            skipped.append(policy.id)
            continue
        outcomes.append(evaluate_policy(policy, ctx))
    from governance.policy.findings import findings
    from governance.policy.trust import fact_conflict_findings

    found = findings(bundle.policies, ctx, tuple(outcomes)) + fact_conflict_findings(ctx)
    return Evaluation(tuple(outcomes), tuple(skipped), found)


def run_rule(policy: Policy, ctx: EvaluationContext) -> RuleResult:
    """The kind's verdict; an exception is verdict `error`, never a crash."""
    try:
        result = kind_module(policy.kind).evaluate(policy, ctx)
        if not isinstance(result, RuleResult):
            raise TypeError(f"rule kind {policy.kind} returned {type(result).__name__}, not a RuleResult")
        return result
    except Exception as exc:  # noqa: BLE001 - fail closed: any failure of a rule is its verdict
        return RuleResult(Verdict.ERROR, f"the rule raised {type(exc).__name__}: {exc}")


def evaluate_policy(policy: Policy, ctx: EvaluationContext) -> Outcome:
    """Rule verdict (over the evidence the policy trusts), then audit mode (fail -> warn), then the first
    active waiver."""
    from governance.policy.trust import trusted_view, with_untrusted

    view, untrusted = trusted_view(policy, ctx)
    result = with_untrusted(run_rule(policy, view), untrusted)
    verdict, message = result.verdict, result.message
    if policy.mode is Mode.AUDIT and verdict is Verdict.FAIL:
        verdict, message = Verdict.WARN, f"audit mode, would fail: {message}"
    waivers = [w for w in ctx.waivers if _covers(w, policy, ctx)]
    shown = tuple(_waiver_view(w, ctx) for w in waivers)
    applied = None
    if verdict in WAIVABLE:
        applied = next((view for view in shown if view["status"] == "active"), None)
        if applied is not None:
            applied = {**applied, "status": "applied"}
            shown = tuple(applied if v["id"] == applied["id"] else v for v in shown)
            message = (
                f"waived by waiver {applied['id']} ({applied['ticket']}, until {applied['expires_at']}): {message}"
            )
            verdict = Verdict.WAIVED
    return Outcome(
        policy_id=policy.id,
        policy_version=policy.version,
        title=policy.title,
        kind=policy.kind,
        mode=policy.mode,
        severity=policy.severity,
        controls=policy.controls,
        owner=policy.owner,
        remediation=policy.remediation,
        rationale=policy.rationale,
        source=policy.source,
        line=policy.line,
        verdict=verdict,
        rule_verdict=result.verdict,
        blocking=blocks(policy.mode, verdict),
        message=message,
        evidence=result.evidence,
        details=result.details,
        waiver=applied,
        waivers=shown,
    )


def _covers(w: WaiverRecord, policy: Policy, ctx: EvaluationContext) -> bool:
    """Whether the waiver names this policy and this model version and target (whatever its status)."""
    return waiver_covers(w, policy.id, ctx.model.name, ctx.version.version, ctx.target)


def _waiver_view(w: WaiverRecord, ctx: EvaluationContext) -> dict[str, Any]:
    status = waiver_status(w, ctx.evaluated_at)
    authors = ctx.training_run.authors if ctx.training_run else ()
    conflict = duty_conflict(w.approver, created_by=ctx.version.created_by, authors=authors)
    if conflict is None and w.cosigned_by:
        conflict = duty_conflict(w.cosigned_by, created_by=ctx.version.created_by, authors=authors)
    if status == "active" and conflict is not None:
        status = "not_independent"  # defence in depth: the services refuse such a waiver
    return {
        "id": w.id,
        "status": status,
        "reason": w.reason,
        "ticket": w.ticket,
        "approver": w.approver,
        "expires_at": iso(w.expires_at),
        "scope": {"model": w.model_glob, "version": w.version, "target": w.target},
    }
