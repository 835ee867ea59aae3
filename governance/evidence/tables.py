"""Evidence tables: fairness evaluations bound to a model version and to the digest of their data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class FairnessEvaluation(SQLModel, table=True):
    """One fairness evaluation: its inputs, settings and full results (per-group counts and metrics,
    between-group metrics with confidence intervals, the conventions they follow).

    Rows come from `gov evidence fairness` (producer 'gov-cli') or from an OpenLineage run facet
    (producer = the event's producer URI, run_id = the event's run). Append-only.
    """

    __tablename__ = "fairness_evaluation"
    id: int | None = Field(default=None, primary_key=True)
    model_version_id: int = Field(foreign_key="model_version.id", index=True)
    data_digest: str = Field(max_length=80)  # "sha256:<hex>"
    digest_scope: str = Field(max_length=16)  # file | aggregate | reported
    data_source: str = Field(max_length=4096)
    data_format: str = Field(max_length=16)  # csv | parquet | sql | lineage
    row_count: int
    label_column: str = Field(max_length=256)
    prediction_column: str = Field(max_length=256)
    sensitive_columns: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    score_column: str | None = Field(default=None, max_length=256)
    favorable_label: str = Field(max_length=256)
    privileged_group: str | None = Field(default=None, max_length=1024)
    min_group_size: int
    small_groups: str = Field(max_length=16)  # excluded | included (from max-min aggregates)
    bootstrap_resamples: int
    bootstrap_seed: int | None = None
    confidence: float
    # Bootstrap intervals not computed yet (stored by ingest; governance.evidence.intervals completes them)
    intervals_pending: bool = Field(default=False)
    results: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    input_digest: str = Field(max_length=80, index=True)  # digest of counts + settings
    tool_version: str = Field(max_length=64)
    producer: str = Field(max_length=2048)
    submitted_by: str | None = Field(default=None, max_length=512)  # governance.lineage.submitter
    run_id: str | None = Field(default=None, max_length=64, index=True)
    evaluated_at: datetime
    created_at: datetime
