"""Foundation tables: raw OpenLineage events, the lineage graph projected from them, the registry.

Datetimes are timezone-aware UTC (sqlmodel UTCDateTime); `governance.timeutil` converts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class RawEvent(SQLModel, table=True):
    """An accepted OpenLineage event, verbatim. Append-only; deduplicated by content digest."""

    __tablename__ = "raw_event"
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(max_length=16)  # RunEvent | DatasetEvent | JobEvent
    event_type: str | None = Field(default=None, max_length=16)
    event_time: datetime = Field(index=True)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    job_namespace: str | None = Field(default=None, max_length=512)
    job_name: str | None = Field(default=None, max_length=1024)
    producer: str = Field(max_length=2048)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=1024)
    received_at: datetime
    submitted_by: str | None = Field(default=None, max_length=512)  # governance.lineage.submitter


class RejectedEvent(SQLModel, table=True):
    """An event that failed validation, kept with the reason so nothing is dropped silently."""

    __tablename__ = "rejected_event"
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, index=True)
    source: str = Field(max_length=1024)
    location: str | None = Field(default=None, max_length=64)  # line number or batch index
    json_path: str | None = Field(default=None, max_length=1024)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime


class LineageWarning(SQLModel, table=True):
    """A value an accepted event carries against its declared format (or schema), kept with the event.

    Written with the raw event, in its transaction; only for events new to the store.
    """

    __tablename__ = "lineage_warning"
    id: int | None = Field(default=None, primary_key=True)
    event_digest: str = Field(max_length=64, index=True)  # raw_event.digest
    producer: str = Field(max_length=2048, index=True)
    code: str = Field(max_length=64)
    json_path: str = Field(max_length=1024)
    message: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(index=True)


class RunFact(SQLModel, table=True):
    """A fact about a completed run (its authors, its inputs), frozen when the run completed.

    First write wins: a later event claiming a different value is kept in run_fact_conflict and the
    projection keeps this value (governance.lineage.run_facts).
    """

    __tablename__ = "run_fact"
    run_id: str = Field(primary_key=True, max_length=64)
    fact: str = Field(primary_key=True, max_length=32)  # authors | inputs
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    submitted_by: str | None = Field(default=None, max_length=512)
    recorded_at: datetime


class RunFactConflict(SQLModel, table=True):
    """A later claim about a completed run that differs from its first (a finding in every check)."""

    __tablename__ = "run_fact_conflict"
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(max_length=64, index=True)
    fact: str = Field(max_length=32)
    first_value: Any = Field(sa_column=Column(JSON, nullable=False))
    claimed_value: Any = Field(sa_column=Column(JSON, nullable=False))
    submitted_by: str | None = Field(default=None, max_length=512)
    event_digest: str = Field(max_length=64)
    event_time: datetime
    received_at: datetime


class EventSubmission(SQLModel, table=True):
    """A further submitter of a stored event. Events are stored once per body (raw_event.digest, whose
    `submitted_by` is the first submitter); every other identity that submitted the same body is kept
    here, so evidence counts when any trusted submitter sent it (governance.lineage.submissions)."""

    __tablename__ = "event_submission"
    digest: str = Field(primary_key=True, max_length=64)
    submitted_by: str = Field(primary_key=True, max_length=512)
    received_at: datetime


class NodeFactConflict(SQLModel, table=True):
    """A later `ownership` claim about a job or dataset that differs from its first (first write wins:
    the projection keeps the first owners; governance.lineage.node_facts). A finding in every check
    that reads the node."""

    __tablename__ = "node_fact_conflict"
    id: int | None = Field(default=None, primary_key=True)
    node_id: str = Field(max_length=1600, index=True)
    fact: str = Field(max_length=32)  # owners
    first_value: Any = Field(sa_column=Column(JSON, nullable=False))
    claimed_value: Any = Field(sa_column=Column(JSON, nullable=False))
    submitted_by: str | None = Field(default=None, max_length=512)
    event_digest: str = Field(max_length=64)
    event_time: datetime
    received_at: datetime


class Job(SQLModel, table=True):
    __tablename__ = "job"
    __table_args__ = (UniqueConstraint("namespace", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    namespace: str = Field(max_length=512)
    name: str = Field(max_length=1024)
    node_id: str = Field(max_length=1600, unique=True)
    facets: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    facet_times: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen: datetime
    last_seen: datetime


class Dataset(SQLModel, table=True):
    __tablename__ = "dataset"
    __table_args__ = (UniqueConstraint("namespace", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    namespace: str = Field(max_length=512)
    name: str = Field(max_length=1024)
    node_id: str = Field(max_length=1600, unique=True)
    facets: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # eventTime of the value held in `facets` per key: a late-arriving older event must not win.
    facet_times: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen: datetime
    last_seen: datetime


class DatasetFacetVersion(SQLModel, table=True):
    """Every facet value a dataset received, with its event time, so 'as of' can see old facets."""

    __tablename__ = "dataset_facet_version"
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    facet: str = Field(max_length=256)
    value: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    event_time: datetime = Field(index=True)
    raw_event_id: int = Field(foreign_key="raw_event.id")


class Run(SQLModel, table=True):
    __tablename__ = "run"
    run_id: str = Field(primary_key=True, max_length=64)
    job_id: int = Field(foreign_key="job.id", index=True)
    state: str | None = Field(default=None, max_length=16)
    state_time: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    parent_run_id: str | None = Field(default=None, max_length=64, index=True)
    error_message: str | None = Field(default=None, sa_column=Column(Text))
    facets: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen: datetime


class RunIO(SQLModel, table=True):
    """A dataset a run read or wrote, with the dataset version it saw."""

    __tablename__ = "run_io"
    # The unique index leads with run_id, so it serves lookups by run: no separate index (0013).
    # run_id and dataset_id name rows of run and dataset, kept so by their one writer, the lineage
    # projection; not declared as foreign keys, whose per-row checks cost ingest a fifth of the
    # database's time (migration 0014).
    __table_args__ = (UniqueConstraint("run_id", "dataset_id", "direction"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(max_length=64)
    dataset_id: int = Field(index=True)
    direction: str = Field(max_length=3)  # in | out
    version: str | None = Field(default=None, max_length=512)
    facets: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    event_time: datetime


class LineageEdge(SQLModel, table=True):
    """A job-level edge of the graph: dataset -> job (input) or job -> dataset (output).

    `first_seen` is the earliest eventTime that showed the edge, which is what "as of" reads.
    """

    __tablename__ = "lineage_edge"
    __table_args__ = (
        UniqueConstraint("src", "dst"),
        Index("ix_lineage_edge_dst_src", "dst", "src", "first_seen"),
        Index("ix_lineage_edge_src_dst", "src", "dst", "first_seen"),
    )
    id: int | None = Field(default=None, primary_key=True)
    src: str = Field(max_length=1600)
    dst: str = Field(max_length=1600)
    first_seen: datetime


class ColumnEdge(SQLModel, table=True):
    """Column lineage: output column <- input column, from the columnLineage dataset facet."""

    __tablename__ = "column_edge"
    __table_args__ = (
        UniqueConstraint("src_dataset", "src_field", "dst_dataset", "dst_field"),
        Index("ix_column_edge_dst", "dst_dataset", "dst_field"),
        Index("ix_column_edge_src", "src_dataset", "src_field"),
    )
    id: int | None = Field(default=None, primary_key=True)
    src_dataset: str = Field(max_length=1600)
    src_field: str = Field(max_length=512)
    dst_dataset: str = Field(max_length=1600)
    dst_field: str = Field(max_length=512)
    transformation: str | None = Field(default=None, sa_column=Column(Text))
    first_seen: datetime


class RegisteredModel(SQLModel, table=True):
    __tablename__ = "registered_model"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=512, unique=True, index=True)
    owner: str = Field(max_length=256)
    risk_tier: str = Field(default="medium", max_length=32)
    description: str | None = Field(default=None, sa_column=Column(Text))
    tags: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="native", max_length=32)
    created_at: datetime


class ModelVersion(SQLModel, table=True):
    __tablename__ = "model_version"
    __table_args__ = (UniqueConstraint("model_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="registered_model.id", index=True)
    version: str = Field(max_length=128)
    artifact_uri: str = Field(max_length=2048)
    artifact_digest: str = Field(max_length=80)  # "sha256:<hex>"
    training_run_id: str | None = Field(default=None, max_length=64, index=True)
    status: str = Field(default="registered", max_length=32)
    stage: str | None = Field(default=None, max_length=64)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=256)
    created_at: datetime
    tags: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="native", max_length=32)
