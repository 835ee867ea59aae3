"""Service routes for operators and clients: who am I, and the counters worth monitoring."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlmodel import Session

from governance.api.deps import DB
from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import ROLE_PERMISSIONS, Permission
from governance.auth.tokens import Principal

router = APIRouter(prefix="/api/v1", tags=["service"], responses=ERROR_RESPONSES)


@router.get("/whoami")
def whoami(who: Principal = Depends(Requires(Permission.SELF_READ))) -> dict[str, Any]:
    """The identity and role of the calling token, and what that role may do."""
    return {
        "name": who.name,
        "role": who.role.value,
        "token_id": who.token_id,
        "permissions": sorted(p.value for p in ROLE_PERMISSIONS[who.role]),
    }


@router.get("/stats", dependencies=[Depends(Requires(Permission.SERVICE_READ))])
def stats(s: Session = DB) -> dict[str, Any]:
    """Counters to watch: stored and rejected events (their growth is the ingest and rejection rate),
    decisions, the ledger head, active tokens."""
    from governance.auth.tokens import active_token_count
    from governance.gate.queries import decision_counts
    from governance.ledger.export import head_seq
    from governance.lineage.queries import event_counts, last_event_received_at
    from governance.timeutil import iso

    raw, rejected = event_counts(s)
    decisions, blocked = decision_counts(s)
    last = last_event_received_at(s)
    return {
        "raw_events": raw,
        "rejected_events": rejected,
        "last_event_received_at": iso(last) if last else None,
        "decisions": decisions,
        "blocked_decisions": blocked,
        "ledger_head_seq": head_seq(s),
        "active_tokens": active_token_count(s),
    }
