"""The criteria and the level rules, as data. docs/scorecard.md states the same table for readers.

A model is at the highest level L such that every criterion required by levels 1..L is met: the
levels are cumulative, so a model meeting the level-3 criteria but missing a level-2 one is at level 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from governance.scorecard import criteria as c
from governance.scorecard.context import ScorecardContext


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    title: str
    description: str
    check: Callable[[ScorecardContext], c.CriterionResult]


@dataclass(frozen=True)
class LevelRule:
    level: int
    name: str
    summary: str
    requires: tuple[str, ...]  # criteria keys added at this level


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "A",
        "versioned_artifacts",
        "Versioned artifacts with digests",
        "Every registered version names its artifact and its sha256 digest.",
        c.versioned_artifacts,
    ),
    Criterion(
        "B",
        "lineage_coverage",
        "Training lineage recorded",
        "The current version's training run is in the lineage store and read at least one dataset.",
        c.lineage_coverage,
    ),
    Criterion(
        "C",
        "validation_gates",
        "Validation gates present and run",
        "Validation evidence for the current version in all four stages: data validation, model "
        "performance, operational, ethical.",
        c.validation_gates,
    ),
    Criterion(
        "D",
        "monitoring",
        "Monitoring after deployment",
        "Drift or performance evidence over a data window that starts after the current version entered "
        "production (its first deployable gate decision there), within the drift window (default 90 days). "
        "Training recency and pre-deployment checks do not count.",
        c.monitoring,
    ),
    Criterion(
        "E",
        "policy_gate",
        "Passes the policy gate",
        "The current version's latest gate decision is deployable, with at least one enforce-mode policy "
        "in scope and no policy evaluation in error. A blocked version does not meet it.",
        c.policy_gate,
    ),
    Criterion(
        "F",
        "approvals_sod",
        "Approvals with separation of duties",
        "The current artifact is approved by someone who neither created it nor authored its "
        "training run, and no approval by its creator or a training-run author was recorded.",
        c.approvals_sod,
    ),
    Criterion(
        "G",
        "waiver_hygiene",
        "Waiver hygiene",
        "Every waiver of the model has a ticket and a reason and expires within the maximum lifetime "
        "(default 90 days) of its creation.",
        c.waiver_hygiene,
    ),
    Criterion(
        "H",
        "reproducible_decisions",
        "Decision reproducibility",
        "The current version's latest decision replays from its stored context and policy texts to the same verdicts.",
        c.reproducible_decisions,
    ),
    Criterion(
        "I",
        "sustained_evidence",
        "Sustained evidence over versions and months",
        "Each of the latest 3 versions entered production through the gate and has post-deployment "
        "monitoring evidence, and the first of them entered production at least 180 days ago.",
        c.sustained,
    ),
)

LEVELS: tuple[LevelRule, ...] = (
    LevelRule(0, "Ad hoc experimentation", "Models are produced by hand; nothing below is shown by evidence.", ()),
    LevelRule(
        1, "Pipeline automation", "Artifacts are versioned by digest and training lineage is captured.", ("A", "B")
    ),
    LevelRule(
        2,
        "Continuous integration",
        "Every version passes automated validation, monitoring and the policy gate.",
        ("C", "D", "E"),
    ),
    LevelRule(
        3,
        "Enterprise MLOps",
        "Independent approval, disciplined exceptions, reproducible decisions, sustained over versions and months.",
        ("F", "G", "H", "I"),
    ),
)
MAX_LEVEL = LEVELS[-1].level


def criterion(key: str) -> Criterion:
    return next(x for x in CRITERIA if x.key == key)


def level_name(level: int) -> str:
    return LEVELS[level].name


def level_of(met: Iterable[str]) -> int:
    """The highest level whose requirements, and those of every level below it, are all met."""
    have = set(met)
    level = 0
    for rule in LEVELS[1:]:
        if not set(rule.requires) <= have:
            break
        level = rule.level
    return level


def missing_for_next(level: int, met: Iterable[str]) -> tuple[str, ...]:
    """Criteria keys still missing to reach the next level (empty at the top)."""
    if level >= MAX_LEVEL:
        return ()
    have = set(met)
    return tuple(k for k in LEVELS[level + 1].requires if k not in have)


def evaluate(ctx: ScorecardContext) -> tuple[int, tuple[c.CriterionResult, ...]]:
    """Every criterion's result and the level they give."""
    results = tuple(x.check(ctx) for x in CRITERIA)
    return level_of(r.key for r in results if r.met), results


def rules_table() -> list[dict[str, object]]:
    """The level rules as JSON-ready data (embedded in the scorecard so a reader sees what was applied)."""
    return [
        {
            "level": r.level,
            "name": r.name,
            "summary": r.summary,
            "requires": list(r.requires),
            "cumulative_requires": [k for x in LEVELS[1 : r.level + 1] for k in x.requires],
        }
        for r in LEVELS
    ]
