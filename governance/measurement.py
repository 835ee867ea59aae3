"""One measured value: the shape validation-stage evidence stores and the stage policies read.

A base module, below both users: `governance.evidence` computes and stores `Measurement`s (re-exported by
`governance.evidence.stage`), and the policy context holds the same type
(`governance.policy.stage_context.StageMeasurement`), since the policy layer may not import the evidence
package. One definition, so the two can never drift apart and the gate passes stored measurements to the
policies as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
        def num(v: Any) -> float | None:
            return None if v is None else float(v)

        return cls(
            name=str(d["name"]),
            value=num(d.get("value")),
            low=num(d.get("low")),
            high=num(d.get("high")),
            subject=None if d.get("subject") is None else str(d["subject"]),
            n=None if d.get("n") is None else int(d["n"]),
            higher_is_better=d.get("higher_is_better"),
            detail=dict(d.get("detail") or {}),
        )
