"""Approvals and waivers: who, when, and what exactly (the artifact digest; the policy and scope).

The rules they obey live in governance.approvals.rules; errors name the field (`as`, `role`,
`expires_at`, `model_glob`, `version`, `target`), and each face spells it its own way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from governance.approvals import rules
from governance.approvals.tables import Approval, Waiver
from governance.errors import ConflictError, InputError, NotFoundError
from governance.identity import normalise_identity
from governance.timeutil import iso, to_utc, utcnow


@dataclass(frozen=True)
class ApprovalReceipt:
    approval: Approval
    model: str
    version: str
    warnings: tuple[str, ...]  # kept for callers; separation of duties now refuses instead of warning


def version_authors(session: Session, mv: Any) -> tuple[str, ...]:
    """The authors of the version's training run (empty when it has none or is unknown)."""
    from governance.lineage.authors import run_authors

    return run_authors(session, mv.training_run_id)


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
    policies: Iterable[Any] | None = None,
) -> ApprovalReceipt:
    """Record `approver`'s approval as `role` of the version's artifact digest. Refused: a stale digest,
    a role no policy names (when `policies` is given), and anyone not independent of the version."""
    from governance.registry.service import get_version, normalise_digest

    approver = normalise_identity(approver, field="as")
    role = rules.check_role(role, policies) if policies is not None else role.strip()
    if not role:
        raise InputError("the role must not be empty", where="role")
    registered, mv = get_version(session, model, version)
    rules.refuse_conflict(
        approver, registered.name, mv.version, created_by=mv.created_by, authors=version_authors(session, mv)
    )
    if digest is not None and normalise_digest(digest) != mv.artifact_digest:
        raise ConflictError(
            f"you reviewed {normalise_digest(digest)}, but {model} {mv.version} is {mv.artifact_digest}",
            where="digest",
            hint="approve what you reviewed",
        )
    assert mv.id is not None
    row = Approval(
        model_version_id=mv.id,
        role=role,
        approver=approver,
        artifact_digest=mv.artifact_digest,
        comment=comment,
        created_at=to_utc(now or utcnow()),
    )
    session.add(row)
    session.flush()
    return ApprovalReceipt(row, registered.name, mv.version, ())


def _covered_versions(session: Session, model_glob: str, version: str | None) -> list[tuple[str, Any]]:
    """(model name, version row) of every registered version the scope covers."""
    from fnmatch import fnmatchcase

    from governance.store.tables import ModelVersion, RegisteredModel

    models = [m for m in session.exec(select(RegisteredModel)).all() if fnmatchcase(m.name, model_glob)]
    out = []
    for m in models:
        for v in session.exec(select(ModelVersion).where(ModelVersion.model_id == m.id)).all():
            if version is None or v.version == version:
                out.append((m.name, v))
    return out


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
    policies: Iterable[Any] | None = None,
    now: datetime | None = None,
) -> Waiver:
    """Record a waiver of one policy for a scope until `expires_at`.

    Refused: an expiry not in the future or beyond the policy's `max_waiver_days` (default 90), a
    scope wider than the policy's `waiver_scope` (default `version`: one model, one version), a
    target matching no configured target, and an author who created, or wrote the training run of,
    any version the scope covers. A critical or `waivable: false` policy's waiver is recorded awaiting
    a second person (`cosign`) and is not in force until then."""
    now = to_utc(now or utcnow())
    expires_at = to_utc(expires_at)
    approver = normalise_identity(approver, field="as")
    for value, field in ((reason, "reason"), (ticket, "ticket"), (model_glob, "model_glob")):
        if not value.strip():
            raise InputError("must not be empty", where=field)
    by_id = {p.id: p for p in policies} if policies is not None else {}
    known = set(known_policies) if known_policies is not None else (set(by_id) if policies is not None else None)
    if known is not None and policy_id not in known:
        raise NotFoundError(
            f"no policy {policy_id!r} in the policy bundle", where="policy_id", hint="see `gov policy show`"
        )
    if expires_at <= now:
        raise InputError(f"the expiry {iso(expires_at)} is not in the future", where="expires_at")
    policy = by_id.get(policy_id)
    limit = rules.max_waiver_duration(policy) if policy is not None else None
    if limit is None:
        from datetime import timedelta

        limit = timedelta(days=rules.DEFAULT_MAX_WAIVER_DAYS)
    if expires_at - now > limit:
        raise InputError(
            f"the waiver would run until {iso(expires_at)}, past the {limit.days}-day maximum of {policy_id}",
            where="expires_at",
            hint="waive for a shorter time and renew it if still needed",
        )
    target = rules.normalise_target_glob(target, field="target") if target is not None else None
    if version is not None:
        version = version.strip() or None
    rules.check_waiver_scope(policy, policy_id, model_glob.strip(), version)
    for name, mv in _covered_versions(session, model_glob.strip(), version):
        rules.refuse_conflict(
            approver, name, mv.version, created_by=mv.created_by, authors=version_authors(session, mv)
        )
    row = Waiver(
        policy_id=policy_id,
        model_glob=model_glob.strip(),
        version=version,
        target=target,
        reason=reason.strip(),
        ticket=ticket.strip(),
        approver=approver,
        expires_at=expires_at,
        created_at=now,
        needs_cosign=policy is not None and rules.needs_second_person(policy),
    )
    session.add(row)
    session.flush()
    return row


def cosign_waiver(session: Session, waiver_id: int, *, by: str, now: datetime | None = None) -> Waiver:
    """The second person's signature on a waiver that needs one: not its author, and independent of
    every version its scope covers."""
    from governance.auth.errors import PermissionDenied
    from governance.identity import same_identity

    by = normalise_identity(by, field="as")
    row = session.get(Waiver, waiver_id)
    if row is None:
        raise NotFoundError(f"no waiver {waiver_id}", where="waiver_id", hint="see `gov policy waivers`")
    if not row.needs_cosign:
        raise ConflictError(f"waiver {waiver_id} does not need a second person")
    if row.cosigned_by is not None:
        raise ConflictError(f"waiver {waiver_id} was already co-signed by {row.cosigned_by}")
    if row.revoked_at is not None:
        raise ConflictError(f"waiver {waiver_id} was revoked at {iso(row.revoked_at)}")
    if same_identity(by, row.approver):
        raise PermissionDenied(
            f"{by} wrote waiver {waiver_id} and cannot be its second person", where="as", hint="ask someone else"
        )
    for name, mv in _covered_versions(session, row.model_glob, row.version):
        rules.refuse_conflict(by, name, mv.version, created_by=mv.created_by, authors=version_authors(session, mv))
    row.cosigned_by, row.cosigned_at = by, to_utc(now or utcnow())
    session.add(row)
    session.flush()
    return row


def revoke_waiver(session: Session, waiver_id: int, *, by: str, now: datetime | None = None) -> Waiver:
    """Revoke a waiver now; the row stays, with who revoked it and when."""
    by = normalise_identity(by, field="as")
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
    """Waivers, newest first; by default only those in force or awaiting their second person."""
    from governance.approvals.queries import all_waivers

    now = to_utc(now or utcnow())
    rows = all_waivers(session)
    if include_inactive:
        return rows
    return [w for w in rows if rules.waiver_status(w, now) in ("active", "awaiting_second_person")]


def waiver_status(row: Waiver, now: datetime) -> str:
    """active, expired, revoked, not_yet_valid or awaiting_second_person, at `now` (rules.waiver_status)."""
    return rules.waiver_status(row, now)
