"""The evaluation context: everything the rules may read about ONE model version and target.

`to_dict()` is the canonical JSON form: it is stored in the decision, it is what CEL sees, and
`from_dict()` rebuilds the same typed context from it (replay, policy tests). Derived facts
(classifications, owners, authors, deletion evidence) are computed once when the context is built
from the store (`governance.gate.gather`) and stored, so a replay reads exactly what the check read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from governance.digest import json_sha256
from governance.policy.model import EvidenceRef
from governance.policy.stage_context import StageEvidence
from governance.serial import OMIT_EMPTY, OMIT_NONE, to_jsonable
from governance.timeutil import iso, parse_optional_timestamp, parse_timestamp

SCHEMA = "gov.policy-context/1"
# Policy tests may omit the evaluation time; a fixed default keeps them deterministic.
DEFAULT_EVALUATED_AT = "2026-01-01T00:00:00Z"
STAGES = ("data_validation", "model_performance", "operational", "ethical")


def _ts(value: Any) -> datetime | None:
    return parse_optional_timestamp(value)


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


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
            created_at=_ts(d.get("created_at")),
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
            _ts(d.get("started_at")),
            _ts(d.get("ended_at")),
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
            _ts(d.get("first_seen")),
            d.get("deletion"),
            _ts(d.get("deleted_at")),
            dict(d.get("facets") or {}),
            tuple(dict(c) for c in d.get("deletions") or ()),
        )


@dataclass(frozen=True)
class ValidationItem:
    """One validation result, whatever carried it: an assertion, a custom facet, stored evidence."""

    stage: str
    name: str
    source: str
    success: bool | None = None
    value: float | None = None
    baseline: float | None = None
    column: str | None = None
    at: datetime | None = None
    window_start: datetime | None = None  # the data window the check measured starts here (monitoring)
    window_end: datetime | None = None
    # Run-facet results (`gov_validationResults`): everyone who submitted an event carrying them
    # (governance.lineage.submissions); None: not attributed (counted, as before). A policy counts
    # them only when one of them is trusted (governance.policy.trust).
    submitted_by: tuple[str, ...] | None = None
    # 0: the run's current results; n: the n-th earlier value of the facet (EvaluationContext.validation_history)
    revision: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stage": self.stage,
            "name": self.name,
            "source": self.source,
            "success": self.success,
            "value": self.value,
            "baseline": self.baseline,
            "column": self.column,
            "at": iso(self.at),
        }
        if self.window_start is not None or self.window_end is not None:  # absent: stored contexts unchanged
            out["window"] = {"start": iso(self.window_start), "end": iso(self.window_end)}
        if self.submitted_by is not None:
            out["submitted_by"] = list(self.submitted_by)
        if self.revision:
            out["revision"] = self.revision
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ValidationItem:
        return cls(
            str(d["stage"]),
            str(d["name"]),
            str(d.get("source", "")),
            d.get("success"),
            _num(d.get("value")),
            _num(d.get("baseline")),
            d.get("column"),
            _ts(d.get("at")),
            _ts((d.get("window") or {}).get("start")),
            _ts((d.get("window") or {}).get("end")),
            tuple(str(x) for x in d["submitted_by"]) if d.get("submitted_by") is not None else None,
            int(d.get("revision") or 0),
        )


@dataclass(frozen=True)
class MetricValue:
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MetricValue:
        ci = d.get("ci") or [d.get("ci_low"), d.get("ci_high")]
        return cls(_num(d.get("value")), _num(ci[0]), _num(ci[1]))


@dataclass(frozen=True)
class GroupEvidence:
    name: str
    count: int
    small: bool = False
    included: bool = True
    privileged: bool | None = None
    metrics: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GroupEvidence:
        return cls(
            str(d["name"]),
            int(d["count"]),
            bool(d.get("small", False)),
            bool(d.get("included", d.get("included_in_aggregates", True))),
            d.get("privileged"),
            {k: _num(v) for k, v in (d.get("metrics") or {}).items()},
        )


@dataclass(frozen=True)
class FairnessEvidence:
    """The adapter over one stored fairness evaluation (table `fairness_evaluation`, its results JSON)."""

    id: int
    sensitive: tuple[str, ...]
    evaluated_at: datetime | None
    metrics: dict[str, MetricValue]
    groups: tuple[GroupEvidence, ...]
    min_group_size: int = 0
    confidence: float | None = None
    data_digest: str = ""
    input_digest: str = ""
    # Who submitted it (governance.identity): None when the context does not record it (policy tests,
    # decisions stored before submitters were), which the trust check then does not apply to.
    submitted_by: str | None = field(default=None, metadata=OMIT_NONE)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FairnessEvidence:
        return cls(
            int(d.get("id", 0)),
            tuple(d.get("sensitive") or ()),
            _ts(d.get("evaluated_at")),
            {k: MetricValue.from_dict(v) for k, v in (d.get("metrics") or {}).items()},
            tuple(GroupEvidence.from_dict(g) for g in d.get("groups") or ()),
            int(d.get("min_group_size", 0)),
            _num(d.get("confidence")),
            str(d.get("data_digest", "")),
            str(d.get("input_digest", "")),
            str(d["submitted_by"]) if d.get("submitted_by") is not None else None,
        )


@dataclass(frozen=True)
class ApprovalRecord:
    id: int
    role: str
    approver: str
    artifact_digest: str
    created_at: datetime | None
    comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ApprovalRecord:
        return cls(
            int(d.get("id", 0)),
            str(d["role"]),
            str(d["approver"]),
            str(d["artifact_digest"]),
            _ts(d.get("created_at")),
            d.get("comment"),
        )


@dataclass(frozen=True)
class WaiverRecord:
    id: int
    policy_id: str
    reason: str
    ticket: str
    approver: str
    expires_at: datetime
    created_at: datetime | None = None
    model_glob: str = "*"
    version: str | None = None
    target: str | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    needs_cosign: bool = False  # a second person must co-sign before it is in force
    cosigned_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # The co-signature keys appear only when a second person is needed, so contexts stored before
        # they existed serialise (and replay) byte-identically.
        cosign = {"needs_cosign": True, "cosigned_by": self.cosigned_by} if self.needs_cosign else {}
        return {
            **cosign,
            "id": self.id,
            "policy_id": self.policy_id,
            "model_glob": self.model_glob,
            "version": self.version,
            "target": self.target,
            "reason": self.reason,
            "ticket": self.ticket,
            "approver": self.approver,
            "expires_at": iso(self.expires_at),
            "created_at": iso(self.created_at),
            "revoked_at": iso(self.revoked_at),
            "revoked_by": self.revoked_by,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WaiverRecord:
        expires = _ts(d.get("expires_at"))
        if expires is None:
            raise ValueError(f"waiver {d.get('id')} has no expires_at")
        return cls(
            int(d.get("id", 0)),
            str(d["policy_id"]),
            str(d.get("reason", "")),
            str(d.get("ticket", "")),
            str(d.get("approver", "")),
            expires,
            _ts(d.get("created_at")),
            str(d.get("model_glob") or "*"),
            d.get("version"),
            d.get("target"),
            _ts(d.get("revoked_at")),
            d.get("revoked_by"),
            bool(d.get("needs_cosign", False)),
            d.get("cosigned_by"),
        )


@dataclass(frozen=True)
class EvaluationContext:
    """One model version, one target, one instant: the only input of every rule."""

    evaluated_at: datetime
    target: str
    model: ModelInfo
    version: VersionInfo
    training_run: RunInfo | None = None
    datasets: tuple[DatasetInfo, ...] = ()
    validation: tuple[ValidationItem, ...] = ()
    fairness: tuple[FairnessEvidence, ...] = ()
    approvals: tuple[ApprovalRecord, ...] = ()
    waivers: tuple[WaiverRecord, ...] = ()
    stages: tuple[StageEvidence, ...] = ()  # validation-stage evidence (governance.policy.stage_context)
    # Metrics of the model that got worse over three consecutive versions ending at this one, as findings
    # (governance.evidence.stage_store.degrading_series): evidence about the trend, listed, never blocking.
    degradations: tuple[dict[str, Any], ...] = ()
    # Earlier values of run-facet results whose submitters differ from the current ones' (revision >= 1):
    # what a policy counts instead when it does not trust the current submitters (governance.policy.trust).
    validation_history: tuple[ValidationItem, ...] = ()
    # Whose evidence counts when a policy names none (GOV_TRUSTED_PRODUCERS or the default); None: not recorded.
    trusted_producers: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form (also the CEL variables: one per top-level key)."""
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "evaluated_at": iso(self.evaluated_at),
            "target": self.target,
            "model": self.model.to_dict(),
            "version": self.version.to_dict(),
            "training_run": self.training_run.to_dict() if self.training_run else None,
            "datasets": [d.to_dict() for d in self.datasets],
            "validation": [v.to_dict() for v in self.validation],
            "fairness": [f.to_dict() for f in self.fairness],
            "approvals": [a.to_dict() for a in self.approvals],
            "waivers": [w.to_dict() for w in self.waivers],
        }
        if self.stages:
            out["stages"] = [s.to_dict() for s in self.stages]
        if self.degradations:
            out["degradations"] = [dict(d) for d in self.degradations]
        if self.validation_history:
            out["validation_history"] = [v.to_dict() for v in self.validation_history]
        if self.trusted_producers is not None:
            out["trusted_producers"] = list(self.trusted_producers)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EvaluationContext:
        """Rebuild from the canonical form; omitted sections default to empty (policy tests write less)."""
        schema = d.get("schema", SCHEMA)
        if schema != SCHEMA:
            raise ValueError(f"unsupported context schema {schema!r} (this gov reads {SCHEMA})")
        run = d.get("training_run")
        return cls(
            evaluated_at=parse_timestamp(str(d.get("evaluated_at") or DEFAULT_EVALUATED_AT)),
            target=str(d.get("target", "production")),
            model=ModelInfo.from_dict(d.get("model") or {}),
            version=VersionInfo.from_dict(d.get("version") or {}),
            training_run=RunInfo.from_dict(run) if run else None,
            datasets=tuple(DatasetInfo.from_dict(x) for x in d.get("datasets") or ()),
            validation=tuple(ValidationItem.from_dict(x) for x in d.get("validation") or ()),
            fairness=tuple(FairnessEvidence.from_dict(x) for x in d.get("fairness") or ()),
            approvals=tuple(ApprovalRecord.from_dict(x) for x in d.get("approvals") or ()),
            waivers=tuple(WaiverRecord.from_dict(x) for x in d.get("waivers") or ()),
            stages=tuple(StageEvidence.from_dict(x) for x in d.get("stages") or ()),
            degradations=tuple(dict(x) for x in d.get("degradations") or () if isinstance(x, dict)),
            validation_history=tuple(ValidationItem.from_dict(x) for x in d.get("validation_history") or ()),
            trusted_producers=tuple(str(x) for x in d["trusted_producers"]) if "trusted_producers" in d else None,
        )

    @cached_property
    def activation(self) -> dict[str, Any]:
        """The CEL variables, computed once per context (read-only by convention)."""
        return self.to_dict()

    # ---- evidence references: what a rule read, named and digested -----------------------------
    def ref_version(self) -> EvidenceRef:
        return EvidenceRef(
            "model_version", f"{self.model.name}@{self.version.version}", json_sha256(self.version.to_dict())
        )

    def ref_run(self, run: RunInfo) -> EvidenceRef:
        return EvidenceRef("training_run", run.run_id, json_sha256(run.to_dict()))

    def ref_dataset(self, ds: DatasetInfo, note: str | None = None) -> EvidenceRef:
        return EvidenceRef("dataset", ds.id, json_sha256(ds.to_dict()), note)

    def ref_fairness(self, ev: FairnessEvidence, note: str | None = None) -> EvidenceRef:
        return EvidenceRef("fairness_evaluation", str(ev.id), json_sha256(ev.to_dict()), note)

    def ref_validation(self, item: ValidationItem) -> EvidenceRef:
        return EvidenceRef("validation", item.source, json_sha256(item.to_dict()), f"{item.stage}: {item.name}")

    def ref_approval(self, approval: ApprovalRecord, note: str | None = None) -> EvidenceRef:
        return EvidenceRef("approval", str(approval.id), json_sha256(approval.to_dict()), note)
