"""Keep the register in step with each stored gate decision (called by governance.gate.service).

Every failing, warned, inconclusive, not-evaluated or errored verdict, every waived one, and every
out-of-policy item (governance.policy.findings) of the decision becomes or updates a finding keyed by
what failed: `policy:<policy id>` for a verdict, `out:<evidence>:<measurement>` for an out-of-policy
item, `degrading:<measurement>` for a metric that got worse over three consecutive versions (kind
`degradation`, severity medium), within (model, version, target). A closed finding whose item fails
again reopens; a finding whose item passes (or is no longer reported) is never closed here: it is
marked passing since the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session, select

from governance.findings.tables import Finding, FindingEvent

FAILING = frozenset({"fail", "warn", "inconclusive", "not_evaluated", "error"})
GATE = "gate"  # the actor of changes a check makes
DEGRADING = "degrading_metric"  # a finding of governance.evidence.stage_store.degrading_series
OPEN_STATES = frozenset({"open", "in_remediation"})


class StoredDecision(Protocol):
    """What the sync reads of a stored decision (governance.gate.tables.Decision)."""

    id: str
    model: str
    version: str
    model_version_id: int
    target: str
    verdicts: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    created_at: datetime


@dataclass(frozen=True)
class Item:
    """One item of a decision, as the register sees it."""

    key: str
    kind: str  # verdict | out_of_policy
    policy_id: str | None
    source: str
    verdict: str  # the effective verdict, or `out_of_policy`
    severity: str
    title: str
    detail: str
    waiver: dict[str, Any] | None = None  # the waiver that accepted a waived verdict

    @property
    def failing(self) -> bool:
        return self.verdict in FAILING or self.verdict in ("waived", "out_of_policy")


@dataclass
class SyncSummary:
    opened: int = 0
    reopened: int = 0
    updated: int = 0
    accepted: int = 0
    passing: int = 0


def items_of(decision: StoredDecision, severities: Mapping[str, str] | None = None) -> list[Item]:
    """The decision's verdicts and out-of-policy items as register items (passing verdicts included)."""
    severities = severities or {}
    by_policy = {str(o.get("policy_id")): str(o.get("severity") or "medium") for o in decision.verdicts}
    out: list[Item] = []
    for o in decision.verdicts:
        pid = str(o["policy_id"])
        message = str(o.get("message") or "")
        details = [str(d) for d in o.get("details") or ()]
        out.append(
            Item(
                key=f"policy:{pid}",
                kind="verdict",
                policy_id=pid,
                source=pid,
                verdict=str(o.get("verdict")),
                severity=str(o.get("severity") or "medium"),
                title=f"{pid}: {o.get('title') or pid}",
                detail="\n".join([message, *details]).strip(),
                waiver=o.get("waiver") if isinstance(o.get("waiver"), dict) else None,
            )
        )
    for f in decision.findings or ():
        source = str(f.get("source") or "")
        if f.get("kind") == DEGRADING:  # keyed by the metric, not the evidence: a fourth worse version updates it
            out.append(
                Item(
                    key=f"degrading:{f.get('measurement')}",
                    kind="degradation",
                    policy_id=None,
                    source=source,
                    verdict="out_of_policy",
                    severity=str(f.get("severity") or "medium"),
                    title=f"degrading: {f.get('measurement')} over versions "
                    + ", ".join(str(v) for v in f.get("versions") or ()),
                    detail=str(f.get("message") or ""),
                )
            )
            continue
        out.append(
            Item(
                key=f"out:{f.get('evidence')}:{f.get('measurement')}",
                kind="out_of_policy",
                policy_id=None,
                source=source,
                verdict="out_of_policy",
                severity=severities.get(source) or by_policy.get(source) or "medium",
                title=f"out of policy: {f.get('measurement')} ({f.get('evidence')})",
                detail=str(f.get("message") or ""),
            )
        )
    return out


def sync_findings(
    session: Session, decision: StoredDecision, *, severities: Mapping[str, str] | None = None
) -> SyncSummary:
    """Create, update, reopen, accept or mark passing the findings of `decision`, in the caller's
    transaction. `severities`: policy id -> severity of the bundle (for out-of-policy items)."""
    from governance.findings.config import due_days

    at = decision.created_at
    summary = SyncSummary()
    existing = {
        f.key: f
        for f in session.exec(
            select(Finding).where(
                Finding.model == decision.model, Finding.version == decision.version, Finding.target == decision.target
            )
        ).all()
    }
    days = due_days()
    owner: list[str | None] = []  # looked up once, when a finding is first opened
    seen: set[str] = set()
    for item in items_of(decision, severities):
        seen.add(item.key)
        row = existing.get(item.key)
        if not item.failing:
            if row is not None and row.status in OPEN_STATES and row.passing_since_decision is None:
                _mark_passing(session, row, decision)
                summary.passing += 1
            continue
        if row is None:
            if not owner:
                owner.append(_model_owner(session, decision.model_version_id))
            row, created = _open(session, item, decision, owner[0], days)
            if created:
                summary.opened += 1
                if item.verdict == "waived":
                    _accept(session, row, item, decision, reopened=False)
                    summary.accepted += 1
                continue
        was_passing = row.passing_since_decision is not None
        _refresh(row, item, decision)
        if item.verdict == "waived":
            if row.status != "accepted" or row.waiver_id != _waiver_id(item):
                _accept(session, row, item, decision, reopened=row.status == "closed")
                summary.accepted += 1
            continue
        if row.status == "closed" or (row.status == "accepted" and not _waiver_holds(session, row, at)):
            _reopen(session, row, item, decision, days)
            summary.reopened += 1
        elif was_passing:
            _event(session, row, "failing_again", row.status, row.status, decision.id, at, item.verdict)
        summary.updated += 1
    for key, row in existing.items():  # no longer reported (passing, covered, or out of scope)
        if key not in seen and row.status in OPEN_STATES and row.passing_since_decision is None:
            _mark_passing(session, row, decision, note="no longer reported by the check")
            summary.passing += 1
    session.flush()
    return summary


