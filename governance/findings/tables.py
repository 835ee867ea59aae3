"""Findings tables: the register (one row per failing item of a model version on a target) and the
history of every change to it (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Finding(SQLModel, table=True):
    """One failing item, identified by `key` within (model, version, target); shown as `F-000123`."""

    __tablename__ = "finding"
    __table_args__ = (UniqueConstraint("model", "version", "target", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=512, index=True)
    version: str = Field(max_length=128)
    model_version_id: int = Field(foreign_key="model_version.id", index=True)
    target: str = Field(max_length=128)
    key: str = Field(max_length=1024)  # the stable identity of what failed (governance.findings.sync)
    kind: str = Field(max_length=32)  # verdict | out_of_policy | degradation
    policy_id: str | None = Field(default=None, max_length=256, index=True)  # a verdict's policy
    source: str = Field(max_length=512)  # the policy or rule whose bound the item breaks
    verdict: str = Field(max_length=32)  # as last seen: fail | warn | inconclusive | not_evaluated | error | ...
    severity: str = Field(max_length=16)
    title: str = Field(max_length=512)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=16, index=True)  # open | in_remediation | closed | accepted
    owner: str | None = Field(default=None, max_length=256)
    due_date: datetime | None = None
    first_seen_decision: str = Field(max_length=36)
    first_seen_at: datetime
    last_seen_decision: str = Field(max_length=36)  # the last decision that saw the item failing
    last_seen_at: datetime
    passing_since_decision: str | None = Field(default=None, max_length=36)
    passing_since_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=256)
    closure_reference: str | None = Field(default=None, max_length=256)  # evidence ref or waiver:<id>
    closure_note: str | None = Field(default=None, sa_column=Column(Text))
    waiver_id: int | None = None  # accepted: the waiver that accepts it
    reopened_count: int = Field(default=0)
    created_at: datetime
    updated_at: datetime


class FindingEvent(SQLModel, table=True):
    """One change to a finding: opened, reopened, passing, failing_again, assigned, started, closed,
    accepted. Append-only."""

    __tablename__ = "finding_event"
    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    at: datetime
    actor: str = Field(max_length=256)  # a person (normalised) or `gate` for a check
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    decision_id: str | None = Field(default=None, max_length=36)
    note: str | None = Field(default=None, sa_column=Column(Text))
