"""API tokens: who may call `gov serve`, in which role. Only the SHA-256 of each secret is stored."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class ApiToken(SQLModel, table=True):
    """One bearer token. `name` is the identity that acts (approves, requests checks) when it is used.

    Tokens are never deleted: a revoked token keeps its row, so an audit can still say who held it.
    """

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=256, index=True)
    role: str = Field(max_length=16)
    # sha256 hex of the whole token string; UNIQUE so authentication is one indexed lookup.
    secret_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime
    created_by: str = Field(max_length=256)
    revoked_at: datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=256)
    last_used_at: datetime | None = None
