"""Policy tables: decisions of the deployment gate (replayable), approvals bound to a digest, waivers.

Decisions and approvals are append-only. A waiver is never deleted; revoking it records who and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


class Decision(SQLModel, table=True):
    """One `gov check`: the verdicts and everything needed to reproduce them (context and policy texts)."""

    __tablename__ = "policy_decision"
    id: str = Field(primary_key=True, max_length=36)  # uuid4
    model: str = Field(max_length=512, index=True)
    version: str = Field(max_length=128)
    model_version_id: int = Field(foreign_key="model_version.id", index=True)
    target: str = Field(max_length=128)
    deployable: bool
    exit_code: int
    verdicts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    out_of_scope: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    context_digest: str = Field(max_length=80)
    policy_documents: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    bundle_digest: str = Field(max_length=80)
    policy_root: str = Field(max_length=1024)  # where the policies were read from (informational)
    evidence_digests: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tool_version: str = Field(max_length=64)
    requested_by: str = Field(max_length=256)
    ci: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ledger: str = Field(max_length=64)  # appended (blocked) | not_blocked
    created_at: datetime = Field(index=True)


class Approval(SQLModel, table=True):
    """Someone in a role approved one model version *as the artifact with this digest*."""

    __tablename__ = "policy_approval"
    id: int | None = Field(default=None, primary_key=True)
    model_version_id: int = Field(foreign_key="model_version.id", index=True)
    role: str = Field(max_length=128)
    approver: str = Field(max_length=256)
    artifact_digest: str = Field(max_length=80)
    comment: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime


class Waiver(SQLModel, table=True):
    """An accepted exception to one policy for a scope, until it expires or is revoked."""

    __tablename__ = "policy_waiver"
    id: int | None = Field(default=None, primary_key=True)
    policy_id: str = Field(max_length=256, index=True)
    model_glob: str = Field(default="*", max_length=512)
    version: str | None = Field(default=None, max_length=128)  # None: every version
    target: str | None = Field(default=None, max_length=128)  # glob; None: every target
    reason: str = Field(sa_column=Column(Text, nullable=False))
    ticket: str = Field(max_length=256)
    approver: str = Field(max_length=256)
    expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=256)
