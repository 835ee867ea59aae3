"""The typed input of every scorecard criterion: one model's facts, read once from the store, seen as of a time.

Facts carry their own timestamps, so the same facts answer "as of" any bucket end (the trend) without
going back to the store. `to_dict`/`from_dict` are the JSON form the golden tests are written in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from governance.timeutil import iso, parse_optional_timestamp

STAGES = ("data_validation", "model_performance", "operational", "ethical")


def _ts(value: Any) -> datetime | None:
    return parse_optional_timestamp(value)


def _req_ts(value: Any, what: str) -> datetime:
    moment = _ts(value)
    if moment is None:
        raise ValueError(f"{what} needs a timestamp")
    return moment


def before(moment: datetime | None, as_of: datetime) -> bool:
    """Recorded strictly before `as_of` (an unknown time is treated as not yet recorded)."""
    return moment is not None and moment < as_of


@dataclass(frozen=True)
class Settings:
    """Thresholds the criteria use; docs/scorecard.md states them."""

    drift_window: timedelta = timedelta(days=90)
    max_waiver_lifetime: timedelta = timedelta(days=90)
    # Monitoring is evidence about the target a version was deployed to: this one.
    monitoring_target: str = "production"
    # Level 3 (criterion I): this many latest versions, the first of them in the target this long.
    sustained_versions: int = 3
    sustained_span: timedelta = timedelta(days=180)


@dataclass(frozen=True)
class ValidationFact:
    stage: str
    name: str
    source: str
    at: datetime | None = None
    success: bool | None = None
    window_start: datetime | None = None  # start of the data window the check measured; None: not stated

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "name": self.name,
            "source": self.source,
            "at": iso(self.at),
            "success": self.success,
            "window_start": iso(self.window_start),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ValidationFact:
        return cls(
            str(d["stage"]),
            str(d["name"]),
            str(d.get("source", "")),
            _ts(d.get("at")),
            d.get("success"),
            _ts(d.get("window_start")),
        )


@dataclass(frozen=True)
class ApprovalFact:
    approver: str
    role: str
    artifact_digest: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "approver": self.approver,
            "role": self.role,
            "artifact_digest": self.artifact_digest,
            "at": iso(self.at),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ApprovalFact:
        return cls(str(d["approver"]), str(d["role"]), str(d["artifact_digest"]), _req_ts(d.get("at"), "approval"))


@dataclass(frozen=True)
class DecisionFact:
    """A stored gate decision, with what a replay of it found (computed when the facts were read)."""

    id: str
    target: str
    at: datetime
    deployable: bool
    policies: int  # in scope
    enforced: int  # in scope and in enforce mode
    errors: int  # verdict `error`
    kinds: tuple[str, ...] = ()
    replayed: bool | None = None  # None: not replayed
    replay_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "target": self.target,
            "at": iso(self.at),
            "deployable": self.deployable,
            "policies": self.policies,
            "enforced": self.enforced,
            "errors": self.errors,
            "kinds": list(self.kinds),
            "replayed": self.replayed,
            "replay_note": self.replay_note,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DecisionFact:
        return cls(
            str(d["id"]),
            str(d.get("target", "production")),
            _req_ts(d.get("at"), "decision"),
            bool(d.get("deployable", False)),
            int(d.get("policies", 0)),
            int(d.get("enforced", 0)),
            int(d.get("errors", 0)),
            tuple(d.get("kinds") or ()),
            d.get("replayed"),
            str(d.get("replay_note", "")),
        )


@dataclass(frozen=True)
class VersionFacts:
    version: str
    artifact_uri: str
    artifact_digest: str
    created_by: str
    created_at: datetime
    training_run_id: str | None = None
    run_seen_at: datetime | None = None  # first lineage event of the training run; None: not in the store
    training_inputs: int = 0
    authors: tuple[str, ...] = ()
    validation: tuple[ValidationFact, ...] = ()
    approvals: tuple[ApprovalFact, ...] = ()
    decisions: tuple[DecisionFact, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "artifact_uri": self.artifact_uri,
            "artifact_digest": self.artifact_digest,
            "created_by": self.created_by,
            "created_at": iso(self.created_at),
            "training_run_id": self.training_run_id,
            "run_seen_at": iso(self.run_seen_at),
            "training_inputs": self.training_inputs,
            "authors": list(self.authors),
            "validation": [v.to_dict() for v in self.validation],
            "approvals": [a.to_dict() for a in self.approvals],
            "decisions": [d.to_dict() for d in self.decisions],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VersionFacts:
        return cls(
            str(d["version"]),
            str(d.get("artifact_uri", "")),
            str(d.get("artifact_digest", "")),
            str(d.get("created_by", "")),
            _req_ts(d.get("created_at"), "version"),
            d.get("training_run_id"),
            _ts(d.get("run_seen_at")),
            int(d.get("training_inputs", 0)),
            tuple(d.get("authors") or ()),
            tuple(ValidationFact.from_dict(v) for v in d.get("validation") or ()),
            tuple(ApprovalFact.from_dict(a) for a in d.get("approvals") or ()),
            tuple(DecisionFact.from_dict(x) for x in d.get("decisions") or ()),
        )


@dataclass(frozen=True)
class WaiverFact:
    id: int
    policy_id: str
    ticket: str
    reason: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "policy_id": self.policy_id,
            "ticket": self.ticket,
            "reason": self.reason,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WaiverFact:
        return cls(
            int(d.get("id", 0)),
            str(d["policy_id"]),
            str(d.get("ticket", "")),
            str(d.get("reason", "")),
            _req_ts(d.get("created_at"), "waiver"),
            _req_ts(d.get("expires_at"), "waiver"),
            _ts(d.get("revoked_at")),
        )


@dataclass(frozen=True)
class ModelFacts:
    name: str
    owner: str
    risk_tier: str = "medium"
    versions: tuple[VersionFacts, ...] = ()
    waivers: tuple[WaiverFact, ...] = ()
    created_at: datetime | None = None  # registration of the model; None: unknown (always present)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "owner": self.owner,
            "risk_tier": self.risk_tier,
            "created_at": iso(self.created_at),
            "versions": [v.to_dict() for v in self.versions],
            "waivers": [w.to_dict() for w in self.waivers],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelFacts:
        return cls(
            str(d["name"]),
            str(d.get("owner", "")),
            str(d.get("risk_tier", "medium")),
            tuple(VersionFacts.from_dict(v) for v in d.get("versions") or ()),
            tuple(WaiverFact.from_dict(w) for w in d.get("waivers") or ()),
            _ts(d.get("created_at")),
        )

    def exists(self, as_of: datetime) -> bool:
        """Registered before `as_of` (a model of unknown registration time always exists)."""
        return self.created_at is None or self.created_at < as_of


@dataclass(frozen=True)
class ScorecardContext:
    """One model as of one instant: only facts recorded strictly before `as_of` are visible."""

    model: ModelFacts
    as_of: datetime
    settings: Settings = field(default_factory=Settings)

    @property
    def versions(self) -> tuple[VersionFacts, ...]:
        """Versions registered before `as_of`, oldest first."""
        seen = [v for v in self.model.versions if before(v.created_at, self.as_of)]
        return tuple(sorted(seen, key=lambda v: (v.created_at, v.version)))

    @property
    def current(self) -> VersionFacts | None:
        """The most recently registered version as of `as_of`: the one a deployment would ship."""
        versions = self.versions
        return versions[-1] if versions else None

    def validation(self, version: VersionFacts) -> tuple[ValidationFact, ...]:
        return tuple(v for v in version.validation if before(v.at, self.as_of))

    def approvals(self, version: VersionFacts) -> tuple[ApprovalFact, ...]:
        return tuple(a for a in version.approvals if before(a.at, self.as_of))

    def decisions(self, version: VersionFacts) -> tuple[DecisionFact, ...]:
        """Decisions before `as_of`, newest first."""
        seen = [d for d in version.decisions if before(d.at, self.as_of)]
        return tuple(sorted(seen, key=lambda d: (d.at, d.id), reverse=True))

    def entered(self, version: VersionFacts, target: str | None = None) -> DecisionFact | None:
        """The decision by which the version entered `target` (default: the monitoring target): its first
        deployable decision for that target before `as_of` (the same rule as gate.queries.entered_target)."""
        where = target or self.settings.monitoring_target
        passed = [d for d in version.decisions if d.deployable and d.target == where and before(d.at, self.as_of)]
        return min(passed, key=lambda d: (d.at, d.id)) if passed else None

    def waivers(self) -> tuple[WaiverFact, ...]:
        return tuple(w for w in self.model.waivers if before(w.created_at, self.as_of))
