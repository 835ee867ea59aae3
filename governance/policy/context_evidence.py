"""The evidence of an evaluation context: validation results (whatever carried them) and fairness
evaluations with their metrics and groups, each with its canonical form (governance.policy.context)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from governance.policy.context_values import read_num, read_ts
from governance.serial import OMIT_NONE, to_jsonable
from governance.timeutil import iso


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
            read_num(d.get("value")),
            read_num(d.get("baseline")),
            d.get("column"),
            read_ts(d.get("at")),
            read_ts((d.get("window") or {}).get("start")),
            read_ts((d.get("window") or {}).get("end")),
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
        return cls(read_num(d.get("value")), read_num(ci[0]), read_num(ci[1]))


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
            {k: read_num(v) for k, v in (d.get("metrics") or {}).items()},
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
            read_ts(d.get("evaluated_at")),
            {k: MetricValue.from_dict(v) for k, v in (d.get("metrics") or {}).items()},
            tuple(GroupEvidence.from_dict(g) for g in d.get("groups") or ()),
            int(d.get("min_group_size", 0)),
            read_num(d.get("confidence")),
            str(d.get("data_digest", "")),
            str(d.get("input_digest", "")),
            str(d["submitted_by"]) if d.get("submitted_by") is not None else None,
        )
