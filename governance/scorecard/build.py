"""The maturity scorecard: levels per model, per team (the model owner) and for the organisation, now
and at the end of every month of the period (the trend). Pure over the gathered facts.

Aggregation (docs/scorecard.md): a team is at the MINIMUM level of its models, because a team can
claim a practice only if every model it owns shows it; the organisation is at the LOWER MEDIAN of its
models' levels, the typical practice, robust to one outlier and never rounded up; the minimum and the
whole distribution are shown beside it. Only models with a version registered by the time count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from governance.period import Period
from governance.scorecard import levels
from governance.scorecard.context import ModelFacts, ScorecardContext, Settings
from governance.scorecard.criteria import CriterionResult
from governance.timeutil import iso, to_utc

SCHEMA = "gov.scorecard/1"
TEAM_RULE = "minimum of the team's models"
ORG_RULE = "lower median of all models (minimum and distribution shown)"


@dataclass(frozen=True)
class ModelScore:
    model: str
    owner: str
    risk_tier: str
    current_version: str | None
    counted: bool  # has a version as of the time, so it enters team and organisation levels
    level: int
    criteria: tuple[CriterionResult, ...]
    next_missing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "owner": self.owner,
            "risk_tier": self.risk_tier,
            "current_version": self.current_version,
            "counted": self.counted,
            "level": self.level,
            "level_name": levels.level_name(self.level),
            "criteria": [r.to_dict() for r in self.criteria],
            "missing_for_next_level": list(self.next_missing),
        }


@dataclass(frozen=True)
class GroupScore:
    name: str
    level: int | None  # None: no counted model
    models: tuple[str, ...]
    rule: str
    minimum: int | None = None
    distribution: dict[int, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level,
            "level_name": levels.level_name(self.level) if self.level is not None else None,
            "models": list(self.models),
            "rule": self.rule,
            "minimum": self.minimum,
            "distribution": {str(k): v for k, v in sorted(self.distribution.items())},
        }


@dataclass(frozen=True)
class TrendPoint:
    label: str
    as_of: datetime
    organisation: int | None
    teams: dict[str, int | None]
    models: dict[str, int | None]  # None: no version yet

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "as_of": iso(self.as_of),
            "organisation": self.organisation,
            "teams": self.teams,
            "models": self.models,
        }


@dataclass(frozen=True)
class Scorecard:
    period: Period
    as_of: datetime
    settings: Settings
    models: tuple[ModelScore, ...]
    teams: tuple[GroupScore, ...]
    organisation: GroupScore
    trend: tuple[TrendPoint, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "period": self.period.to_dict(),
            "as_of": iso(self.as_of),
            "settings": {
                "drift_window_days": self.settings.drift_window.days,
                "max_waiver_lifetime_days": self.settings.max_waiver_lifetime.days,
                "monitoring_target": self.settings.monitoring_target,
                "sustained_versions": self.settings.sustained_versions,
                "sustained_span_days": self.settings.sustained_span.days,
            },
            "criteria": [
                {"key": x.key, "name": x.name, "title": x.title, "description": x.description} for x in levels.CRITERIA
            ],
            "levels": levels.rules_table(),
            "aggregation": {"team": TEAM_RULE, "organisation": ORG_RULE},
            "organisation": self.organisation.to_dict(),
            "teams": [t.to_dict() for t in self.teams],
            "models": [m.to_dict() for m in self.models],
            "trend": [p.to_dict() for p in self.trend],
        }


def score_model(facts: ModelFacts, as_of: datetime, settings: Settings) -> ModelScore:
    ctx = ScorecardContext(facts, as_of, settings)
    level, results = levels.evaluate(ctx)
    current = ctx.current
    met = [r.key for r in results if r.met]
    return ModelScore(
        facts.name,
        facts.owner,
        facts.risk_tier,
        current.version if current else None,
        current is not None,
        level,
        results,
        levels.missing_for_next(level, met),
    )


def lower_median(values: list[int]) -> int | None:
    """The lower median (never rounds up); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def aggregate(scores: list[ModelScore]) -> tuple[tuple[GroupScore, ...], GroupScore]:
    """Team scores (minimum) and the organisation score (lower median) over the counted models."""
    teams: dict[str, list[ModelScore]] = {}
    for s in scores:
        teams.setdefault(s.owner, []).append(s)
    team_scores = []
    for name in sorted(teams):
        counted = [s.level for s in teams[name] if s.counted]
        team_scores.append(
            GroupScore(
                name,
                min(counted) if counted else None,
                tuple(s.model for s in teams[name]),
                TEAM_RULE,
                min(counted) if counted else None,
                _distribution(counted),
            )
        )
    counted = [s.level for s in scores if s.counted]
    org = GroupScore(
        "organisation",
        lower_median(counted),
        tuple(s.model for s in scores),
        ORG_RULE,
        min(counted) if counted else None,
        _distribution(counted),
    )
    return tuple(team_scores), org


def _distribution(values: list[int]) -> dict[int, int]:
    return {lv.level: values.count(lv.level) for lv in levels.LEVELS}


def compute_scorecard(
    facts: list[ModelFacts], period: Period, *, now: datetime, settings: Settings | None = None
) -> Scorecard:
    """Scores as of the period's end (or now, if earlier) and at the end of each month of the period."""
    settings = settings or Settings()
    now = to_utc(now)
    as_of = min(period.end, now)
    scores = [score_model(f, as_of, settings) for f in facts if f.exists(as_of)]
    teams, org = aggregate(scores)
    trend = []
    for bucket in period.months():
        if bucket.start >= now:
            break
        moment = min(bucket.end, now)
        points = [score_model(f, moment, settings) for f in facts if f.exists(moment)]
        bucket_teams, bucket_org = aggregate(points)
        models: dict[str, int | None] = {f.name: None for f in facts}
        models.update({p.model: p.level if p.counted else None for p in points})
        trend.append(
            TrendPoint(
                f"{bucket.start:%Y-%m}", moment, bucket_org.level, {t.name: t.level for t in bucket_teams}, models
            )
        )
    return Scorecard(period, as_of, settings, tuple(scores), teams, org, tuple(trend))


def build_scorecard(
    session: Session, *, model_glob: str, period: Period, now: datetime, settings: Settings | None = None
) -> Scorecard:
    """Read the facts from the store and compute the scorecard."""
    from governance.scorecard.gather import gather_models

    return compute_scorecard(gather_models(session, model_glob, now=now), period, now=now, settings=settings)
