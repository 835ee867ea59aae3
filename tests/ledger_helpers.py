"""Shared by the ledger tests: appending as the gate does, reading rows back, the attacker's SQL.

Digests are recomputed here from the format in docs/ledger.md, independently of governance.ledger.
Tampering is done the way an attacker would: on SQLite through a raw sqlite3 connection after
dropping the append-only triggers (someone with the file), on PostgreSQL as a superuser session with
triggers switched off (session_replication_role = replica).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from governance.ledger.chain import append_blocked
from governance.ledger.export import list_entries
from governance.ledger.verify import ChainReport, verify_chain
from governance.store.db import session_scope
from governance.timeutil import utcnow

ENTRY_KEYS = (
    "seq",
    "decision_id",
    "model",
    "version",
    "target",
    "failing_policies",
    "requested_by",
    "ci",
    "at",
    "prev_digest",
)


def reference_digest(entry: dict[str, Any]) -> str:
    """docs/ledger.md's definition, written out again: sha256 over sorted, whitespace-free JSON."""
    preimage = {k: entry[k] for k in ENTRY_KEYS} | {"format": "gov-ledger-entry/1"}
    data = json.dumps(preimage, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def append(
    engine: Engine, count: int, *, every: int = 100, model: str = "credit-scorer", key_dir: Path | None = None
) -> None:
    """`count` blocked checks, each in its own transaction as the gate makes them."""
    for i in range(count):
        with session_scope(engine) as session:
            append_blocked(
                session,
                decision_id=f"dec-{i}",
                model=model,
                version=f"1.{i}",
                target="production",
                failing_policies=["fairness.dpd", "approval.four-eyes"],
                requested_by="ci-bot",
                ci={"GITHUB_RUN_ID": str(1000 + i)},
                at=utcnow(),
                checkpoint_every=every,
                key_dir=key_dir,
            )


def verify(engine: Engine, **kwargs: Any) -> ChainReport:
    """verify_chain in a session of its own."""
    with session_scope(engine) as session:
        return verify_chain(session, **kwargs)


def tamper(engine: Engine, *statements: str) -> None:
    """Run SQL as an attacker who can bypass the append-only triggers."""
    if engine.dialect.name == "sqlite":
        db = sqlite3.connect(str(engine.url.database))
        for table in ("ledger_entry", "ledger_checkpoint"):
            for verb in ("update", "delete"):
                db.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        for sql in statements:
            db.execute(sql)
        db.commit()
        db.close()
        return
    raw = create_engine(engine.url)
    with raw.begin() as conn:
        try:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        except DBAPIError:
            pytest.skip("the PostgreSQL test role is not a superuser: cannot simulate the attacker")
        for sql in statements:
            conn.execute(text(sql))
    raw.dispose()


def rows(engine: Engine) -> list[dict[str, Any]]:
    """Every entry as its documented JSON fields (the preimage plus `digest`), in seq order."""
    with session_scope(engine) as session:
        return [
            json.loads(
                json.dumps(
                    {
                        "seq": e.seq,
                        "decision_id": e.decision_id,
                        "model": e.model,
                        "version": e.version,
                        "target": e.target,
                        "failing_policies": e.failing_policies,
                        "requested_by": e.requested_by,
                        "ci": e.ci,
                        "at": e.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                        "prev_digest": e.prev_digest,
                        "digest": e.digest,
                    }
                )
            )
            for e in list_entries(session)
        ]