def _open(
    session: Session, item: Item, decision: StoredDecision, owner: str | None, days: Mapping[str, int]
) -> tuple[Finding, bool]:
    """A new open finding, or (False) the row a concurrent check of the same version inserted first."""
    from sqlalchemy.exc import IntegrityError

    at = decision.created_at
    row = Finding(
        model=decision.model,
        version=decision.version,
        model_version_id=decision.model_version_id,
        target=decision.target,
        key=item.key,
        kind=item.kind,
        policy_id=item.policy_id,
        source=item.source[:512],
        verdict=item.verdict,
        severity=item.severity,
        title=item.title[:512],
        detail=item.detail,
        status="open",
        owner=owner,
        due_date=at + timedelta(days=days.get(item.severity, days["medium"])),
        first_seen_decision=decision.id,
        first_seen_at=at,
        last_seen_decision=decision.id,
        last_seen_at=at,
        created_at=at,
        updated_at=at,
    )
    try:
        with session.begin_nested():  # a savepoint: a concurrent check may have inserted the same key
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = session.exec(
            select(Finding).where(
                Finding.model == decision.model,
                Finding.version == decision.version,
                Finding.target == decision.target,
                Finding.key == item.key,
            )
        ).first()
        if existing is None:
            raise
        return existing, False
    _event(session, row, "opened", None, "open", decision.id, at, f"{item.verdict}: {item.detail[:500]}")
    return row, True


def _refresh(row: Finding, item: Item, decision: StoredDecision) -> None:
    row.verdict = item.verdict
    row.severity = item.severity
    row.title = item.title[:512]
    row.detail = item.detail
    row.last_seen_decision = decision.id
    row.last_seen_at = decision.created_at
    row.passing_since_decision = None
    row.passing_since_at = None
    row.updated_at = decision.created_at


def _reopen(session: Session, row: Finding, item: Item, decision: StoredDecision, days: Mapping[str, int]) -> None:
    before = row.status
    note = f"{item.verdict} again after {before} ({row.closure_reference or 'no reference'})"
    row.status = "open"
    row.reopened_count += 1
    row.closed_at = row.closed_by = row.closure_reference = row.closure_note = None
    row.waiver_id = None
    row.due_date = decision.created_at + timedelta(days=days.get(row.severity, days["medium"]))
    _event(session, row, "reopened", before, "open", decision.id, decision.created_at, note)


def _waiver_id(item: Item) -> int | None:
    value = (item.waiver or {}).get("id")
    return value if isinstance(value, int) else None


def _accept(session: Session, row: Finding, item: Item, decision: StoredDecision, *, reopened: bool) -> None:
    before = row.status
    waiver = item.waiver or {}
    row.status = "accepted"
    row.waiver_id = _waiver_id(item)
    row.closed_at = decision.created_at
    row.closed_by = str(waiver.get("approver") or GATE)[:256]
    row.closure_reference = f"waiver:{row.waiver_id}" if row.waiver_id is not None else "waiver"
    row.closure_note = "accepted by the waiver the check applied"
    if reopened:
        row.reopened_count += 1
    _event(session, row, "accepted", before, "accepted", decision.id, decision.created_at, row.closure_reference)


def _waiver_holds(session: Session, row: Finding, at: datetime) -> bool:
    """Whether the waiver that accepted `row` still covers it at `at`."""
    from governance.findings.service import waiver_accepts

    if row.waiver_id is None:
        return False
    from governance.approvals.tables import Waiver

    waiver = session.get(Waiver, row.waiver_id)
    return waiver is not None and waiver_accepts(waiver, row, at) is None


def _mark_passing(session: Session, row: Finding, decision: StoredDecision, note: str | None = None) -> None:
    row.passing_since_decision = decision.id
    row.passing_since_at = decision.created_at
    row.updated_at = decision.created_at
    _event(session, row, "passing", row.status, row.status, decision.id, decision.created_at, note)


def _event(
    session: Session,
    row: Finding,
    action: str,
    before: str | None,
    after: str,
    decision_id: str | None,
    at: datetime,
    note: str | None,
    actor: str = GATE,
) -> None:
    assert row.id is not None
    session.add(
        FindingEvent(
            finding_id=row.id,
            at=at,
            actor=actor,
            action=action,
            from_status=before,
            to_status=after,
            decision_id=decision_id,
            note=note,
        )
    )


def _model_owner(session: Session, model_version_id: int) -> str | None:
    from governance.store.tables import ModelVersion, RegisteredModel

    mv = session.get(ModelVersion, model_version_id)
    model = session.get(RegisteredModel, mv.model_id) if mv is not None else None
    return model.owner if model is not None and model.owner else None
