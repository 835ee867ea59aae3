"""Validation-stage evidence as the policy context holds it, and the bound logic the stage rule kinds share.

`StageEvidence` is one stored stage result (`governance.evidence.stage.StageResult` bound to a version by
`governance.evidence.stage_store`), with who submitted it and, for monitoring, when the version entered
the target. Plain JSON types and the shared `governance.measurement.Measurement` only: the policy layer
does not import the evidence package.

Uncertainty-aware bounds (`judge`): a bound on the interval fails when the whole interval is on the
wrong side of the threshold, passes when it is wholly on the right side, and is INCONCLUSIVE when the
interval straddles the threshold. The sample size that would decide it is a simple estimate: an interval
shrinks with 1/sqrt(n), so to bring the half-width (high-low)/2 within the margin |value-threshold|
takes about n * ((high-low) / (2*margin))^2 rows.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from governance.digest import json_sha256
from governance.measurement import Measurement
from governance.policy.model import EvidenceRef, RuleResult, Verdict
from governance.timeutil import iso, parse_optional_timestamp

# The measurements of stage evidence, as the evidence package stores them: one type, from a base module
# (governance.measurement), since this layer may not import governance.evidence.
StageMeasurement = Measurement


@dataclass(frozen=True)
class StageEvidence:
    """One stored stage result of the version under check."""

    id: int
    kind: str  # performance | drift | data_validation | abtest | operational
    stage: str  # data | performance | operational
    measurements: tuple[StageMeasurement, ...]
    summary: dict[str, Any]
    row_count: int
    data_digest: str
    source: str
    evaluated_at: datetime | None
    submitted_by: str | None = None
    confidence: float | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    # When the version entered the context's target (its first deployable decision there); None: not yet.
    entered_target: datetime | None = None

    def measurement(self, name: str, subject: str | None = None) -> StageMeasurement | None:
        for m in self.measurements:
            if m.name == name and m.subject == subject:
                return m
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "stage": self.stage,
            "measurements": [m.to_dict() for m in self.measurements],
            "summary": dict(self.summary),
            "row_count": self.row_count,
            "data_digest": self.data_digest,
            "source": self.source,
            "evaluated_at": iso(self.evaluated_at) if self.evaluated_at else None,
            "submitted_by": self.submitted_by,
            "confidence": self.confidence,
            "window_start": iso(self.window_start) if self.window_start else None,
            "window_end": iso(self.window_end) if self.window_end else None,
            "entered_target": iso(self.entered_target) if self.entered_target else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StageEvidence:
        return cls(
            id=int(d.get("id") or 0),
            kind=str(d["kind"]),
            stage=str(d.get("stage", "")),
            measurements=tuple(StageMeasurement.from_dict(m) for m in d.get("measurements") or ()),
            summary=dict(d.get("summary") or {}),
            row_count=int(d.get("row_count") or 0),
            data_digest=str(d.get("data_digest", "")),
            source=str(d.get("source", "")),
            evaluated_at=parse_optional_timestamp(d.get("evaluated_at")),
            submitted_by=None if d.get("submitted_by") is None else str(d["submitted_by"]),
            confidence=None if d.get("confidence") is None else float(d["confidence"]),
            window_start=parse_optional_timestamp(d.get("window_start")),
            window_end=parse_optional_timestamp(d.get("window_end")),
            entered_target=parse_optional_timestamp(d.get("entered_target")),
        )


def ref_stage(ev: StageEvidence, note: str | None = None) -> EvidenceRef:
    return EvidenceRef("stage_evidence", str(ev.id), json_sha256(ev.to_dict()), note)


# ---- shared by the stage rule kinds ------------------------------------------------------------------
def trusted_stages(
    stages: tuple[StageEvidence, ...], kind: str | None, trusted: tuple[str, ...]
) -> tuple[list[StageEvidence], list[str]]:
    """The evidence of `kind` (None: every kind) the reader counts, and one line per piece it does not
    (untrusted or unrecorded submitter: evidence nobody vouches for is never counted)."""
    from governance.identity import is_trusted

    counted, dropped = [], []
    for ev in stages:
        if kind is not None and ev.kind != kind:
            continue
        if ev.submitted_by is None or not is_trusted(ev.submitted_by, trusted):
            who = ev.submitted_by or "an unrecorded submitter"
            dropped.append(
                f"not counted: {ev.kind} evidence {ev.id} submitted by {who}, an untrusted submitter "
                f"(trusted: {', '.join(trusted)})"
            )
            continue
        counted.append(ev)
    return counted, dropped


def latest(evidence: list[StageEvidence]) -> StageEvidence | None:
    """The most recent piece (evaluation time, then id)."""
    if not evidence:
        return None
    return max(evidence, key=lambda e: (e.evaluated_at is not None, e.evaluated_at, e.id))


def after_deployment(ev: StageEvidence) -> bool:
    """Whether the evidence's window starts at or after the version entered the target (monitoring)."""
    return ev.entered_target is not None and ev.window_start is not None and ev.window_start >= ev.entered_target


