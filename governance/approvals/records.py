"""Approvals and waivers: who, when, and what exactly (the artifact digest; the policy and scope)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from governance.approvals.tables import Approval, Waiver
from governance.errors import ConflictError, InputError, NotFoundError
from governance.timeutil import iso, to_utc, utcnow


@dataclass(frozen=True)
class ApprovalReceipt:
    approval: Approval
    model: str
    version: str
    warnings: tuple[str, ...]  # why the approval may not count (it is recorded anyway, for the audit trail)


def approve(
    session: Session,
    model: str,
    version: str,
    role: str,
    *,
    approver: str,
    digest: str | None = None,
    comment: str | None = None,
    now: datetime | None = None,
) -> ApprovalReceipt:
    """Record `approver`'s approval as `role` of the version's artifact digest (or refuse a stale digest)."""
    from governance.gate.gather import run_info
    from governance.registry.service import get_version, normalise_digest
    from governance.store.tables import Run

    if not role.strip():
        raise InputError("the role must not be empty", where="--role")
    if not approver.strip():
        raise InputError("the approver must not be empty", where="--as")
    registered, mv = get_version(session, model, version)
    if digest is not None and normalise_digest(digest) != mv.artifact_digest:
        raise ConflictError(
            f"you reviewed {normalise_digest(digest)}, but {model} {mv.version} is {mv.artifact_digest}",
            where="--digest",
            hint="approve what you reviewed",
        )
    assert mv.id is not None
    row = Approval(
        model_version_id=mv.id,
        role=role.strip(),
        approver=approver.strip(),
        artifact_digest=mv.artifact_digest,
        comment=comment,
        created_at=to_utc(now or utcnow()),
    )
    session.add(row)
    session.flush()
    warnings = []
    if row.approver == mv.created_by:
        warnings.append("you created this version: under separation of duties this approval does not count")
    run = session.get(Run, mv.training_run_id) if mv.training_run_id else None
    if run is not None and row.approver in run_info(session, run).authors:
        warnings.append("you authored its training run: under separation of duties this approval does not count")
    return ApprovalReceipt(row, registered.name, mv.version, tuple(warnings))


def waive(
    session: Session,
    policy_id: str,
    *,
    reason: str,
    ticket: str,
    approver: str,
    expires_at: datetime,
    model_glob: str = "*",
    version: str | None = None,
    target: str | None = None,
    known_policies: Collection[str] | None = None,
    now: datetime | None = None,
) -> Waiver:
    """Record a waiver of one policy for a scope until `expires_at` (which must be in the future)."""
    now = to_utc(now or utcnow())
    expires_at = to_utc(expires_at)
    for value, option in ((reason, "--reason"), (ticket, "--ticket"), (approver, "--as"), (model_glob, "--model")):
        if not value.strip():
            raise InputError("must not be empty", where=option)
    if known_policies is not None and policy_id not in known_policies:
        raise NotFoundError(
            f"no policy {policy_id!r} in the policy bundle", where="POLICY_ID", hint="see `gov policy show`"
        )
    if expires_at <= now:
        raise InputError(f"the expiry {iso(expires_at)} is not in the future", where="--expires")
    row = Waiver(
        policy_id=policy_id,
        model_glob=model_glob.strip(),
        version=version,
        target=target,
        reason=reason.strip(),
        ticket=ticket.strip(),
        approver=approver.strip(),
        expires_at=expires_at,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def revoke_waiver(session: Session, waiver_id: int, *, by: str, now: datetime | None = None) -> Waiver:
    """Revoke a waiver now; the row stays, with who revoked it and when."""
    row = session.get(Waiver, waiver_id)
    if row is None:
        raise NotFoundError(f"no waiver {waiver_id}", hint="see `gov policy waivers`")
    if row.revoked_at is not None:
        raise ConflictError(f"waiver {waiver_id} was already revoked at {iso(row.revoked_at)} by {row.revoked_by}")
    row.revoked_at, row.revoked_by = to_utc(now or utcnow()), by
    session.add(row)
    session.flush()
    return row


def list_waivers(session: Session, *, include_inactive: bool = False, now: datetime | None = None) -> list[Waiver]:
    """Waivers, newest first; by default only those still in force."""
    now = to_utc(now or utcnow())
    rows = session.exec(select(Waiver).order_by(Waiver.id.desc())).all()  # type: ignore[union-attr]
    if include_inactive:
        return list(rows)
    return [w for w in rows if w.revoked_at is None and to_utc(w.expires_at) > now]


def waiver_status(row: Waiver, now: datetime) -> str:
    """active, expired or revoked, at `now`."""
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if to_utc(row.expires_at) <= to_utc(now) else "active"
