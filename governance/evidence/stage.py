"""Validation-stage evidence: the one shape every computed or imported stage result takes.

The method the product follows has four validation stages: data (schema, distribution and drift
checks), performance (accuracy metrics, business KPIs, comparison against a baseline or the champion),
operational (latency, throughput, errors, resources) and ethical (fairness, kept in its own table by
`governance.evidence.fairness`). Every evidence kind below is computed by this product from the data
(or imported from a tool a team already runs: Great Expectations, Evidently, k6, Locust) and reduced
to a `StageResult`: a list of `Measurement`s, each with its interval when the kind has one.

Modules: `performance.py`, `drift.py`, `abtest.py`, `operational.py` compute; `stage_imports.py`
reads other tools' outputs; `stage_store.py` stores and lists results (table `stage_evidence`).
Policies read them through `governance.policy.stage_context.StageEvidence` (rule kinds
`performance_threshold`, `drift_threshold`, `ab_test`, `operational_slo`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# kind -> the validation stage it is evidence for
KINDS: dict[str, str] = {
    "performance": "performance",
    "drift": "data",
    "data_validation": "data",
    "abtest": "performance",
    "operational": "operational",
}
STAGES = ("data", "performance", "operational", "ethical")


@dataclass(frozen=True)
class Measurement:
    """One measured value.

    `name` is the metric id ("auc", "psi", "latency_p95_ms", "lift"); `subject` what it is about when a
    result has several (a feature for drift, an expectation for data validation, an endpoint for a
    load test; None for the model as a whole). `low`/`high` are the interval at the result's
    `confidence` (None when the kind has no interval). `higher_is_better` orients thresholds in
    reports and trends (None: neither). `detail` holds what explains the value: the test used, its
    p-value, the champion's value and the paired difference, the bins.
    """

    name: str
    value: float | None
    low: float | None = None
    high: float | None = None
    subject: str | None = None
    n: int | None = None
    higher_is_better: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "subject": self.subject,
            "n": self.n,
            "higher_is_better": self.higher_is_better,
            "detail": dict(self.detail),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Measurement:
        return cls(
            name=str(d["name"]),
            value=None if d.get("value") is None else float(d["value"]),
            low=None if d.get("low") is None else float(d["low"]),
            high=None if d.get("high") is None else float(d["high"]),
            subject=d.get("subject"),
            n=None if d.get("n") is None else int(d["n"]),
            higher_is_better=d.get("higher_is_better"),
            detail=dict(d.get("detail") or {}),
        )


@dataclass(frozen=True)
class StageResult:
    """The result of one evidence computation or import, before it is bound to a model version.

    `summary` is kind-specific and JSON-ready: for drift the share of drifting features and the
    decision rule; for an A/B test the verdict (win | lose | inconclusive | invalid), the SRM check, power and
    minimum detectable effect; for performance the champion compared against, if any.
    `data_digest` is "sha256:<hex>" of the input bytes (digest_scope "file"), of the aggregate a
    database returned ("aggregate"), or of the imported tool output ("reported").
    """

    kind: str
    measurements: tuple[Measurement, ...]
    summary: dict[str, Any]
    row_count: int
    data_digest: str
    digest_scope: str  # file | aggregate | reported
    data_source: str  # a logical name or redacted URL, never a secret
    source: str  # computed | great_expectations | evidently | k6 | locust | latency_csv
    tool_version: str
    confidence: float | None = None
    resamples: int | None = None
    seed: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None

    @property
    def stage(self) -> str:
        return KINDS[self.kind]

    def measurement(self, name: str, subject: str | None = None) -> Measurement | None:
        for m in self.measurements:
            if m.name == name and m.subject == subject:
                return m
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stage": self.stage,
            "measurements": [m.to_dict() for m in self.measurements],
            "summary": dict(self.summary),
            "row_count": self.row_count,
            "data_digest": self.data_digest,
            "digest_scope": self.digest_scope,
            "data_source": self.data_source,
            "source": self.source,
            "tool_version": self.tool_version,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "seed": self.seed,
            "window_start": None if self.window_start is None else self.window_start.isoformat(),
            "window_end": None if self.window_end is None else self.window_end.isoformat(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StageResult:
        def ts(v: Any) -> datetime | None:
            return None if v is None else datetime.fromisoformat(str(v))

        return cls(
            kind=str(d["kind"]),
            measurements=tuple(Measurement.from_dict(m) for m in d.get("measurements", [])),
            summary=dict(d.get("summary") or {}),
            row_count=int(d["row_count"]),
            data_digest=str(d["data_digest"]),
            digest_scope=str(d["digest_scope"]),
            data_source=str(d.get("data_source", "")),
            source=str(d["source"]),
            tool_version=str(d.get("tool_version", "")),
            confidence=d.get("confidence"),
            resamples=d.get("resamples"),
            seed=d.get("seed"),
            window_start=ts(d.get("window_start")),
            window_end=ts(d.get("window_end")),
        )
