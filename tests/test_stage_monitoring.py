"""Issue 14 and issue 13 item 5: a metric that degrades over three consecutive versions is a finding of the
check (and of the findings register), never before the third worse version; the scorecard's monitoring
criterion is met only by stage evidence whose window starts after the version entered production."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from governance.evidence.stage import Measurement, StageResult
from governance.evidence.stage_store import degrading_series, store_stage_result
from governance.findings.tables import Finding
from governance.gate.service import replay_decision, run_check
from governance.identity import cli_submitter, token_submitter
from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope
from governance.timeutil import utcnow

DIGEST = "sha256:" + "d" * 64
T0 = datetime(2026, 10, 1, tzinfo=UTC)
AUC_POLICY = """\
id: stage.auc
version: 1.0.0
title: auc
owner: team:risk
rationale: r
remediation: r
controls: ["eu-ai-act:Art. 15"]
mode: enforce
severity: high
kind: performance_threshold
rule:
  metric: auc
  bound: {min: 0.7}
"""


def performance(ece: float, auc: float = 0.8) -> StageResult:
    ms = (
        Measurement("auc", auc, auc - 0.02, auc + 0.02, n=1000, higher_is_better=True),
        Measurement("ece", ece, ece - 0.01, ece + 0.01, n=1000, higher_is_better=False),
    )
    return StageResult("performance", ms, {}, 1000, DIGEST, "file", "holdout.csv", "computed", "t", confidence=0.95)


def drift(share: float = 0.0, **kw: Any) -> StageResult:
    ms = (Measurement("drift", 0.0, subject="income"), Measurement("drift", 0.0, subject="age"))
    base = StageResult("drift", ms, {"share_drifted": share, "drift_share": 0.5, "dataset_drift": False}, 500,
                       DIGEST, "file", "prod.csv", "computed", "t")  # fmt: skip
    return replace(base, **kw)


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> tuple[Engine, Path]:
    with session_scope(engine) as s:
        register_model(s, "credit", owner="team:credit")
        for v in ("1", "2", "3", "4"):
            register_version(s, "credit", VersionSpec(v, f"s3://m/{v}", f"{int(v):02d}" * 32, "carol"))
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "auc.yaml").write_text(AUC_POLICY)
    return engine, folder


def _check(engine: Engine, folder: Path, version: str, now: datetime | None = None) -> Any:
    with session_scope(engine) as s:
        return run_check(s, "credit", version, "production", policy_dir=folder, requested_by="ci", ci_env={}, now=now)


def _store(engine: Engine, version: str, result: StageResult, at: datetime, who: str | None = None) -> int:
    with session_scope(engine) as s:
        return store_stage_result(s, "credit", version, result, submitted_by=who or cli_submitter("v"), evaluated_at=at)


def _degrading(report: Any) -> list[dict[str, Any]]:
    return [f for f in report.findings if f.get("kind") == "degrading_metric"]


def test_degradation_is_a_finding_after_the_third_worse_version_and_not_before(store: tuple[Engine, Path]) -> None:
    engine, folder = store
    _store(engine, "1", performance(0.05), T0)
    _store(engine, "2", performance(0.06), T0 + timedelta(days=30))
    second = _check(engine, folder, "2", now=T0 + timedelta(days=31))
    assert _degrading(second) == []  # two worse-looking points are not yet a trend
    _store(engine, "3", performance(0.08), T0 + timedelta(days=60))
    third = _check(engine, folder, "3", now=T0 + timedelta(days=61))
    assert third.deployable  # a finding never blocks
    (found,) = _degrading(third)  # only ece: the AUC stayed at 0.8, which is not worse
    assert found["measurement"] == "performance ece" and found["severity"] == "medium"
    assert found["versions"] == ["1", "2", "3"] and found["values"] == [0.05, 0.06, 0.08]
    assert "1: 0.05 -> 2: 0.06 -> 3: 0.08" in found["message"] and "credit" in found["message"]
    # the register holds it, as a degradation of medium severity naming metric, versions and values
    with session_scope(engine) as s:
        rows = s.exec(select(Finding).where(Finding.version == "3", Finding.kind == "degradation")).all()
        assert [(r.key, r.severity, r.status) for r in rows] == [("degrading:performance ece", "medium", "open")]
        assert "1: 0.05 -> 2: 0.06 -> 3: 0.08" in rows[0].detail and "1, 2, 3" in rows[0].title
        # the stored decision replays to the same findings (the trend is part of the stored context)
        assert replay_decision(s, third.decision_id).reproduced
    # a check of version 2 made later does not borrow version 3's trend; one as of before version 3's
    # evidence does not see it either
    assert _degrading(_check(engine, folder, "2", now=T0 + timedelta(days=62))) == []
    assert _degrading(_check(engine, folder, "3", now=T0 + timedelta(days=59))) == []


def test_a_recovered_metric_is_no_longer_a_finding(store: tuple[Engine, Path]) -> None:
    engine, folder = store
    for i, (v, ece) in enumerate((("1", 0.05), ("2", 0.06), ("3", 0.08), ("4", 0.07))):
        _store(engine, v, performance(ece), T0 + timedelta(days=30 * i))
    assert _degrading(_check(engine, folder, "4", now=T0 + timedelta(days=100))) == []
    with session_scope(engine) as s:
        assert degrading_series(s, "credit") == []
        assert [f["measurement"] for f in degrading_series(s, "credit", version="3")] == ["performance ece"]


def _criterion_d(engine: Engine, now: datetime, version: str = "1") -> dict[str, Any]:
    from governance.scorecard.build import score_model
    from governance.scorecard.context import Settings
    from governance.scorecard.gather import gather_models

    with session_scope(engine) as s:
        [facts] = gather_models(s, "credit", now=now)
    facts = replace(facts, versions=tuple(v for v in facts.versions if v.version == version))
    score = score_model(facts, now, Settings())
    return next(c.to_dict() for c in score.criteria if c.key == "D")


def test_monitoring_criterion_is_met_only_by_a_window_after_deployment(store: tuple[Engine, Path]) -> None:
    engine, folder = store
    t0 = utcnow()  # the versions were registered just now: the scorecard reads from their registration on
    _store(engine, "1", performance(0.05), t0)
    _store(engine, "1", drift(), t0)  # a pre-deployment drift check: no window
    entered = t0 + timedelta(days=1)
    assert _check(engine, folder, "1", now=entered).deployable  # credit 1 enters production now
    later = entered + timedelta(days=20)
    d = _criterion_d(engine, later)
    assert d["met"] is False and any("drift" in e and "states no data window" in e for e in d["evidence"]), d
    # a window that starts before the deployment is a pre-deployment check
    before = drift(window_start=entered - timedelta(days=10), window_end=entered - timedelta(days=1))
    _store(engine, "1", before, entered + timedelta(days=2))
    d = _criterion_d(engine, later)
    assert d["met"] is False and any("before the deployment" in e for e in d["evidence"]), d
    # the same after the deployment, by an untrusted submitter: not counted
    after = drift(window_start=entered + timedelta(days=1), window_end=entered + timedelta(days=15))
    _store(engine, "1", after, entered + timedelta(days=16), who=token_submitter("someone", "viewer"))
    assert _criterion_d(engine, later)["met"] is False
    # by a trusted one: monitoring
    _store(engine, "1", after, entered + timedelta(days=16))
    d = _criterion_d(engine, later)
    assert d["met"] is True and any("after the deployment: counted" in e for e in d["evidence"]), d


def test_a_blocked_version_cannot_meet_monitoring(store: tuple[Engine, Path]) -> None:
    engine, folder = store
    t0 = utcnow()
    _store(engine, "2", performance(0.05, auc=0.6), t0)  # AUC below 0.7: the gate blocks it
    assert not _check(engine, folder, "2", now=t0 + timedelta(days=1)).deployable
    window = drift(window_start=t0 + timedelta(days=2), window_end=t0 + timedelta(days=10))
    _store(engine, "2", window, t0 + timedelta(days=11))
    d = _criterion_d(engine, t0 + timedelta(days=12), version="2")
    assert d["met"] is False and any("has not entered production" in e for e in d["evidence"]), d
