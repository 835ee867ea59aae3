"""Why each entry of the register of blocked deployments was blocked, read in a few queries beside the
ledger: each failing policy's verdict message and evidence from the stored decision, its finding, a waiver
that covers it, a later decision that cleared the version, and who asked (person or pipeline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from governance.timeutil import to_utc

# CI variables that name the person who started a pipeline run (as reported by the pipeline).
PERSON_CI_VARIABLES = ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILD_REQUESTEDFOR", "BUILD_USER_ID")


@dataclass(frozen=True)
class BlockedReason:
    """One policy that failed in a blocked check: why in words, the evidence, and its finding."""

    policy_id: str
    title: str
    severity: str
    verdict: str
    why: str  # the verdict's message (measured value against the threshold, or what is missing)
    evidence: tuple[str, ...]  # "kind id (digest)" of each piece of evidence the verdict read
    remediation: str  # what the policy says to do
    finding_id: str | None  # F-000123 of the findings register, if the check opened one
    owner: str | None  # the remediation owner
    due_date: datetime | None
    status: str | None  # open | in_remediation | closed | accepted (as of the register's generation)
    waiver: str | None  # a waiver that covers the policy for this version and target, if any


def ci_person(ci: dict[str, str]) -> str | None:
    """The person a pipeline's CI variables name (GITHUB_ACTOR...), as the pipeline reported it."""
    return next((str(ci[k]) for k in PERSON_CI_VARIABLES if ci.get(k)), None)


def _evidence_text(e: dict[str, Any]) -> str:
    digest = str(e.get("digest") or "")
    short = f" ({digest[:19]}…)" if digest else ""
    note = f", {e['note']}" if e.get("note") else ""
    return f"{str(e.get('kind', '')).replace('_', ' ')} {e.get('id', '')}{note}{short}"


@dataclass
class EntryContext:
    """What the entries of the register need beyond the ledger, read in a few queries."""

    decisions: dict[str, Any]
    findings: dict[tuple[str, str, str, str], Any]
    pipeline_names: set[str]
    waivers: list[Any]
    cleared: dict[tuple[str, str, str], Any]  # the first deployable decision per version and target
    now: datetime

    @classmethod
    def load(cls, session: Session, rows: list[Any], *, now: datetime) -> EntryContext:
        from sqlmodel import col, select

        from governance.approvals.records import list_waivers
        from governance.auth.tables import ApiToken
        from governance.findings.tables import Finding
        from governance.gate.tables import Decision

        ids = sorted({r.decision_id for r in rows})
        models = sorted({r.model for r in rows})
        names = sorted({r.requested_by for r in rows})
        decisions = (
            {d.id: d for d in session.exec(select(Decision).where(col(Decision.id).in_(ids))).all()} if ids else {}
        )
        findings = {}
        if models:
            for f in session.exec(select(Finding).where(col(Finding.model).in_(models))).all():
                findings[(f.model, f.version, f.target, f.key)] = f
        pipeline_names = set()
        if names:
            tokens = session.exec(select(ApiToken).where(col(ApiToken.name).in_(names))).all()
            pipeline_names = {t.name for t in tokens if t.role == "checker"}
        cleared: dict[tuple[str, str, str], Any] = {}
        if models:
            later = session.exec(
                select(Decision)
                .where(col(Decision.model).in_(models), col(Decision.deployable).is_(True))
                .order_by(col(Decision.created_at))
            ).all()
            for d in later:
                cleared.setdefault((d.model, d.version, d.target), []).append(d)
        waivers = list(list_waivers(session, include_inactive=True)) if rows else []
        return cls(decisions, findings, pipeline_names, waivers, cleared, now)

    def requester_kind(self, requested_by: str, ci: dict[str, str]) -> str:
        return "pipeline" if ci or requested_by in self.pipeline_names else "person"

    def reasons(self, entry: Any) -> tuple[BlockedReason, ...]:
        from governance.approvals.rules import waiver_covers
        from governance.findings.service import finding_ref

        decision = self.decisions.get(entry.decision_id)
        verdicts = {v.get("policy_id"): v for v in (decision.verdicts if decision is not None else [])}
        out = []
        for pid in entry.failing_policies:
            v = verdicts.get(pid, {})
            f = self.findings.get((entry.model, entry.version, entry.target, f"policy:{pid}"))
            waiver = next(
                (
                    w
                    for w in sorted(self.waivers, key=lambda w: -(w.id or 0))
                    if waiver_covers(w, pid, entry.model, entry.version, entry.target)
                ),
                None,
            )
            waiver_text = None
            if waiver is not None:
                state = (
                    "revoked"
                    if waiver.revoked_at
                    else "expired"
                    if to_utc(waiver.expires_at) <= self.now
                    else "awaiting its second signature"
                    if waiver.needs_cosign and not waiver.cosigned_by
                    else "in force"
                )
                waiver_text = (
                    f"waiver {waiver.id} of {pid} by {waiver.approver} ({waiver.ticket}), "
                    f"until {to_utc(waiver.expires_at).date().isoformat()}, {state}"
                )
            out.append(
                BlockedReason(
                    policy_id=pid,
                    title=str(v.get("title") or ""),
                    severity=str(v.get("severity") or ""),
                    verdict=str(v.get("verdict") or "fail"),
                    why=" ".join(str(v.get("message") or "the stored decision gives no message").split()),
                    evidence=tuple(_evidence_text(e) for e in v.get("evidence") or ()),
                    remediation=" ".join(str(v.get("remediation") or "").split()),
                    finding_id=finding_ref(f.id or 0) if f is not None else None,
                    owner=f.owner if f is not None else None,
                    due_date=to_utc(f.due_date) if f is not None and f.due_date else None,
                    status=f.status if f is not None else None,
                    waiver=waiver_text,
                )
            )
        return tuple(out)

    def override(self, entry: Any) -> str | None:
        """A later gate decision that found the same version deployable to the same target."""
        for d in self.cleared.get((entry.model, entry.version, entry.target), []):
            if to_utc(d.created_at) > to_utc(entry.at):
                return f"cleared by decision {d.id} on {to_utc(d.created_at).date().isoformat()}"
        return None
