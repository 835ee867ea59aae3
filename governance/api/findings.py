"""The findings register over HTTP, bound to the caller's identity: list and show (`finding:read`);
assign, start and resolve (`finding:write`: approver and admin). Resolving needs a reference."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from governance.api.deps import DB
from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import Permission
from governance.auth.tokens import Principal

router = APIRouter(prefix="/api/v1", tags=["findings"], responses=ERROR_RESPONSES)
FINDING_ID = Path(..., min_length=1, max_length=32, description="e.g. F-000123")

# The service names fields; the API spells them as the request does (the identity is the token's).
FIELDS = {
    "finding_id": "path.finding_id",
    "as": "token",
    "owner": "body.owner",
    "due": "body.due",
    "evidence": "body.evidence",
    "waiver": "body.waiver",
    "status": "query.status",
    "severity": "query.severity",
}


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner: str = Field(..., min_length=1, max_length=256)
    due: datetime | None = Field(None, description="ISO 8601 time with offset, in the future")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evidence: str | None = Field(None, max_length=64, description="fairness_evaluation:ID or stage_evidence:ID")
    waiver: int | str | None = Field(None, description="id of a waiver in force that covers the finding")
    note: str | None = Field(None, max_length=10_000)


@router.get("/findings", dependencies=[Depends(Requires(Permission.FINDING_READ))])
def findings(
    model: str | None = Query(None, min_length=1, max_length=512),
    status: str | None = Query(None, max_length=32, description="open, in_remediation, closed, accepted, active"),
    severity: str | None = Query(None, max_length=16),
    s: Session = DB,
) -> list[dict[str, Any]]:
    """Findings, most severe first."""
    from governance.errors import spelled
    from governance.findings.service import finding_to_dict, list_findings

    with spelled(FIELDS):
        return [finding_to_dict(f) for f in list_findings(s, model=model, status=status, severity=severity)]


@router.get("/findings/{finding_id}", dependencies=[Depends(Requires(Permission.FINDING_READ))])
def finding(finding_id: str = FINDING_ID, s: Session = DB) -> dict[str, Any]:
    """One finding with its history."""
    from governance.errors import spelled
    from governance.findings.service import events_of, finding_to_dict, get_finding

    with spelled(FIELDS):
        row = get_finding(s, finding_id)
        return finding_to_dict(row, events_of(s, row.id or 0))


@router.post("/findings/{finding_id}/assign")
def assign(
    body: AssignIn,
    finding_id: str = FINDING_ID,
    s: Session = DB,
    who: Principal = Depends(Requires(Permission.FINDING_WRITE)),
) -> dict[str, Any]:
    """Give an open finding an owner (and a due date). 409 when it is closed or accepted."""
    from governance.errors import InputError, spelled
    from governance.findings.service import assign as record
    from governance.findings.service import finding_to_dict

    if body.due is not None and body.due.tzinfo is None:
        raise InputError("due needs a UTC offset (e.g. 2027-03-31T00:00:00Z)", where="body.due")
    with spelled(FIELDS):
        return finding_to_dict(record(s, finding_id, owner=body.owner, due=body.due, actor=who.name))


@router.post("/findings/{finding_id}/start")
def start(
    finding_id: str = FINDING_ID, s: Session = DB, who: Principal = Depends(Requires(Permission.FINDING_WRITE))
) -> dict[str, Any]:
    """Mark an open finding as in remediation. 409 otherwise."""
    from governance.errors import spelled
    from governance.findings.service import finding_to_dict
    from governance.findings.service import start as record

    with spelled(FIELDS):
        return finding_to_dict(record(s, finding_id, actor=who.name))


@router.post("/findings/{finding_id}/resolve")
def resolve(
    body: ResolveIn,
    finding_id: str = FINDING_ID,
    s: Session = DB,
    who: Principal = Depends(Requires(Permission.FINDING_WRITE)),
) -> dict[str, Any]:
    """Close with new evidence about the model (recorded after the failure was last seen) or accept with a
    waiver in force that covers it. 400 without exactly one such reference; 403 for the version's creator
    or a training-run author; 409 when already closed or accepted."""
    from governance.errors import spelled
    from governance.findings.service import finding_to_dict
    from governance.findings.service import resolve as record

    with spelled(FIELDS):
        waiver = None if body.waiver is None else str(body.waiver)[:32]
        row = record(s, finding_id, actor=who.name, evidence=body.evidence, waiver=waiver, note=body.note)
        return finding_to_dict(row)