def missing(message: str, dropped: list[str], refs: tuple[EvidenceRef, ...]) -> RuleResult:
    """NOT_EVALUATED, naming the evidence that was not counted."""
    if dropped:
        message += f"; {dropped[0]}" + (f" (+{len(dropped) - 1} more)" if len(dropped) > 1 else "")
    return RuleResult(Verdict.NOT_EVALUATED, message, refs, tuple(dropped))


def with_dropped(result: RuleResult, dropped: list[str]) -> RuleResult:
    return dataclasses.replace(result, details=result.details + tuple(dropped)) if dropped else result


def samples_to_decide(n: int | None, low: float, high: float, threshold: float, value: float | None) -> str:
    """The estimate n * ((high-low) / (2*margin))^2, margin = |value - threshold| (see the module docstring)."""
    if n is None or n <= 0 or value is None:
        return "the sample size that would decide it is unknown (no sample size or point value recorded)"
    margin = abs(value - threshold)
    if margin == 0:
        return "the point value equals the threshold: no sample size decides it"
    need = n * ((high - low) / (2 * margin)) ** 2
    return (
        f"about {math.ceil(need):,} rows would decide it (estimate n*((high-low)/(2*margin))^2 from "
        f"n={n:,}, margin {margin:.4g})"
    )


def judge(
    label: str,
    m: StageMeasurement,
    low: float | None,
    high: float | None,
    applies_to: str,
    where: str,
    *,
    value: float | None = None,
    interval: tuple[float | None, float | None] | None = None,
) -> tuple[Verdict, str]:
    """The verdict of one bound (`>= low`, `<= high`, inclusive) on a measurement's point value or interval;
    a missing or NaN value or interval end is NOT_EVALUATED, never a pass.

    `value`/`interval` override the measurement's (e.g. the delta to the champion). The message names the
    evidence (`where`), the metric, the value, the interval, the threshold and the bound that decided."""
    v = _number(m.value if value is None else value)
    lo, hi = (_number(end) for end in ((m.low, m.high) if interval is None else interval))
    shown = "?" if v is None else f"{v:.4g}"
    if lo is not None and hi is not None:
        shown += f" [{lo:.4g}, {hi:.4g}]"
    target = _bound_text(low, high)
    head = f"{label} = {shown} in {where}"
    if applies_to == "point":
        if v is None:
            return Verdict.NOT_EVALUATED, f"{head}: no point value"
        if high is not None and v > high:
            return Verdict.FAIL, f"{head}: the point value {v:.4g} > {high:g}"
        if low is not None and v < low:
            return Verdict.FAIL, f"{head}: the point value {v:.4g} < {low:g}"
        return Verdict.PASS, f"{head}: the point value is {target}"
    if lo is None or hi is None:
        return (
            Verdict.NOT_EVALUATED,
            f"{head}: no interval recorded (re-run with resamples, or use applies_to: point)",
        )
    if high is not None:
        if lo > high:
            return Verdict.FAIL, f"{head}: the lower end of the interval {lo:.4g} > {high:g}"
        if hi > high:
            decide = samples_to_decide(m.n, lo, hi, high, v)
            return (
                Verdict.INCONCLUSIVE,
                f"{head}: the interval [{lo:.4g}, {hi:.4g}] straddles the threshold {high:g} "
                f"(upper end {hi:.4g} > {high:g}); {decide}",
            )
    if low is not None:
        if hi < low:
            return Verdict.FAIL, f"{head}: the upper end of the interval {hi:.4g} < {low:g}"
        if lo < low:
            decide = samples_to_decide(m.n, lo, hi, low, v)
            return (
                Verdict.INCONCLUSIVE,
                f"{head}: the interval [{lo:.4g}, {hi:.4g}] straddles the threshold {low:g} "
                f"(lower end {lo:.4g} < {low:g}); {decide}",
            )
    return Verdict.PASS, f"{head}: the whole interval is {target}"


