"""Maturity scorecard: golden level-boundary cases (tests/golden/scorecard/), the level rules as data,
aggregation per team and organisation, the trend, and the facts read from a real store."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.period import Period
from governance.scorecard import levels
from governance.scorecard.build import aggregate, compute_scorecard, lower_median, score_model
from governance.scorecard.context import STAGES, ModelFacts, ScorecardContext, Settings
from governance.timeutil import parse_timestamp

GOLDEN = Path(__file__).parent / "golden" / "scorecard"
CASES = sorted(GOLDEN.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_level_boundaries(path: Path) -> None:
    case = _load(path)
    ctx = ScorecardContext(ModelFacts.from_dict(case["model"]), parse_timestamp(case["as_of"]))
    level, results = levels.evaluate(ctx)
    met = sorted(r.key for r in results if r.met)
    assert (level, met) == (case["expected"]["level"], sorted(case["expected"]["met"])), case["description"]
    # Every criterion names the evidence that decided it.
    assert all(r.evidence and all(isinstance(e, str) and e for e in r.evidence) for r in results)


def test_golden_cases_cover_every_level_and_every_criterion_missed() -> None:
    cases = [_load(p) for p in CASES]
    assert {c["expected"]["level"] for c in cases} == {0, 1, 2, 3}
    missed = {k for c in cases for k in "ABCDEFGHI" if k not in c["expected"]["met"]}
    assert missed == set("ABCDEFGHI")


def test_facts_round_trip_through_json() -> None:
    facts = ModelFacts.from_dict(_load(GOLDEN / "level3_all_met.json")["model"])
    assert ModelFacts.from_dict(json.loads(json.dumps(facts.to_dict()))) == facts


@pytest.mark.parametrize(
    ("met", "level"),
    [
        ("", 0),
        ("A", 0),
        ("B", 0),
        ("AB", 1),
        ("ABCD", 1),
        ("ABCDE", 2),
        ("ABFGH", 1),
        ("ABCDEFG", 2),
        ("ABCDEFGH", 2),
        ("ABCDEFGHI", 3),
        ("CDEFGH", 0),
    ],
)
def test_levels_are_cumulative(met: str, level: int) -> None:
    assert levels.level_of(met) == level


def test_rules_table_states_every_criterion_once() -> None:
    required = [k for rule in levels.LEVELS for k in rule.requires]
    assert sorted(required) == sorted(c.key for c in levels.CRITERIA)
    assert levels.rules_table()[3]["cumulative_requires"] == list("ABCDEFGHI")
    assert levels.missing_for_next(1, "ABCE") == ("D",)
    assert levels.missing_for_next(2, "ABCDEFGH") == ("I",)
    assert levels.missing_for_next(3, "ABCDEFGHI") == ()


def test_lower_median_never_rounds_up() -> None:
    assert lower_median([]) is None
    assert lower_median([3]) == 3
    assert lower_median([0, 3]) == 0
    assert lower_median([1, 3, 2]) == 2
    assert lower_median([0, 1, 3, 3]) == 1


def _facts(name: str, owner: str, golden: str) -> ModelFacts:
    return replace(ModelFacts.from_dict(_load(GOLDEN / f"{golden}.json")["model"]), name=name, owner=owner)


AS_OF = datetime(2026, 11, 15, tzinfo=UTC)


def test_team_is_minimum_and_organisation_is_lower_median() -> None:
    scores = [
        score_model(_facts("a", "team:x", "level3_all_met"), AS_OF, Settings()),
        score_model(_facts("b", "team:x", "level1_minimum_pipeline"), AS_OF, Settings()),
        score_model(_facts("c", "team:y", "level2_self_approval"), AS_OF, Settings()),
        score_model(_facts("d", "team:y", "level0_no_version"), AS_OF, Settings()),
    ]
    assert [s.level for s in scores] == [3, 1, 2, 0]
    teams, org = aggregate(scores)
    assert {t.name: t.level for t in teams} == {"team:x": 1, "team:y": 2}  # d has no version: not counted
    assert (org.level, org.minimum) == (2, 1)  # lower median of [1, 2, 3]
    assert org.distribution == {0: 0, 1: 1, 2: 1, 3: 1}


def test_trend_rises_as_evidence_arrives() -> None:
    facts = _facts("credit-risk", "team:credit", "level3_all_met")
    period = Period(datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    card = compute_scorecard([facts], period, now=datetime(2026, 11, 15, tzinfo=UTC))
    trend = [(p.label, p.models["credit-risk"]) for p in card.trend]
    # Aug: version 2 only (no validation): 1. Sep: same. Oct: version 3 with all evidence: 3. Nov: 3.
    assert trend == [("2026-08", 1), ("2026-09", 1), ("2026-10", 3), ("2026-11", 3)]
    assert card.as_of == datetime(2026, 11, 15, tzinfo=UTC)
    assert card.organisation.level == 3
    assert card.to_dict()["levels"][1]["requires"] == ["A", "B"]


def test_settings_change_the_boundaries() -> None:
    facts = ModelFacts.from_dict(_load(GOLDEN / "level3_all_met.json")["model"])
    tight = Settings(drift_window=timedelta(days=20), max_waiver_lifetime=timedelta(days=30))
    level, results = levels.evaluate(ScorecardContext(facts, AS_OF, tight))
    assert level == 1
    assert {r.key for r in results if not r.met} == {"D", "G"}


def test_facts_come_from_the_store(sqlite_engine: Any) -> None:
    """The gatherer reads what the registry, lineage, evidence and policy modules stored."""
    from governance.demo import CREDIT_RUN, EXAMPLES
    from governance.lineage.ingest import ingest_paths
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.scorecard.gather import gather_models
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    ingest_paths(sqlite_engine, [EXAMPLES])
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit-risk", owner="team:credit")
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version="3",
                artifact_uri="s3://x/3",
                artifact_digest="sha256:" + "3c" * 32,
                created_by="alice",
                training_run_id=CREDIT_RUN,
            ),
        )
        # A self-approval the services now refuse, as it would sit in a store written before the refusal:
        # the scorecard still reports it as a separation-of-duties violation.
        from governance.approvals.tables import Approval
        from governance.registry.service import get_version

        _, mv = get_version(session, "credit-risk", "3")
        assert mv.id is not None
        session.add(
            Approval(
                model_version_id=mv.id,
                role="model-risk-officer",
                approver="alice",
                artifact_digest=mv.artifact_digest,
                created_at=utcnow(),
            )
        )
        register_model(session, "other", owner="team:other")
    with session_scope(sqlite_engine) as session:
        facts = {f.name: f for f in gather_models(session, "*", now=utcnow())}
        only = gather_models(session, "cred*", now=utcnow())
    assert [f.name for f in only] == ["credit-risk"]
    version = facts["credit-risk"].versions[0]
    assert version.run_seen_at is not None and version.training_inputs == 1
    assert "alice" in version.authors
    stages = {v.stage for v in version.validation}
    assert "data_validation" in stages  # the examples' dataQualityAssertions on the training input
    score = score_model(facts["credit-risk"], utcnow() + timedelta(seconds=1), Settings())
    by_key = {r.key: r for r in score.criteria}
    assert by_key["A"].met and by_key["B"].met
    assert by_key["C"].met == (set(STAGES) <= stages)
    assert not by_key["F"].met and "created the version" in " ".join(by_key["F"].evidence)
    assert facts["other"].versions == ()
