"""The ledger of blocked deployments over HTTP: entries and verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from governance.api.deps import DB
from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import Permission

router = APIRouter(
    prefix="/api/v1/ledger",
    tags=["ledger"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(Requires(Permission.LEDGER_READ))],
)


def _when(value: str | None, name: str) -> Any:
    from governance.timeutil import parse_optional_timestamp

    return parse_optional_timestamp(value, field=name)


@router.get("")
def entries(
    model: str | None = Query(None, max_length=512),
    since: str | None = Query(None, max_length=64),
    until: str | None = Query(None, max_length=64),
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(1000, ge=1, le=10_000),
    s: Session = DB,
) -> dict[str, Any]:
    """Entries in chain order (`since` inclusive, `until` exclusive), with their digests."""
    from governance.ledger.export import entry_to_dict, list_entries
    from governance.reports.blocked import PROVENANCE

    rows = list_entries(s, model=model, since=_when(since, "since"), until=_when(until, "until"))
    page = rows[offset : offset + limit]
    # `ci` is what the pipeline reported (claimed, not verified); `requested_by` is the token's identity.
    return {
        "total": len(rows),
        "offset": offset,
        "entries": [entry_to_dict(e) for e in page],
        "provenance": PROVENANCE,
    }


@router.get("/verify")
def verify(s: Session = DB) -> dict[str, Any]:
    """Recompute every digest and link from genesis and check the signed checkpoints. `ok` false means
    tampering; the problems say where."""
    from governance.ledger.verify import verify_chain
    from governance.signing.ledger_keys import configured_trust_roots

    # The server's own trust roots (GOV_LEDGER_TRUST, else its key folder): never the stored keys.
    roots, source = configured_trust_roots()
    report = verify_chain(s, trust_roots=roots, trust_source=source)
    return {**report.to_dict(), "summary": report.summary()}
