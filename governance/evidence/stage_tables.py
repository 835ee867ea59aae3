"""Validation-stage evidence table: one row per stored `governance.evidence.stage.StageResult`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class StageEvidenceRow(SQLModel, table=True):
    """One stage result bound to a model version (performance, drift, data validation, A/B test,
    operational), with who submitted it. Append-only: a new result is a new row; the gate reads the
    latest per kind. Evidence without a recorded submitter is not counted by the gate."""

    __tablename__ = "stage_evidence"
    id: int | None = Field(default=None, primary_key=True)
    model_version_id: int = Field(foreign_key="model_version.id", index=True)
    kind: str = Field(max_length=32, index=True)
    stage: str = Field(max_length=32)
    measurements: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    row_count: int
    data_digest: str = Field(max_length=80)
    digest_scope: str = Field(max_length=16)  # file | aggregate | reported
    data_source: str = Field(max_length=4096)
    source: str = Field(max_length=64)  # computed | great_expectations | evidently | k6 | locust | latency_csv
    tool_version: str = Field(max_length=64)
    confidence: float | None = None
    resamples: int | None = None
    seed: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    submitted_by: str | None = Field(default=None, max_length=512)  # governance.identity
    producer: str = Field(max_length=2048)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    evaluated_at: datetime
    created_at: datetime
