"""The audit report as typed data. Built from the store by `build_audit_model`; `to_json()` is the
machine-readable results document that is embedded in the PDF and attested beside it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.reports.crosswalk_view import (
    ControlMapping,
    CrosswalkRow,
    FrameworkCoverage,
    FrameworkResult,
    VersionCrosswalk,
)
from governance.reports.version_view import (
    AppliedWaiver,
    ApprovalView,
    ChartLine,
    Conclusion,
    DecisionView,
    Evidence,
    FairnessView,
    FindingRow,
    GlossaryEntry,
    GroupRate,
    GroupRow,
    HistoryRow,
    LineageNode,
    LineageView,
    MetricRow,
    MonitoringKpi,
    StageRow,
    Trend,
    TrendPoint,
    VerdictItem,
    VerdictRow,
    VersionView,
    WaiverView,
)
from governance.timeutil import iso

if TYPE_CHECKING:
    from sqlmodel import Session

    from governance.period import Period
    from governance.reports.blocked import BlockedRegister
    from governance.scorecard.build import Scorecard

# The version and crosswalk views live in their own modules; they stay importable from here.
__all__ = [
    "AppliedWaiver",
    "ApprovalView",
    "AuditReport",
    "ChartLine",
    "Conclusion",
    "ControlMapping",
    "CrosswalkRow",
    "DecisionView",
    "Evidence",
    "FairnessView",
    "FindingRow",
    "FrameworkCoverage",
    "FrameworkResult",
    "GlossaryEntry",
    "GroupRate",
    "GroupRow",
    "HistoryRow",
    "InputDigest",
    "LineageNode",
    "LineageView",
    "MetricRow",
    "ModelRow",
    "MonitoringKpi",
    "ProducerWarnings",
    "ReportMeta",
    "SCHEMA",
    "StageRow",
    "Summary",
    "Trend",
    "TrendPoint",
    "VerdictItem",
    "VerdictRow",
    "VersionCrosswalk",
    "VersionView",
    "WaiverView",
    "build_audit_model",
    "jsonable",
]

SCHEMA = "gov.audit-report/1"


def jsonable(obj: Any) -> Any:
    """Plain JSON data from report objects: `to_dict()` where defined, dataclass fields otherwise."""
    if hasattr(obj, "to_dict") and not isinstance(obj, type):
        return jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, datetime):
        return iso(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


@dataclass(frozen=True)
class ModelRow:
    name: str
    owner: str
    risk_tier: str
    description: str | None
    versions: tuple[str, ...]
    stages: tuple[str, ...]  # "3: staging"
    cleared_for: tuple[str, ...]  # "3 → production" from deployable decisions in the period


@dataclass(frozen=True)
class Summary:
    models: int
    versions: int
    decisions: int
    deployable_versions: int
    blocked_versions: int
    unevaluated_versions: int
    blocked_deployments: int
    open_waivers: int
    failing_policies: tuple[tuple[str, str, int], ...]  # (policy id, title, failing versions)


@dataclass(frozen=True)
class InputDigest:
    kind: str
    name: str
    digest: str


@dataclass(frozen=True)
class ProducerWarnings:
    """Format warnings of the lineage events one producer sent during the period (lineage/warnings.py)."""

    producer: str
    warnings: int
    events: int  # accepted events with at least one warning


@dataclass(frozen=True)
class ReportMeta:
    title: str
    model_glob: str
    period: Period
    generated_at: datetime
    generated_by: str
    tool_version: str
    policy_dir: str
    policy_bundle_digest: str
    policies: int
    overall: str  # blocked | deployable | incomplete | empty
    overall_text: str
    validator: str | None = None  # the named validator (--validator, else the signer name); None: not named
    policy_bundle_name: str = ""  # the bundle's logical name (its folder name), shown instead of a path


@dataclass(frozen=True)
class AuditReport:
    meta: ReportMeta
    summary: Summary
    inventory: tuple[ModelRow, ...]
    versions: tuple[VersionView, ...]
    blocked: BlockedRegister
    scorecard: Scorecard
    crosswalk: tuple[VersionCrosswalk, ...]
    coverage: tuple[FrameworkCoverage, ...]
    inputs: tuple[InputDigest, ...]
    ingestion_warnings: tuple[ProducerWarnings, ...] = ()  # per producer, most warnings first
    glossary: tuple[GlossaryEntry, ...] = ()  # every metric the report shows, and only those

    def to_dict(self) -> dict[str, Any]:
        body = {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {
            "schema": SCHEMA,
            "tool": {"name": "gov", "version": self.meta.tool_version},
            "policy_bundle": {"digest": self.meta.policy_bundle_digest, "root": self.meta.policy_dir},
            **body,
        }

    def to_json(self) -> bytes:
        """The results document: stable key order, UTF-8, newline-terminated."""
        return (json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def build_audit_model(
    session: Session,
    *,
    model_glob: str,
    period: Period,
    policy_dir: Path,
    now: datetime | None = None,
    generated_by: str | None = None,
    trust_cert: Path | None = None,
    validator: str | None = None,
) -> AuditReport:
    """Assemble the audit report from the store (pure reads): see `governance.reports.build`.
    `trust_cert` pins the ledger checkpoints' signer in the blocked-deployments section; `validator` is
    the person named in the conclusions and the sign-off."""
    from governance.reports.build import build_audit

    return build_audit(
        session,
        model_glob=model_glob,
        period=period,
        policy_dir=policy_dir,
        now=now,
        generated_by=generated_by,
        trust_cert=trust_cert,
        validator=validator,
    )
