"""Appending to the ledger of blocked deployments: one hash chain, serialised across processes.

Each entry's digest is sha256 over a canonical JSON of an explicit field list that includes its
`seq` and the previous entry's digest (docs/ledger.md). Appenders serialise on a database lock
(PostgreSQL advisory lock; SQLite write lock) taken before the head is read, so concurrent gates
extend one chain; UNIQUE(seq) and UNIQUE(prev_digest) refuse a fork should that ever fail.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from governance.digest import canonical_json, json_sha256
from governance.errors import ConfigError, ConflictError, InputError
from governance.ledger.tables import LedgerCheckpoint, LedgerEntry
from governance.signing import ledger_keys
from governance.timeutil import to_utc, utcnow

if TYPE_CHECKING:
    from governance.signing.keys import Signer

log = logging.getLogger(__name__)

GENESIS = "sha256:" + "0" * 64
ENTRY_FORMAT = "gov-ledger-entry/1"
CHECKPOINT_FORMAT = "gov-ledger-checkpoint/1"
# Key of the PostgreSQL transaction-level advisory lock every appender takes ("govledgr" in ASCII).
ADVISORY_LOCK_KEY = 0x676F766C65646772
DEFAULT_CHECKPOINT_EVERY = 100
APPEND_ATTEMPTS = 3


def format_at(at: datetime) -> str:
    """The timestamp form used in digests and exports: UTC, always six fractional digits, Z."""
    return to_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_preimage(
    *,
    seq: int,
    decision_id: str,
    model: str,
    version: str,
    target: str,
    failing_policies: list[str],
    requested_by: str,
    ci: dict[str, str],
    at: datetime,
    prev_digest: str,
) -> dict[str, Any]:
    """Exactly the fields an entry's digest covers (adding one is a new ENTRY_FORMAT)."""
    return {
        "format": ENTRY_FORMAT,
        "seq": seq,
        "decision_id": decision_id,
        "model": model,
        "version": version,
        "target": target,
        "failing_policies": list(failing_policies),
        "requested_by": requested_by,
        "ci": dict(ci),
        "at": format_at(at),
        "prev_digest": prev_digest,
    }


def entry_digest(entry: LedgerEntry) -> str:
    """Recompute `sha256:<hex>` of an entry from its fields."""
    return json_sha256(
        entry_preimage(
            seq=entry.seq,
            decision_id=entry.decision_id,
            model=entry.model,
            version=entry.version,
            target=entry.target,
            failing_policies=entry.failing_policies,
            requested_by=entry.requested_by,
            ci=entry.ci,
            at=entry.at,
            prev_digest=entry.prev_digest,
        )
    )


def checkpoint_statement(*, seq: int, head_digest: str, at: datetime, algorithm: str, signer_keyid: str) -> bytes:
    """The bytes a checkpoint signature covers."""
    return canonical_json(
        {
            "format": CHECKPOINT_FORMAT,
            "seq": seq,
            "head_digest": head_digest,
            "at": format_at(at),
            "algorithm": algorithm,
            "signer_keyid": signer_keyid,
        }
    )


def checkpoint_interval() -> int:
    """Entries between automatic checkpoints: GOV_LEDGER_CHECKPOINT_EVERY, default 100."""
    raw = os.environ.get("GOV_LEDGER_CHECKPOINT_EVERY")
    if not raw:
        return DEFAULT_CHECKPOINT_EVERY
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"GOV_LEDGER_CHECKPOINT_EVERY must be a positive integer, got {raw!r}")
    return value


def append_blocked(
    session: Session,
    *,
    decision_id: str,
    model: str,
    version: str,
    target: str,
    failing_policies: list[str],
    requested_by: str,
    ci: dict[str, str],
    at: datetime,
    key_dir: Path | None = None,
    checkpoint_every: int | None = None,
) -> LedgerEntry:
    """Append one blocked check inside the caller's transaction; sign a checkpoint every N entries.

    The entry is never lost for want of a key: a due checkpoint without one is skipped with a warning.
    """
    if at.utcoffset() is None:
        raise InputError("ledger timestamps must be timezone-aware", where="at")
    every = checkpoint_every or checkpoint_interval()
    for _attempt in range(APPEND_ATTEMPTS):
        _lock_chain(session)
        seq, prev = _head(session)
        entry = LedgerEntry(
            seq=seq + 1,
            decision_id=str(decision_id),
            model=str(model),
            version=str(version),
            target=str(target),
            failing_policies=[str(p) for p in failing_policies],
            requested_by=str(requested_by),
            ci={str(k): str(v) for k, v in ci.items()},
            at=to_utc(at),
            prev_digest=prev,
            digest="",
        )
        entry.digest = entry_digest(entry)
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            # Only reachable if an appender skipped the lock; the head moved, so read it again.
            log.warning("ledger append raced at seq %d; retrying", entry.seq)
            continue
        break
    else:
        raise ConflictError(
            f"could not append to the ledger after {APPEND_ATTEMPTS} attempts",
            hint="another writer is appending without the ledger lock",
        )
    if entry.seq % every == 0:
        _checkpoint_if_key(session, entry, key_dir)
    return entry


def write_checkpoint(session: Session, signer: Signer) -> tuple[LedgerCheckpoint, bool]:
    """Sign the current head now. Returns the checkpoint and whether it is new (False: already signed)."""
    _lock_chain(session)
    seq, head = _head(session)
    if seq == 0:
        raise InputError("the ledger is empty: nothing to checkpoint")
    existing = session.exec(select(LedgerCheckpoint).where(LedgerCheckpoint.seq == seq)).first()
    if existing is not None:
        return existing, False
    return _sign(session, signer, seq, head), True


def _checkpoint_if_key(session: Session, entry: LedgerEntry, key_dir: Path | None) -> None:
    try:
        signer = ledger_keys.find_signer(key_dir)
    except ConfigError as exc:
        log.warning("ledger checkpoint at seq %d skipped: %s", entry.seq, exc.one_line())
        return
    if signer is None:
        log.warning("ledger checkpoint at seq %d skipped: no signing key (run `gov keys init`)", entry.seq)
        return
    _sign(session, signer, entry.seq, entry.digest)


def _sign(session: Session, signer: Signer, seq: int, head: str) -> LedgerCheckpoint:
    # Stored to the microsecond, as format_at renders it: the statement must be rebuilt exactly.
    at = utcnow()
    algorithm, keyid = ledger_keys.algorithm(signer), ledger_keys.keyid(signer)
    statement = checkpoint_statement(seq=seq, head_digest=head, at=at, algorithm=algorithm, signer_keyid=keyid)
    checkpoint = LedgerCheckpoint(
        seq=seq,
        head_digest=head,
        at=at,
        algorithm=algorithm,
        signature=ledger_keys.sign(signer, statement),
        signer_keyid=keyid,
        signer_pem=ledger_keys.certificate_pem(signer),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def _lock_chain(session: Session) -> None:
    """Hold the chain's write lock until the caller's transaction ends, before the head is read."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        # pysqlite opens a transaction lazily at the first write, so a plain read of the head could
        # be stale by the time we insert. Taking the write lock first makes read-then-insert atomic.
        # Already in a transaction means a write of this transaction already holds the lock.
        raw = conn.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _head(session: Session) -> tuple[int, str]:
    row = session.connection().execute(text("SELECT seq, digest FROM ledger_entry ORDER BY seq DESC LIMIT 1")).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
