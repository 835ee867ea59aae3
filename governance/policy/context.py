"""The evaluation context: everything the rules may read about ONE model version and target.

`to_dict()` is the canonical JSON form: it is stored in the decision, it is what CEL sees, and
`from_dict()` rebuilds the same typed context from it (replay, policy tests). Derived facts
(classifications, owners, authors, deletion evidence) are computed once when the context is built
from the store (`governance.gate.gather`) and stored, so a replay reads exactly what the check read.

The parts live by concern: governance.policy.context_lineage (model, version, training run, datasets),
governance.policy.context_evidence (validation, fairness), governance.policy.context_approvals
(approvals, waivers), governance.policy.context_values (readers of optional values); they are
re-exported here, so `from governance.policy.context import ...` names every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from governance.digest import json_sha256
from governance.policy.context_approvals import ApprovalRecord, WaiverRecord
from governance.policy.context_evidence import FairnessEvidence, GroupEvidence, MetricValue, ValidationItem
from governance.policy.context_lineage import DatasetInfo, ModelInfo, RunInfo, VersionInfo
from governance.policy.context_values import read_num as _num
from governance.policy.context_values import read_ts as _ts
from governance.policy.model import EvidenceRef
from governance.policy.stage_context import StageEvidence
from governance.timeutil import iso, parse_timestamp

__all__ = [
    "DEFAULT_EVALUATED_AT",
    "SCHEMA",
    "STAGES",
    "ApprovalRecord",
    "DatasetInfo",
    "EvaluationContext",
    "FairnessEvidence",
    "GroupEvidence",
    "MetricValue",
    "ModelInfo",
    "RunInfo",
    "StageEvidence",
    "ValidationItem",
    "VersionInfo",
    "WaiverRecord",
    "_num",
    "_ts",
]

SCHEMA = "gov.policy-context/1"
# Policy tests may omit the evaluation time; a fixed default keeps them deterministic.
DEFAULT_EVALUATED_AT = "2026-01-01T00:00:00Z"
STAGES = ("data_validation", "model_performance", "operational", "ethical")


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
