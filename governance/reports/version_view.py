"""The views of one model version in the audit report: verdicts and decisions, fairness, approvals, waivers,
lineage, findings, conclusions, stages and monitoring, history and the glossary. Plain frozen dataclasses,
filled by `governance.reports.build`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from governance.registry.model_card import ModelCardView
    from governance.reports.data_section import DataSectionView


@dataclass(frozen=True)
class Evidence:
    kind: str
    id: str
    digest: str | None
    note: str | None


@dataclass(frozen=True)
class AppliedWaiver:
    """The waiver that turned a verdict into `waived`: who granted it, until when, why."""

    id: int
    ticket: str
    approver: str
    expires_at: str
    reason: str


@dataclass(frozen=True)
class VerdictItem:
    """One item of a verdict that did not pass: a whole verdict, or one of its checks (a detail line)."""

    status: str  # fail | warn | waived | inconclusive | not_evaluated | error
    text: str  # the measured value against the threshold, or what evidence is missing


@dataclass(frozen=True)
class VerdictRow:
    policy_id: str
    policy_version: str
    title: str
    kind: str
    mode: str
    severity: str
    verdict: str
    rule_verdict: str
    blocking: bool
    message: str
    controls: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    details: tuple[str, ...]
    waiver: str | None
    rationale: str = ""
    remediation: str = ""
    applied_waiver: AppliedWaiver | None = None
    items: tuple[VerdictItem, ...] = ()  # every item that did not pass (governance.reports.sections.verdict_items)


@dataclass(frozen=True)
class DecisionView:
    id: str
    target: str
    at: datetime
    deployable: bool
    exit_code: int
    requested_by: str
    bundle_digest: str
    context_digest: str
    ledger: str
    verdicts: tuple[VerdictRow, ...]
    out_of_scope: tuple[str, ...]
    counts: dict[str, int]
    findings: tuple[dict[str, Any], ...] = ()  # failing evidence no verdict covers (stored with the decision)


@dataclass(frozen=True)
class GroupRate:
    """A per-group rate with its interval (Wilson score interval from the group's counts)."""

    value: float | None
    low: float | None
    high: float | None
    successes: int
    trials: int


@dataclass(frozen=True)
class GroupRow:
    name: str
    label: str  # the group's values only ("female, 18-25"), for charts
    count: int
    privileged: bool | None
    small: bool
    base_rate: float | None
    selection: GroupRate
    tpr: GroupRate
    fpr: GroupRate


@dataclass(frozen=True)
class MetricRow:
    key: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    definition: str
    ideal: float | None
    headline: bool  # shown in the PDF; every metric is in the results JSON


@dataclass(frozen=True)
class ChartLine:
    """A policy threshold drawn on one panel of the fairness chart: a group whose dot lies left of it fails."""

    panel: str  # selection | tpr | fpr (governance.reports.charts.PANELS)
    value: float  # on the rate scale
    label: str  # short, drawn under the panel ("0.8 × highest = 0.521")
    policy_id: str
    text: str  # the rule in words, for the caption and the alternative text


@dataclass(frozen=True)
class FairnessView:
    id: int
    evaluated_at: datetime | None
    data_source: str
    data_digest: str
    input_digest: str
    rows: int
    sensitive: tuple[str, ...]
    privileged: tuple[str, ...]
    confidence: float
    resamples: int
    groups: tuple[GroupRow, ...]
    metrics: tuple[MetricRow, ...]
    four_fifths_passes: bool | None
    four_fifths_reference: str | None
    adverse_groups: tuple[str, ...]
    notes: tuple[str, ...]
    favorable_meaning: str | None = None  # what "selected" means (`gov evidence fairness --favorable-meaning`)
    thresholds: tuple[ChartLine, ...] = ()  # thresholds of the policies that read this evaluation


@dataclass(frozen=True)
class ApprovalView:
    id: int
    role: str
    approver: str
    at: datetime | None
    artifact_digest: str
    digest_matches: bool
    separation_of_duties: str  # independent | violation: ...
    comment: str | None


@dataclass(frozen=True)
class WaiverView:
    id: int
    policy_id: str
    scope: str
    reason: str
    ticket: str
    approver: str
    created_at: datetime | None
    expires_at: datetime
    status: str  # active | expired | revoked


@dataclass(frozen=True)
class LineageNode:
    id: str
    kind: str  # dataset | job | model
    label: str
    layer: int
    classifications: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    retention: str = ""
    depth: int | None = None  # dataset steps from the training run (1 = read by it)


@dataclass(frozen=True)
class LineageView:
    status: str  # known | missing | unknown_run
    message: str
    run_id: str | None
    job: str | None
    state: str | None
    started_at: datetime | None
    ended_at: datetime | None
    authors: tuple[str, ...]
    nodes: tuple[LineageNode, ...]
    edges: tuple[tuple[str, str], ...]
    events_digest: str | None  # over the sorted digests of the training run's raw events
    events: int


@dataclass(frozen=True)
class FindingRow:
    """One entry of the findings register (governance.findings): open, in remediation, or closed in the period."""

    ref: str  # F-000123
    model: str
    version: str
    target: str
    severity: str
    title: str
    verdict: str  # the failing item's verdict as last seen
    status: str  # open | in_remediation | closed | accepted
    owner: str | None
    due_date: datetime | None
    overdue: bool
    first_seen_at: datetime | None
    closed_at: datetime | None = None
    closed_by: str | None = None
    closure: str | None = None  # the evidence reference or waiver:<id> it was closed with, and the note


@dataclass(frozen=True)
class Conclusion:
    """The validator's conclusion for one version (governance.reports.conclusion.conclude; rules in docs/reports.md)."""

    level: str  # fit | fit_with_conditions | not_fit
    text: str  # "Fit for use" | "Fit for use with conditions" | "Not fit for use"
    reasons: tuple[str, ...]  # why not fit, in words
    conditions: tuple[str, ...]  # conditions of use (with conditions), in words
    findings: dict[str, int]  # open findings by severity (critical, high, medium, low, info)
    failing: tuple[str, ...]  # blocking policies that failed, as "target: title"
    approvers: tuple[str, ...]  # "carol (model-risk-officer)", approvals counted only


@dataclass(frozen=True)
class StageRow:
    """One measured value of validation-stage evidence with the threshold and verdict of the policy that reads it."""

    stage: str  # data | performance | operational | ethical
    kind: str
    metric: str
    subject: str | None
    value: float | None
    low: float | None
    high: float | None
    threshold: str  # "≥ 0.7 (interval)" or "" when no policy sets one
    policy_id: str | None
    verdict: str | None  # the policy's verdict in the version's latest decision, if any
    evidence_id: int
    evaluated_at: datetime | None
    source: str  # data source (a logical name) and tool


@dataclass(frozen=True)
class TrendPoint:
    version: str
    value: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Trend:
    """One stage metric across the model's versions (latest value per version), with the policy threshold."""

    stage: str
    kind: str
    metric: str
    subject: str | None
    points: tuple[TrendPoint, ...]
    threshold: float | None
    direction: str  # min | max | "" (which side of the threshold passes)
    alt: str  # the chart in words


@dataclass(frozen=True)
class MonitoringKpi:
    """A monitoring KPI from a stage policy that applies in production: threshold, cadence, next review."""

    policy_id: str
    title: str
    threshold: str
    max_age: str  # ISO 8601 duration, "" when the policy sets none
    last_evidence: datetime | None
    next_review: datetime | None  # last evidence + max_age; None: no evidence, review due now
    mode: str


@dataclass(frozen=True)
class HistoryRow:
    """One gate decision of the version in the period (newest first)."""

    decision: str
    at: datetime
    target: str
    outcome: str  # deployable | blocked
    requested_by: str


@dataclass(frozen=True)
class GlossaryEntry:
    key: str
    name: str
    definition: str
    sign: str  # sign convention: which direction is better, the range


@dataclass(frozen=True)
class VersionView:
    model: str
    version: str
    anchor: str
    artifact_uri: str
    artifact_digest: str
    created_by: str
    created_at: datetime | None
    stage: str | None
    status: str
    aliases: tuple[str, ...]
    state: str  # deployable | blocked | not_evaluated
    decisions: tuple[DecisionView, ...]  # the latest per target in the period
    earlier_decisions: int
    fairness: tuple[FairnessView, ...]
    approvals: tuple[ApprovalView, ...]
    waivers: tuple[WaiverView, ...]
    lineage: LineageView
    findings: tuple[FindingRow, ...] = ()  # this version's open findings and those closed in the period
    conclusion: Conclusion | None = None
    stages: tuple[StageRow, ...] = ()
    trends: tuple[Trend, ...] = ()
    monitoring: tuple[MonitoringKpi, ...] = ()
    next_review: datetime | None = None  # the earliest next review of the monitoring KPIs
    history: tuple[HistoryRow, ...] = ()
    model_card: ModelCardView | None = None  # the registry's model card (governance.registry.model_card)
    data_section: DataSectionView | None = None  # the data behind the version (governance.reports.data_section)
