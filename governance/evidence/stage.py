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

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from governance.measurement import Measurement as Measurement  # one shape, shared with the policy layer

# kind -> the validation stage it is evidence for
KINDS: dict[str, str] = {
    "performance": "performance",
    "drift": "data",
    "data_validation": "data",
    "abtest": "performance",
    "operational": "operational",
}
STAGES = ("data", "performance", "operational", "ethical")


def logical_name(path: str | os.PathLike[str]) -> str:
    """The `data_source` of a file read: its path relative to the working directory when the file lies
    under it ("data/holdout.csv"), else its file name. Never an absolute path: that would show the
    validator's filesystem in the explorer and in reports and mean nothing to an auditor (the file's
    digest identifies the bytes)."""
    given = Path(path)
    try:
        cwd = Path.cwd()
    except OSError:  # the working directory was removed
        return given.name
    # Lexically first (keeps a symlinked folder's own name), then with links resolved on both sides.
    for file, base in ((Path(os.path.abspath(given)), Path(os.path.abspath(cwd))), (given.resolve(), cwd.resolve())):
        if file.is_relative_to(base) and file != base:
            return file.relative_to(base).as_posix()
    return given.name


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
