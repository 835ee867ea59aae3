"""The register's operations: show, list, assign, start, resolve. The faces (CLI, API) call these; the
API checks the caller's role first (`finding:write`), the CLI acts as the local operator (as `gov approve`).

A finding is resolved only with a reference: new evidence about the model (`fairness_evaluation:ID` or
`stage_evidence:ID`, recorded after the last check that saw the failure) closes it; a waiver in force
that covers its policy, model, version and target accepts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from governance.errors import ConflictError, InputError, NotFoundError
from governance.findings.sync import OPEN_STATES, _event
from governance.findings.tables import Finding, FindingEvent
from governance.policy.model import SEVERITIES

STATUSES = ("open", "in_remediation", "closed", "accepted")
_ID = re.compile(r"F-([0-9]{6,})", re.ASCII)
_EVIDENCE = re.compile(r"(fairness_evaluation|fairness|stage_evidence|stage):([0-9]{1,12})", re.ASCII)
_WAIVER = re.compile(r"(?:waiver:)?([0-9]{1,12})", re.ASCII)


def finding_ref(number: int) -> str:
    """The id people see: F-000123."""
    return f"F-{number:06d}"


def parse_finding_id(text: str) -> int:
    """The number of `F-000123`; InputError for anything else (no look-alikes: fullwidth digits, other
    letters, extra zeros or trailing text are refused, not read as the nearest id)."""
    value = str(text).strip()
    m = _ID.fullmatch(value)
    if m is None or finding_ref(int(m.group(1))) != value or int(m.group(1)) < 1:
        raise InputError(f"{text!r} is not a finding id", where="finding_id", hint="ids look like F-000123")
    return int(m.group(1))


def get_finding(session: Session, text: str) -> Finding:
    row = session.get(Finding, parse_finding_id(text))
    if row is None:
        raise NotFoundError(f"no finding {str(text).strip()}", where="finding_id", hint="see `gov finding list`")
    return row


def events_of(session: Session, finding_id: int) -> list[FindingEvent]:
    stmt = select(FindingEvent).where(FindingEvent.finding_id == finding_id).order_by(col(FindingEvent.id))
    return list(session.exec(stmt).all())


def list_findings(
    session: Session,
    *,
    model: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    limit: int = 1000,
) -> list[Finding]:
    """Findings, most severe and oldest first; `status` may be `active` (open or in remediation)."""
    stmt = select(Finding)
    if model is not None:
        stmt = stmt.where(Finding.model == model)
    if status is not None:
        if status == "active":
            stmt = stmt.where(col(Finding.status).in_(tuple(OPEN_STATES)))
        elif status in STATUSES:
            stmt = stmt.where(Finding.status == status)
        else:
            raise InputError(f"unknown status {status!r}; use {', '.join(STATUSES)} or active", where="status")
    if severity is not None:
        if severity not in SEVERITIES:
            raise InputError(f"unknown severity {severity!r}; use {', '.join(SEVERITIES)}", where="severity")
        stmt = stmt.where(Finding.severity == severity)
    rows = list(session.exec(stmt.order_by(col(Finding.id)).limit(limit)).all())
    rank = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    return sorted(rows, key=lambda f: (rank.get(f.severity, 99), f.id or 0))


def assign(
    session: Session, text: str, *, owner: str, actor: str, due: datetime | None = None, now: datetime | None = None
) -> Finding:
    """Give a finding an owner (and optionally a due date); recorded as an event."""
    from governance.identity import normalise_identity
    from governance.timeutil import iso, to_utc, utcnow

    actor = normalise_identity(actor, field="as")
    owner = normalise_identity(owner, field="owner")
    row = get_finding(session, text)
    now = now or utcnow()
    if row.status not in OPEN_STATES:
        raise ConflictError(f"{finding_ref(row.id or 0)} is {row.status}; only an open finding is assigned")
    if due is not None and to_utc(due) <= now:
        raise InputError(f"the due date {iso(due)} is not in the future", where="due")
    note = f"owner {row.owner or '-'} -> {owner}"
    row.owner = owner
    if due is not None:
        note += f"; due {iso(row.due_date)} -> {iso(to_utc(due))}"
        row.due_date = to_utc(due)
    row.updated_at = now
    _event(session, row, "assigned", row.status, row.status, None, now, note, actor=actor)
    session.flush()
    return row


def start(session: Session, text: str, *, actor: str, now: datetime | None = None) -> Finding:
    """Mark an open finding as in remediation."""
    from governance.identity import normalise_identity
    from governance.timeutil import utcnow

    actor = normalise_identity(actor, field="as")
    row = get_finding(session, text)
    now = now or utcnow()
    if row.status != "open":
        raise ConflictError(f"{finding_ref(row.id or 0)} is {row.status}; only an open finding goes into remediation")
    row.status = "in_remediation"
    row.updated_at = now
    _event(session, row, "started", "open", "in_remediation", None, now, None, actor=actor)
    session.flush()
    return row


@dataclass(frozen=True)
class Reference:
    kind: str  # fairness_evaluation | stage_evidence | waiver
    id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def parse_evidence_ref(text: str) -> Reference:
    m = _EVIDENCE.fullmatch(str(text).strip())
    if m is None:
        raise InputError(
            f"{text!r} is not an evidence reference",
            where="evidence",
            hint="fairness_evaluation:ID or stage_evidence:ID",
        )
    kind = "fairness_evaluation" if m.group(1).startswith("fairness") else "stage_evidence"
    return Reference(kind, int(m.group(2)))


def resolve(
    session: Session,
    text: str,
    *,
    actor: str,
    evidence: str | None = None,
    waiver: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Finding:
    """Close a finding with new evidence, or accept it with a waiver in force that covers it. Refused
    without exactly one reference, or with one that does not exist, is not about this model, is older
    than the failure, or (waiver) is not in force or does not cover the finding."""
    from governance.identity import normalise_identity
    from governance.timeutil import utcnow

    if (evidence is None or not evidence.strip()) and (waiver is None or not waiver.strip()):
        raise InputError(
            "a finding is resolved only with a reference: new evidence or a waiver",
            where="evidence",
            hint="--evidence fairness_evaluation:ID | stage_evidence:ID, or --waiver ID",
        )
    if evidence and waiver:
        raise InputError("name either new evidence or a waiver, not both", where="evidence")
    actor = normalise_identity(actor, field="as")
    row = get_finding(session, text)
    now = now or utcnow()
    if row.status not in OPEN_STATES:
        raise ConflictError(f"{finding_ref(row.id or 0)} is already {row.status} ({row.closure_reference})")
    _refuse_conflict(session, row, actor)
    before = row.status
    if evidence:
        ref = parse_evidence_ref(evidence)
        _check_evidence(session, row, ref)
        row.status, row.waiver_id = "closed", None
    else:
        m = _WAIVER.fullmatch(str(waiver).strip())
        if m is None:
            raise InputError(
                f"{waiver!r} is not a waiver id", where="waiver", hint="a number, see `gov policy waivers`"
            )
        ref = Reference("waiver", int(m.group(1)))
        _check_waiver(session, row, ref.id, now)
        row.status, row.waiver_id = "accepted", ref.id
    row.closed_at, row.closed_by, row.closure_reference = now, actor, str(ref)
    row.closure_note = note
    row.updated_at = now
    _event(
        session, row, row.status, before, row.status, None, now, f"{ref}" + (f": {note}" if note else ""), actor=actor
    )
    session.flush()
    return row


def _refuse_conflict(session: Session, row: Finding, actor: str) -> None:
    """Separation of duties, as for approvals and waivers: not the version's creator or a training-run author."""
    from governance.approvals.records import version_authors
    from governance.approvals.rules import duty_conflict
    from governance.auth.errors import PermissionDenied
    from governance.store.tables import ModelVersion

    mv = session.get(ModelVersion, row.model_version_id)
    if mv is None:
        return
    why = duty_conflict(actor, created_by=mv.created_by, authors=version_authors(session, mv))
    if why is not None:
        raise PermissionDenied(
            f"{row.model} {row.version}: {actor} {why}, so may not resolve its findings",
            where="as",
            hint="separation of duties: another person must do it",
        )


