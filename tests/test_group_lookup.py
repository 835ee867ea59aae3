"""Token lookups of concurrent requests share one query, and still see a revocation at once."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.auth import tokens
from governance.auth.group_lookup import GroupLookup
from tests.service_helpers import make_token


def test_concurrent_lookups_share_a_query_and_a_revocation_counts_at_once(engine: Engine, monkeypatch: Any) -> None:
    alice, bob = make_token(engine, "auditor", "alice"), make_token(engine, "ingest", "bob")
    queries: list[list[str]] = []
    real = tokens.lookup_many

    def counting(eng: Engine, secrets: list[str]) -> Any:
        queries.append(sorted(secrets))
        return real(eng, secrets)

    monkeypatch.setattr("governance.auth.group_lookup.lookup_many", counting)
    group = GroupLookup(engine)

    async def scenario() -> None:
        found = await asyncio.gather(*(group.lookup(s) for s in [alice, bob, alice, "gov_" + "x" * 43, alice]))
        assert [f[0].name if f else None for f in found] == ["alice", "bob", "alice", None, "alice"]
        with engine.begin() as conn:
            conn.execute(text("UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP WHERE name = 'alice'"))
        assert await group.lookup(alice) is None  # the next query sees the revocation
        assert (await group.lookup(bob) or (None,))[0].name == "bob"  # type: ignore[union-attr]

    asyncio.run(scenario())
    assert len(queries[0]) == 3  # five requests, three distinct secrets, one query
    assert len(queries) == 3
