"""Approvals and waivers over HTTP, bound to the caller's identity (there is no `as` parameter)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from governance.api.deps import DB
from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import Permission
from governance.auth.tokens import Principal

router = APIRouter(prefix="/api/v1", tags=["approvals and waivers"], responses=ERROR_RESPONSES)
WAIVER_ID = Path(..., ge=1, le=2**31 - 1)


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(..., min_length=1, max_length=512)
    version: str = Field(..., min_length=1, max_length=128)
    role: str = Field(..., min_length=1, max_length=128, description="The role approved in, e.g. model-risk")
    artifact_digest: str | None = Field(
        None, max_length=80, description="The digest you reviewed; 409 if the version's differs"
    )
    comment: str | None = Field(None, max_length=10_000)


class WaiverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy_id: str = Field(..., min_length=1, max_length=256)
    reason: str = Field(..., min_length=1, max_length=10_000)
    ticket: str = Field(..., min_length=1, max_length=256)
    expires_at: datetime = Field(..., description="ISO 8601 time with offset, in the future")
    model_glob: str = Field("*", min_length=1, max_length=512)
    version: str | None = Field(None, max_length=128)
    target: str | None = Field(None, max_length=128)


def _approval_dict(row: Any, model: str, version: str) -> dict[str, Any]:
    from governance.timeutil import iso

    return {
        "id": row.id,
        "model": model,
        "version": version,
        "role": row.role,
        "approver": row.approver,
        "artifact_digest": row.artifact_digest,
        "comment": row.comment,
        "created_at": iso(row.created_at),
    }


def _waiver_dict(row: Any) -> dict[str, Any]:
    from governance.approvals.records import waiver_status
    from governance.timeutil import iso, utcnow

    return {
        "id": row.id,
        "policy_id": row.policy_id,
        "model_glob": row.model_glob,
        "version": row.version,
        "target": row.target,
        "reason": row.reason,
        "ticket": row.ticket,
        "approver": row.approver,
        "expires_at": iso(row.expires_at),
        "created_at": iso(row.created_at),
        "revoked_at": iso(row.revoked_at),
        "revoked_by": row.revoked_by,
        "needs_second_person": bool(row.needs_cosign),
        "cosigned_by": row.cosigned_by,
        "status": waiver_status(row, utcnow()),
    }


# The service names fields; the API spells them as the request does (the identity is the token's).
FIELDS = {
    "as": "token",
    "role": "body.role",
    "digest": "body.artifact_digest",
    "reason": "body.reason",
    "ticket": "body.ticket",
    "expires_at": "body.expires_at",
    "model_glob": "body.model_glob",
    "version": "body.version",
    "target": "body.target",
    "policy_id": "body.policy_id",
    "waiver_id": "path.waiver_id",
}


@router.post("/approvals", status_code=201)
def approve(
    body: ApprovalIn,
    request: Request,
    s: Session = DB,
    who: Principal = Depends(Requires(Permission.APPROVAL_WRITE)),
) -> JSONResponse:
    """Approve a version as the caller. Refused (403) when the caller created the version or authored its
    training run (separation of duties), 400 when no served policy names the role."""
    from governance.approvals.records import approve as record
    from governance.errors import spelled
    from governance.policy.loader import load_bundle

    policies = load_bundle(request.app.state.settings.policies()).policies
    with spelled(FIELDS):
        receipt = record(
            s,
            body.model,
            body.version,
            body.role,
            approver=who.name,
            digest=body.artifact_digest,
            comment=body.comment,
            policies=policies,
        )
    data = {**_approval_dict(receipt.approval, receipt.model, receipt.version), "warnings": list(receipt.warnings)}
    return JSONResponse(data, status_code=201)


@router.get("/approvals", dependencies=[Depends(Requires(Permission.APPROVAL_READ))])
def approvals(
    model: str = Query(..., min_length=1, max_length=512),
    version: str = Query(..., min_length=1, max_length=128),
    s: Session = DB,
) -> list[dict[str, Any]]:
    """Every approval recorded for a version, oldest first (counted or not: the policy decides)."""
    from governance.approvals.queries import approvals_of_version
    from governance.registry.service import get_version

    registered, mv = get_version(s, model, version)
    assert mv.id is not None
    return [_approval_dict(r, registered.name, mv.version) for r in approvals_of_version(s, mv.id)]


@router.post("/waivers", status_code=201)
def waive(
    body: WaiverIn, request: Request, s: Session = DB, who: Principal = Depends(Requires(Permission.WAIVER_WRITE))
) -> JSONResponse:
    """Waive one policy (which must exist in the served bundle) for a scope until `expires_at`. Refused
    (403) when the caller created, or wrote the training run of, a version the scope covers; 400 beyond
    the policy's `max_waiver_days` or for an unknown target. A critical or `waivable: false` policy's
    waiver awaits a second person (POST /waivers/{id}/cosign)."""
    from governance.approvals.records import waive as record
    from governance.errors import InputError, spelled
    from governance.policy.loader import load_bundle

    if body.expires_at.tzinfo is None:
        raise InputError("expires_at needs a UTC offset (e.g. 2027-03-31T00:00:00Z)", where="body.expires_at")
    policies = load_bundle(request.app.state.settings.policies()).policies
    with spelled(FIELDS):
        row = record(
            s,
            body.policy_id,
            reason=body.reason,
            ticket=body.ticket,
            approver=who.name,
            expires_at=body.expires_at,
            model_glob=body.model_glob,
            version=body.version,
            target=body.target,
            policies=policies,
        )
    return JSONResponse(_waiver_dict(row), status_code=201)


@router.post("/waivers/{waiver_id}/cosign")
def cosign(
    waiver_id: int = WAIVER_ID, s: Session = DB, who: Principal = Depends(Requires(Permission.WAIVER_WRITE))
) -> dict[str, Any]:
    """Co-sign, as the second person, a waiver that needs one (not its author; independent of the versions
    it covers). 409 if it needs none or already has one."""
    from governance.approvals.records import cosign_waiver
    from governance.errors import spelled

    with spelled(FIELDS):
        return _waiver_dict(cosign_waiver(s, waiver_id, by=who.name))


@router.get("/waivers", dependencies=[Depends(Requires(Permission.WAIVER_READ))])
def waivers(
    all: bool = Query(False, description="Include expired and revoked waivers"),  # noqa: A002
    s: Session = DB,
) -> list[dict[str, Any]]:
    """Waivers in force or awaiting their second person, newest first (or every waiver)."""
    from governance.approvals.records import list_waivers

    return [_waiver_dict(w) for w in list_waivers(s, include_inactive=all)]


@router.post("/waivers/{waiver_id}/revoke")
def revoke(
    waiver_id: int = WAIVER_ID, s: Session = DB, who: Principal = Depends(Requires(Permission.WAIVER_WRITE))
) -> dict[str, Any]:
    """Revoke a waiver now, as the caller; it stays on record. 409 if it already was."""
    from governance.approvals.records import revoke_waiver

    return _waiver_dict(revoke_waiver(s, waiver_id, by=who.name))
