"""API tokens: create (secret shown once), list, revoke, and authenticate a bearer secret.

A token is `gov_` + 32 random bytes (256 bits, URL-safe base64). Only its SHA-256 is stored. A
deliberately slow hash (bcrypt, argon2) protects *low-entropy* secrets against offline guessing;
a 256-bit random secret cannot be guessed however fast the hash, so a plain SHA-256 loses nothing
and lets every request authenticate with one indexed lookup instead of ~100 ms of key stretching.
Lookups go by the hash, so response timing says nothing about the secret.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.auth.roles import Role, parse_role
from governance.auth.tables import ApiToken
from governance.errors import InputError, NotFoundError
from governance.timeutil import iso, utcnow

PREFIX = "gov_"
SECRET_BYTES = 32
# last_used_at is refreshed at most this often per token, so authentication stays a read under load.
TOUCH_INTERVAL = timedelta(seconds=60)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,255}$")
_SECRET = re.compile(r"^gov_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the identity that acts, its role, and the token used (None without auth)."""

    name: str
    role: Role
    token_id: int | None = None


def hash_secret(secret: str) -> str:
    """Hex SHA-256 of a token: what the store keeps instead of the token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def validate_name(name: str) -> str:
    """Identities are plain names (letters, digits, `._@+-`): they appear in approvals and the ledger.
    The name is normalised first (governance.identity: NFKC, trimmed, case folded), so `Alice` and
    `alice` are one identity."""
    from governance.identity import normalise_identity

    name = normalise_identity(name, field="name")
    if not _NAME.match(name):
        raise InputError(
            f"token name must be 1-256 characters of letters, digits and ._@+-, got {name!r}",
            where="name",
            hint="use the person's or pipeline's identity, e.g. alice@example.com",
        )
    return name


def create_token(session: Session, *, name: str, role: str, created_by: str) -> tuple[ApiToken, str]:
    """Store a new token; return its row and the secret, which exists nowhere else afterwards."""
    token = ApiToken(
        name=validate_name(name),
        role=parse_role(role).value,
        created_at=utcnow(),
        created_by=created_by[:256],
        secret_sha256="",
    )
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    token.secret_sha256 = hash_secret(secret)
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(session: Session, *, include_revoked: bool = True) -> list[ApiToken]:
    """Tokens in creation order."""
    query = select(ApiToken).order_by(col(ApiToken.id))
    if not include_revoked:
        query = query.where(col(ApiToken.revoked_at).is_(None))
    return list(session.exec(query))


def revoke_token(session: Session, token_id: int, *, by: str) -> tuple[ApiToken, bool]:
    """Revoke a token now. Returns it and whether this call revoked it (False: it already was)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"no API token with id {token_id}", where="ID", hint="see `gov token list`")
    if token.revoked_at is not None:
        return token, False
    token.revoked_at, token.revoked_by = utcnow(), by[:256]
    session.add(token)
    session.flush()
    return token, True


def active_token_count(session: Session) -> int:
    """How many tokens are not revoked."""
    return int(session.exec(select(func.count(col(ApiToken.id))).where(col(ApiToken.revoked_at).is_(None))).one())


Found = tuple[Principal, bool]  # the principal, and whether its last use is due to be recorded (`touch`)


def lookup(engine: Engine, secret: str) -> Found | None:
    """The principal of an active token with this secret, and whether its last use is due to be
    recorded (`touch`); None when there is no such token. One indexed read."""
    if not _SECRET.match(secret):
        return None  # not one of ours: no database round trip
    # Core, not an ORM Session: this runs for every API request, and a Session costs more than the query.
    with engine.connect() as conn:
        row = conn.execute(_LOOKUP_ONE, {"digest": hash_secret(secret)}).first()
    return None if row is None else _found(row, utcnow())


def lookup_many(engine: Engine, secrets: list[str]) -> dict[str, Found]:
    """`lookup` of several secrets in one query (concurrent requests: see api/security.py); secrets
    without an active token are absent from the answer."""
    digests = {hash_secret(s): s for s in secrets if _SECRET.match(s)}  # not ours: no database round trip
    if not digests:
        return {}
    with engine.connect() as conn:  # Core, as in `lookup`
        rows = conn.execute(_LOOKUP, {"digests": list(digests)}).all()
    now = utcnow()
    return {digests[row[4]]: _found(row, now) for row in rows}


def _found(row: Any, now: datetime) -> Found:
    token_id, name, role, last_used = row[:4]
    due = last_used is None or now - _aware(last_used) > TOUCH_INTERVAL
    return Principal(name=name, role=Role(role), token_id=token_id), due


def touch(engine: Engine, principal: Principal) -> None:
    """Record that the principal's token was used now (a write: at most once per TOUCH_INTERVAL)."""
    # Conditional, so replicas refreshing the same token at once write it once.
    now = utcnow()
    cutoff = now - TOUCH_INTERVAL
    with engine.begin() as conn:
        conn.execute(
            update(ApiToken)
            .where(col(ApiToken.id) == principal.token_id)
            .where(or_(col(ApiToken.last_used_at).is_(None), col(ApiToken.last_used_at) < cutoff))
            .values(last_used_at=now)
        )


_COLUMNS: Any = (ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.last_used_at, ApiToken.secret_sha256)
_ACTIVE = col(ApiToken.revoked_at).is_(None)
# One digest: a statement SQLAlchemy compiles once (an expanding IN is rendered again on every call).
_LOOKUP_ONE = select(*_COLUMNS).where(col(ApiToken.secret_sha256) == bindparam("digest"), _ACTIVE)
_LOOKUP = select(*_COLUMNS).where(col(ApiToken.secret_sha256).in_(bindparam("digests", expanding=True)), _ACTIVE)


def _aware(value: datetime) -> datetime:
    from governance.timeutil import to_utc

    return to_utc(value)


def token_to_dict(token: ApiToken) -> dict[str, Any]:
    """A token as listed: never the secret or its hash."""
    return {
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "created_at": iso(token.created_at),
        "created_by": token.created_by,
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
        "revoked_by": token.revoked_by,
        "status": "revoked" if token.revoked_at else "active",
    }
