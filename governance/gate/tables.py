"""Gate tables: decisions of the deployment gate (replayable), append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, text
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
    # failing evidence no verdict covers (governance.policy.findings); never blocks, always shown
    findings: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
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
