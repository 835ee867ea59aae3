"""Service routes for operators and clients: who am I, and the counters worth monitoring."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import func, select
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
    from governance.auth.tables import ApiToken
    from governance.gate.tables import Decision
    from governance.ledger.tables import LedgerEntry
    from governance.store.tables import RawEvent, RejectedEvent
    from governance.timeutil import iso

    def count(column: Any, *where: Any) -> int:
        return int(s.execute(select(func.count(column)).where(*where)).scalar_one())

    received_at: Any = RawEvent.received_at
    last = s.execute(select(received_at).order_by(RawEvent.id.desc()).limit(1)).scalar()  # type: ignore[union-attr]
    return {
        "raw_events": count(RawEvent.id),
        "rejected_events": count(RejectedEvent.id),
        "last_event_received_at": iso(last) if last else None,
        "decisions": count(Decision.id),
        "blocked_decisions": count(Decision.id, Decision.deployable.is_(False)),  # type: ignore[attr-defined]
        "ledger_head_seq": int(s.execute(select(func.coalesce(func.max(LedgerEntry.seq), 0))).scalar_one()),
        "active_tokens": count(ApiToken.id, ApiToken.revoked_at.is_(None)),  # type: ignore[union-attr]
    }