def _check_evidence(session: Session, row: Finding, ref: Reference) -> None:
    from governance.evidence.stage_tables import StageEvidenceRow
    from governance.evidence.tables import FairnessEvaluation
    from governance.store.tables import ModelVersion
    from governance.timeutil import iso, to_utc

    table: Any = FairnessEvaluation if ref.kind == "fairness_evaluation" else StageEvidenceRow
    found = session.get(table, ref.id)
    if found is None:
        raise NotFoundError(f"no evidence {ref}", where="evidence")
    mine, theirs = session.get(ModelVersion, row.model_version_id), session.get(ModelVersion, found.model_version_id)
    if mine is None or theirs is None or mine.model_id != theirs.model_id:
        raise InputError(f"evidence {ref} is not about {row.model}", where="evidence")
    if to_utc(found.created_at) <= to_utc(row.last_seen_at):
        raise InputError(
            f"evidence {ref} was recorded at {iso(found.created_at)}, before the check that last saw this "
            f"failure ({iso(row.last_seen_at)}): it cannot be what fixed it",
            where="evidence",
        )


def waiver_accepts(w: Any, row: Finding, now: datetime) -> str | None:
    """Why waiver `w` cannot accept finding `row` at `now`, or None when it can."""
    from governance.approvals.rules import waiver_covers, waiver_status

    status = waiver_status(w, now)
    if status != "active":
        return f"waiver {w.id} is {status.replace('_', ' ')}"
    if not waiver_covers(w, row.policy_id or row.source, row.model, row.version, row.target):
        return (
            f"waiver {w.id} ({w.policy_id} for {w.model_glob} {w.version or 'every version'} on "
            f"{w.target or 'every target'}) does not cover {row.policy_id or row.source} of {row.model} "
            f"{row.version} on {row.target}"
        )
    return None


