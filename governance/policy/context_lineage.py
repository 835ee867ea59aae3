"""The subject of an evaluation context: the model, the version, its training run and the datasets of
the run's lineage closure (governance.policy.context holds them together), each with its canonical form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from governance.policy.context_values import read_ts
from governance.serial import OMIT_EMPTY, to_jsonable


@dataclass(frozen=True)
class ModelInfo:
    name: str
    owner: str = ""
    risk_tier: str = "medium"
    tags: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelInfo:
        return cls(
            str(d.get("name", "model")),
            str(d.get("owner", "")),
            str(d.get("risk_tier", "medium")),
            dict(d.get("tags") or {}),
        )


@dataclass(frozen=True)
class VersionInfo:
    version: str
    artifact_digest: str
    created_by: str
    created_at: datetime | None = None
    id: int | None = None
    artifact_uri: str = ""
    training_run_id: str | None = None
    status: str = "registered"
    stage: str | None = None
    aliases: tuple[str, ...] = ()
    tags: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VersionInfo:
        return cls(
            version=str(d.get("version", "1")),
            artifact_digest=str(d.get("artifact_digest", "")),
            created_by=str(d.get("created_by", "")),
            created_at=read_ts(d.get("created_at")),
            id=d.get("id"),
            artifact_uri=str(d.get("artifact_uri", "")),
            training_run_id=d.get("training_run_id"),
            status=str(d.get("status", "registered")),
            stage=d.get("stage"),
            aliases=tuple(d.get("aliases") or ()),
            tags=dict(d.get("tags") or {}),
        )


@dataclass(frozen=True)
class RunInfo:
    """The training run: its job, state, facets, and who wrote it (job owners, `gov_runAuthors` facet)."""

    run_id: str
    job: str = ""
    state: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    authors: tuple[str, ...] = ()
    facets: dict[str, Any] = field(default_factory=dict)
    job_facets: dict[str, Any] = field(default_factory=dict)
    # Later claims about the completed run that differ from its first facts (governance.lineage.run_facts):
    # {fact, first, claimed, submitted_by, event_time}. The facts above are the first ones.
    fact_conflicts: tuple[dict[str, Any], ...] = field(
        default=(), metadata=OMIT_EMPTY
    )  # absent: stored contexts unchanged

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunInfo:
        return cls(
            str(d.get("run_id", "")),
            str(d.get("job", "")),
            d.get("state"),
            read_ts(d.get("started_at")),
            read_ts(d.get("ended_at")),
            tuple(d.get("authors") or ()),
            dict(d.get("facets") or {}),
            dict(d.get("job_facets") or {}),
            tuple(dict(c) for c in d.get("fact_conflicts") or ()),
        )


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset in the training lineage closure. depth 1 = read by the training run itself."""

    id: str
    namespace: str = ""
    name: str = ""
    depth: int = 1
    classifications: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    first_seen: datetime | None = None
    deletion: str | None = None  # DROP | TRUNCATE, from a lifecycleStateChange facet
    deleted_at: datetime | None = None
    facets: dict[str, Any] = field(default_factory=dict)
    # Every deletion claim, earliest first: {state, at, submitted_by: [...]}. A policy counts the earliest
    # one a trusted submitter sent (governance.policy.trust); `deletion` above is the earliest of all.
    deletions: tuple[dict[str, Any], ...] = field(default=(), metadata=OMIT_EMPTY)  # absent: stored contexts

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DatasetInfo:
        nid = str(d.get("id", ""))
        parts = nid.split(":", 2)
        return cls(
            nid,
            str(d.get("namespace", parts[1] if len(parts) == 3 else "")),
            str(d.get("name", parts[2] if len(parts) == 3 else "")),
            int(d.get("depth", 1)),
            tuple(d.get("classifications") or ()),
            tuple(d.get("owners") or ()),
            read_ts(d.get("first_seen")),
            d.get("deletion"),
            read_ts(d.get("deleted_at")),
            dict(d.get("facets") or {}),
            tuple(dict(c) for c in d.get("deletions") or ()),
        )
