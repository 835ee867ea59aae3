"""The result of one check, as every renderer and API sees it; rebuilt identically from a stored decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from governance.policy.model import Outcome, Verdict
from governance.timeutil import iso, parse_timestamp

REPORT_SCHEMA = "gov.check/1"


@dataclass(frozen=True)
class CheckReport:
    decision_id: str
    model: str
    version: str
    target: str
    artifact_digest: str
    evaluated_at: datetime
    exit_code: int
    outcomes: tuple[Outcome, ...]
    out_of_scope: tuple[str, ...]
    bundle_digest: str
    policy_root: str
    tool_version: str
    requested_by: str
    ci: dict[str, str] = field(default_factory=dict)
    evidence_digests: dict[str, str] = field(default_factory=dict)
    context_digest: str = ""
    ledger: str = "not_blocked"  # appended | not_blocked
    policy_source: str = ""  # how the policy folder was chosen (see governance.gate.policy_source)
    findings: tuple[dict[str, Any], ...] = ()  # failing evidence no verdict covers (never blocks)

    @property
    def deployable(self) -> bool:
        return self.exit_code == 0

    @property
    def blocking(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.blocking)

    def counts(self) -> dict[str, int]:
        """Outcomes per effective verdict (every verdict present, zero or not; `inconclusive`, added later,
        only when it occurs, so reports and stored decisions from before it serialise as they did)."""
        counts = {v.value: sum(1 for o in self.outcomes if o.verdict is v) for v in Verdict}
        if not counts[Verdict.INCONCLUSIVE.value]:
            del counts[Verdict.INCONCLUSIVE.value]
        return counts

    def waivers(self) -> list[dict[str, Any]]:
        """Every waiver any outcome saw (applied, active, expired, revoked), once each, with its policy."""
        seen: dict[Any, dict[str, Any]] = {}
        for o in self.outcomes:
            for w in o.waivers:
                seen.setdefault(w["id"], {**w, "policy_id": o.policy_id})
        return [seen[k] for k in sorted(seen)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "decision_id": self.decision_id,
            "model": self.model,
            "version": self.version,
            "target": self.target,
            "artifact_digest": self.artifact_digest,
            "evaluated_at": iso(self.evaluated_at),
            "deployable": self.deployable,
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "blocking_policies": [o.policy_id for o in self.blocking],
            "outcomes": [o.to_dict() for o in self.outcomes],
            "out_of_scope": list(self.out_of_scope),
            "findings": list(self.findings),
            "waivers": self.waivers(),
            "policy_bundle": {"root": self.policy_root, "digest": self.bundle_digest, "source": self.policy_source},
            "tool": {"name": "gov", "version": self.tool_version},
            "requested_by": self.requested_by,
            "ci": self.ci,
            "evidence_digests": self.evidence_digests,
            "context_digest": self.context_digest,
            "ledger": self.ledger,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckReport:
        return cls(
            decision_id=d["decision_id"],
            model=d["model"],
            version=d["version"],
            target=d["target"],
            artifact_digest=d["artifact_digest"],
            evaluated_at=parse_timestamp(d["evaluated_at"]),
            exit_code=int(d["exit_code"]),
            outcomes=tuple(Outcome.from_dict(o) for o in d["outcomes"]),
            out_of_scope=tuple(d["out_of_scope"]),
            bundle_digest=d["policy_bundle"]["digest"],
            policy_root=d["policy_bundle"]["root"],
            tool_version=d["tool"]["version"],
            requested_by=d["requested_by"],
            ci=dict(d.get("ci") or {}),
            evidence_digests=dict(d.get("evidence_digests") or {}),
            context_digest=d.get("context_digest", ""),
            ledger=d.get("ledger", "not_blocked"),
            policy_source=str(d["policy_bundle"].get("source") or ""),
            findings=tuple(d.get("findings") or ()),
        )