def _check_waiver(session: Session, row: Finding, waiver_id: int, now: datetime) -> None:
    from governance.approvals.tables import Waiver

    w = session.get(Waiver, waiver_id)
    if w is None:
        raise NotFoundError(f"no waiver {waiver_id}", where="waiver")
    why = waiver_accepts(w, row, now)
    if why is not None:
        raise InputError(why, where="waiver")


def finding_to_dict(row: Finding, events: list[FindingEvent] | None = None) -> dict[str, Any]:
    from governance.timeutil import iso

    out: dict[str, Any] = {
        "id": finding_ref(row.id or 0),
        "model": row.model,
        "version": row.version,
        "target": row.target,
        "kind": row.kind,
        "policy_id": row.policy_id,
        "source": row.source,
        "key": row.key,
        "verdict": row.verdict,
        "severity": row.severity,
        "title": row.title,
        "detail": row.detail,
        "status": row.status,
        "owner": row.owner,
        "due_date": iso(row.due_date),
        "first_seen_decision": row.first_seen_decision,
        "first_seen_at": iso(row.first_seen_at),
        "last_seen_decision": row.last_seen_decision,
        "last_seen_at": iso(row.last_seen_at),
        "passing_since_decision": row.passing_since_decision,
        "passing_since_at": iso(row.passing_since_at),
        "closed_at": iso(row.closed_at),
        "closed_by": row.closed_by,
        "closure_reference": row.closure_reference,
        "closure_note": row.closure_note,
        "waiver_id": row.waiver_id,
        "reopened_count": row.reopened_count,
    }
    if events is not None:
        out["history"] = [
            {
                "at": iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "decision_id": e.decision_id,
                "note": e.note,
            }
            for e in events
        ]
    return out
