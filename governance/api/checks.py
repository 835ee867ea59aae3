"""The deployment gate over HTTP: run a check, read and replay decisions."""

from __future__ import annotations

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

router = APIRouter(prefix="/api/v1", tags=["checks"], responses=ERROR_RESPONSES)
READ = [Depends(Requires(Permission.DECISION_READ))]
DECISION_ID = Path(..., min_length=8, max_length=36, description="Decision id, or a unique prefix of 8+ characters")


class CheckIn(BaseModel):
    """What a pipeline asks. Who asks is the caller's token identity, not a field."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(..., min_length=1, max_length=512)
    version: str = Field(..., min_length=1, max_length=128)
    target: str = Field(..., min_length=1, max_length=128)
    ci: dict[str, str] = Field(
        default_factory=dict, max_length=64, description="The pipeline's CI variables (GITHUB_RUN_ID, CI_JOB_ID, ...)"
    )


@router.post("/checks", status_code=201)
async def run_check(
    body: CheckIn, request: Request, who: Principal = Depends(Requires(Permission.CHECK_RUN))
) -> JSONResponse:
    """Evaluate every policy for the version and target; store the decision (and the ledger entry if it
    blocks). `exit_code` is what `gov check` would exit with: 0 deployable, 1 blocked."""
    from governance.errors import spelled
    from governance.gate.report import CheckReport
    from governance.gate.service import run_check as check
    from governance.store.db import write_scope
    from governance.store.retry import retry_transient

    source = request.app.state.settings.policy_source()
    engine = request.app.state.engine

    def once() -> CheckReport:
        # One transaction holding the write lock from the first read (SQLite: BEGIN IMMEDIATE): the
        # decision and its ledger entry commit together or not at all. A transaction that lost a race
        # (lock timeout, deadlock) is rolled back whole and run again (a new decision id).
        with spelled({"target": "body.target", "as": "token"}), write_scope(engine) as s:
            return check(
                s,
                body.model,
                body.version,
                body.target,
                policy_dir=source.path,
                requested_by=who.name,
                ci_env=body.ci,
                policy_source=source.describe(),
            )

    # Pending fairness intervals of this version are computed first, outside the write transaction.
    from anyio import to_thread

    from governance.evidence.queries import complete_pending_intervals

    await to_thread.run_sync(complete_pending_intervals, engine, body.model, body.version)
    report = await retry_transient(once)
    data = {**report.to_dict(), "verdict": "deployable" if report.deployable else "blocked"}
    return JSONResponse(data, status_code=201, headers={"Location": f"/api/v1/decisions/{report.decision_id}"})


@router.get("/decisions", dependencies=READ)
def list_decisions(
    model: str | None = Query(None, max_length=512), limit: int = Query(50, ge=1, le=1000), s: Session = DB
) -> list[dict[str, Any]]:
    """Recent decisions, newest first."""
    from governance.gate.service import list_decisions as query
    from governance.timeutil import iso

    return [
        {
            "id": d.id,
            "model": d.model,
            "version": d.version,
            "target": d.target,
            "deployable": d.deployable,
            "exit_code": d.exit_code,
            "created_at": iso(d.created_at),
            "requested_by": d.requested_by,
            "bundle_digest": d.bundle_digest,
            "ledger": d.ledger,
        }
        for d in query(s, model=model, limit=limit)
    ]


@router.get("/decisions/{decision_id}", dependencies=READ)
def get_decision(decision_id: str = DECISION_ID, context: bool = Query(False), s: Session = DB) -> dict[str, Any]:
    """A stored decision as the check reported it; `context=true` adds the evaluation context it read."""
    from governance.gate.service import get_decision as find
    from governance.gate.service import report_of

    row = find(s, decision_id)
    data = report_of(row).to_dict()
    if context:
        data["context"] = row.context
    return data


@router.post("/decisions/{decision_id}/replay", dependencies=READ)
def replay(decision_id: str = DECISION_ID, s: Session = DB) -> dict[str, Any]:
    """Re-evaluate a decision from its stored context and policy texts (writes nothing)."""
    from governance.gate.service import replay_decision

    result = replay_decision(s, decision_id)
    stored = result.stored
    return {
        "decision_id": stored.decision_id,
        "reproduced": result.reproduced,
        "differences": list(result.differences),
        "stored_exit_code": stored.exit_code,
        "replayed_exit_code": result.exit_code,
        "stored_tool_version": stored.tool_version,
        "tool_version": result.tool_version,
        "verdicts": {o.policy_id: o.verdict.value for o in result.outcomes},
    }
