"""Approval tables: approvals bound to a digest, waivers.

Approvals are append-only. A waiver is never deleted; revoking it records who and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


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
    # A waiver of a critical or `waivable: false` policy is in force only once a second person co-signs it.
    needs_cosign: bool = Field(default=False)
    cosigned_by: str | None = Field(default=None, max_length=256)
    cosigned_at: datetime | None = None