def _number(value: float | None) -> float | None:
    """NaN is no value: it compares false both ways, so a bound would otherwise let it pass."""
    return None if value is None or math.isnan(value) else value


def _bound_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"in [{low:g}, {high:g}]"
    return f">= {low:g}" if low is not None else f"<= {high:g}"


def too_old(at: datetime | None, now: datetime, max_age: timedelta | None) -> bool:
    if max_age is None:
        return False
    return at is None or now - at > max_age


def parse_common(rule: dict[str, Any], report: Any) -> tuple[float | None, float | None, bool]:
    """`bound: {min, max}` (checked for order); (low, high, ok)."""
    bound = rule.get("bound") or {}
    low, high = bound.get("min"), bound.get("max")
    if low is None and high is None:
        report(("bound",), "give min, max or both")
        return None, None, False
    if low is not None and high is not None and low > high:
        report(("bound",), f"min {low} is greater than max {high}")
        return None, None, False
    return (None if low is None else float(low)), (None if high is None else float(high)), True


def select(
    policy: Any, ctx: Any, kind: str, *, max_age: timedelta | None, window: str, what: str
) -> tuple[StageEvidence | None, RuleResult | None, list[str]]:
    """The latest trusted evidence of `kind` the policy counts, or the NOT_EVALUATED result saying why not.

    `window: after_deployment` counts only evidence whose window starts at or after the version entered
    the target (monitoring); evidence older than `max_age` at the context's time is stale."""
    from governance.policy.durations import describe
    from governance.policy.trust import trusted_for

    counted, dropped = trusted_stages(ctx.stages, kind, trusted_for(policy, ctx))
    version_ref = (ctx.ref_version(),)
    if window == "after_deployment":
        before = [e for e in counted if not after_deployment(e)]
        counted = [e for e in counted if after_deployment(e)]
        if not counted:
            entered = next((e.entered_target for e in ctx.stages if e.entered_target is not None), None)
            when = (
                f"the version entered {ctx.target} at {iso(entered)}"
                if entered
                else f"the version has not entered {ctx.target} yet"
            )
            note = (
                f" ({len(before)} piece(s) of {kind} evidence have a window before that or none, and do not count)"
                if before
                else ""
            )
            return None, missing(f"no {what} with a window after deployment: {when}{note}", dropped, version_ref), []
    ev = latest(counted)
    if ev is None:
        return None, missing(f"no {what} for this version", dropped, version_ref), []
    if too_old(ev.evaluated_at, ctx.evaluated_at, max_age):
        age = describe(max_age) if max_age else "any age"
        at = iso(ev.evaluated_at) if ev.evaluated_at else "an unknown time"
        return (
            None,
            missing(f"the latest {what} (evidence {ev.id}, {at}) is older than {age}", dropped, (ref_stage(ev),)),
            [],
        )
    return ev, None, dropped


def combine(parts: list[tuple[Verdict, str]], refs: tuple[EvidenceRef, ...], dropped: list[str]) -> RuleResult:
    """The worst of the checks decides; every check is a detail line."""
    from governance.policy.model import summarise

    if not parts:
        return RuleResult(Verdict.NOT_EVALUATED, "nothing to check", refs, tuple(dropped))
    ok = "; ".join(text for _, text in parts)
    verdict, message, details = summarise(parts, ok)
    return RuleResult(verdict, message, refs, details + tuple(dropped))
