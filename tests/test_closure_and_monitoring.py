"""Issue 13 items 3 and 5: lineage rules see the whole upstream closure (naming dataset and depth), and
monitoring means evidence dated after the version entered the target; scorecard levels agree with the gate.

The scorecard's level boundaries are golden cases (tests/golden/scorecard/, run by test_scorecard.py):
level1_drift_check_before_deployment, level1_drift_check_without_window, level1_latest_decision_blocked,
level2_sustained_two_versions_only, level2_sustained_too_recent. Here: the same rules against a real store.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from governance.demo import CREDIT_RUN, EXAMPLES, POLICIES

BUREAU = "dataset:s3://bureau-feed:scores/2026-09"


def _events(strip_bureau_owner: bool) -> list[dict[str, Any]]:
    events = [json.loads(x) for p in sorted(Path(EXAMPLES).glob("*.jsonl")) for x in p.read_text().splitlines() if x]
    if strip_bureau_owner:
        for e in events:
            for d in e.get("inputs", []) + e.get("outputs", []):
                if d["namespace"] == "s3://bureau-feed":
                    d["facets"].pop("ownership", None)
    return events


def _credit_risk(engine: Any, events: list[dict[str, Any]]) -> None:
    from governance.lineage.ingest import ingest_objects
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    ingest_objects(engine, events, source="test")
    with session_scope(engine) as session:
        register_model(session, "credit-risk", owner="team:credit", risk_tier="high")
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version="3",
                artifact_uri="s3://bank-ml-lake/models/credit-risk/3",
                artifact_digest="sha256:" + "3c" * 32,
                created_by="alice",
                training_run_id=CREDIT_RUN,
            ),
        )


def _outcome(engine: Any, policy_id: str) -> Any:
    from governance.gate.gather import build_context
    from governance.policy.evaluator import evaluate_policy
    from governance.policy.loader import load_bundle
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    bundle = load_bundle(Path(POLICIES))
    policy = next(p for p in bundle.policies if p.id == policy_id)
    with session_scope(engine) as session:
        ctx = build_context(session, "credit-risk", "3", "production", evaluated_at=utcnow())
    return ctx, evaluate_policy(policy, ctx)


def test_context_holds_the_whole_closure_with_depths(sqlite_engine: Any) -> None:
    _credit_risk(sqlite_engine, _events(strip_bureau_owner=False))
    ctx, _ = _outcome(sqlite_engine, "lineage.provenance")
    depths = {d.id: d.depth for d in ctx.datasets}
    assert depths["dataset:s3://bank-ml-lake:features/credit_features"] == 1
    assert depths[BUREAU] == 2
    assert depths["dataset:postgres://warehouse.bank.internal:5432:bank.applications"] == 2


def test_unowned_upstream_source_two_steps_away_blocks(sqlite_engine: Any) -> None:
    """The false green of issue 13: the direct input is owned, the bureau feed two steps up is not."""
    _credit_risk(sqlite_engine, _events(strip_bureau_owner=True))
    _, outcome = _outcome(sqlite_engine, "lineage.provenance")
    assert outcome.verdict.value == "fail"
    text = " ".join([outcome.message, *outcome.details])
    assert f"{BUREAU} (depth 2)" in text


def test_owned_closure_passes_and_says_what_it_covered(sqlite_engine: Any) -> None:
    _credit_risk(sqlite_engine, _events(strip_bureau_owner=False))
    _, outcome = _outcome(sqlite_engine, "lineage.provenance")
    assert outcome.verdict.value == "pass", outcome.message
    text = " ".join([outcome.message, *outcome.details])
    assert "dataset(s) of the upstream closure (depth 1-2)" in text


def test_retention_verdicts_name_depth(sqlite_engine: Any) -> None:
    _credit_risk(sqlite_engine, _events(strip_bureau_owner=False))
    _, outcome = _outcome(sqlite_engine, "data.retention")
    text = " ".join([outcome.message, *outcome.details])
    assert f"{BUREAU} (confidential, depth 2)" in text


def test_entered_target_is_the_first_deployable_decision(sqlite_engine: Any) -> None:
    from governance.gate.queries import entered_target
    from governance.registry.service import get_version
    from governance.store.db import session_scope
    from governance.timeutil import to_utc, utcnow

    _credit_risk(sqlite_engine, _events(strip_bureau_owner=False))
    now = utcnow().replace(microsecond=0)
    with session_scope(sqlite_engine) as session:
        _, mv = get_version(session, "credit-risk", "3")
        assert mv.id is not None
        vid = mv.id
        assert entered_target(session, vid, "production") is None
        for i, (days, target, ok) in enumerate(
            [(10, "production", False), (8, "staging", True), (6, "production", True), (2, "production", True)]
        ):
            session.add(
                _decision(vid, f"00000000-0000-0000-0000-00000000000{i}", target, ok, now - timedelta(days=days))
            )
    with session_scope(sqlite_engine) as session:
        entered = entered_target(session, vid, "production")
        assert entered is not None and to_utc(entered) == now - timedelta(days=6)
        assert entered_target(session, vid, "production", until=now - timedelta(days=7)) is None
        assert entered_target(session, vid, "canary") is None


def _decision(vid: int, ident: str, target: str, ok: bool, at: Any) -> Any:
    from governance.gate.tables import Decision

    return Decision(
        id=ident,
        model="credit-risk",
        version="3",
        model_version_id=vid,
        target=target,
        deployable=ok,
        exit_code=0 if ok else 1,
        context_digest="sha256:x",
        bundle_digest="sha256:x",
        policy_root="test",
        tool_version="test",
        requested_by="test",
        ledger="not_blocked",
        created_at=at,
    )


def test_scorecard_monitoring_needs_a_window_after_deployment(sqlite_engine: Any) -> None:
    """The examples' drift assertion on the training data is a pre-deployment check: D is missed, with why."""
    from governance.scorecard.build import score_model
    from governance.scorecard.context import Settings
    from governance.scorecard.gather import gather_models
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    _credit_risk(sqlite_engine, _events(strip_bureau_owner=False))
    with session_scope(sqlite_engine) as session:
        facts = gather_models(session, "credit-risk", now=utcnow())[0]
    score = score_model(facts, utcnow() + timedelta(seconds=1), Settings())
    d = next(r for r in score.criteria if r.key == "D")
    assert not d.met
    assert "has not entered production" in " ".join(d.evidence)
