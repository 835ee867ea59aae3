"""Typed policy objects: the verdict enum, a policy and its scope, the result of one rule, one outcome.

Outcomes are flat and JSON-ready: the decision stores them, renderers and replay read them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from governance.serial import from_jsonable, to_jsonable

if TYPE_CHECKING:
    from governance.policy.context import EvaluationContext

SEVERITIES = ("info", "low", "medium", "high", "critical")


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    WAIVED = "waived"
    NOT_EVALUATED = "not_evaluated"  # the evidence the rule needs is missing or stale
    INCONCLUSIVE = "inconclusive"  # the evidence's interval straddles the threshold: more data decides it
    ERROR = "error"  # the rule could not be evaluated (a bug in the policy or the data)


class Mode(StrEnum):
    AUDIT = "audit"  # failures are reported as warnings and never block
    ENFORCE = "enforce"  # fail, inconclusive, not_evaluated and error block the deployment


# Fail-closed: missing evidence and a broken rule block exactly like a failure.
BLOCKING_VERDICTS = frozenset({Verdict.FAIL, Verdict.INCONCLUSIVE, Verdict.NOT_EVALUATED, Verdict.ERROR})


def blocks(mode: Mode, verdict: Verdict) -> bool:
    """Whether one verdict blocks: only in enforce mode, and never pass, warn or waived."""
    return mode is Mode.ENFORCE and verdict in BLOCKING_VERDICTS


@dataclass(frozen=True)
class Scope:
    """Which model versions and targets a policy applies to. Empty selectors match everything."""

    models: tuple[str, ...] = ("*",)  # globs over the registered model name
    tags: tuple[tuple[str, str], ...] = ()  # (key, value glob) over model tags, overridden by version tags
    risk_tiers: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # globs over the target environment

    def miss(self, ctx: EvaluationContext) -> str | None:
        """Why the context is out of scope, or None when the policy applies."""
        if not any(fnmatchcase(ctx.model.name, g) for g in self.models):
            return f"model {ctx.model.name} matches none of {list(self.models)}"
        if self.targets and not any(fnmatchcase(ctx.target, g) for g in self.targets):
            return f"target {ctx.target} matches none of {list(self.targets)}"
        if self.risk_tiers and ctx.model.risk_tier not in self.risk_tiers:
            return f"risk tier {ctx.model.risk_tier} is not one of {list(self.risk_tiers)}"
        tags = {**ctx.model.tags, **ctx.version.tags}
        for key, pattern in self.tags:
            if key not in tags or not fnmatchcase(str(tags[key]), pattern):
                return f"tag {key}={pattern} not present"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": list(self.models),
            "tags": dict(self.tags),
            "risk_tiers": list(self.risk_tiers),
            "targets": list(self.targets),
        }


@dataclass(frozen=True)
class Policy:
    """One loaded policy document. `rule` is the kind's own typed spec."""

    id: str
    version: str
    title: str
    owner: str
    rationale: str
    remediation: str
    controls: tuple[str, ...]
    mode: Mode
    severity: str
    scope: Scope
    kind: str
    rule: Any
    source: str  # path relative to the bundle root
    line: int  # line of the document start (1-based)
    waivable: bool = True  # false: a waiver needs a second person (governance.approvals.rules)
    max_waiver_days: int = 90  # the longest waiver of this policy
    # How wide one waiver may be: version (one model, one version), model (any version of one model),
    # any (model globs); enforced by governance.approvals.rules.check_waiver_scope.
    waiver_scope: str = "version"
    # Whose evidence this policy counts (governance.identity.is_trusted); None: the configured default.
    trusted_producers: tuple[str, ...] | None = None
    control_strengths: tuple[str, ...] = ()  # per control: full | partial | "" (unstated: read as partial)

    def control_strength(self, index: int) -> str:
        """The stated strength of the mapping to `controls[index]`, or "" when unstated."""
        return self.control_strengths[index] if index < len(self.control_strengths) else ""


@dataclass(frozen=True)
class EvidenceRef:
    """A pointer to one piece of evidence in the evaluation context, with the digest of what was read."""

    kind: str  # model_version | training_run | dataset | fairness_evaluation | validation | approval
    id: str
    digest: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceRef:
        return from_jsonable(cls, data)


@dataclass(frozen=True)
class RuleResult:
    """What a rule kind says about one context: a verdict, a sentence, and the evidence it used."""

    verdict: Verdict
    message: str
    evidence: tuple[EvidenceRef, ...] = ()
    details: tuple[str, ...] = ()  # one line per check the rule made


def summarise(parts: list[tuple[Verdict, str]], ok_message: str) -> tuple[Verdict, str, tuple[str, ...]]:
    """Combine per-check verdicts: fail beats inconclusive beats not_evaluated beats pass (fail-closed)."""
    details = tuple(f"{v.value}: {text}" for v, text in parts)
    for worst in (Verdict.ERROR, Verdict.FAIL, Verdict.INCONCLUSIVE, Verdict.NOT_EVALUATED):
        bad = [text for v, text in parts if v is worst]
        if bad:
            # Nothing elided: every check that did not pass is in the message, the worst kind first.
            rest = [f"{v.value}: {text}" for v, text in parts if v is not worst and v is not Verdict.PASS]
            return worst, "; ".join(bad + rest), details
    return Verdict.PASS, ok_message, details


@dataclass(frozen=True)
class Outcome:
    """The gate's answer for one in-scope policy: the effective verdict and why."""

    policy_id: str
    policy_version: str
    title: str
    kind: str
    mode: Mode
    severity: str
    controls: tuple[str, ...]
    owner: str
    remediation: str
    source: str
    line: int
    verdict: Verdict  # effective: after audit mode and waivers
    rule_verdict: Verdict  # what the rule itself said
    blocking: bool
    message: str
    evidence: tuple[EvidenceRef, ...] = ()
    details: tuple[str, ...] = ()
    waiver: dict[str, Any] | None = None  # the waiver applied, if any
    waivers: tuple[dict[str, Any], ...] = field(default=())  # every waiver matching this policy and scope
    rationale: str = ""  # why the policy exists (shown beside every verdict that is not a pass)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Outcome:
        return from_jsonable(cls, d)
