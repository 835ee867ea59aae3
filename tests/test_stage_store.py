"""Issue 14: the store of validation-stage evidence (append-only table `stage_evidence`), its history and
degradation findings, and the gate reading it (trusted submitters only, monitoring windows measured from
when the version entered the target)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from governance.errors import InputError, NotFoundError
from governance.evidence.stage import Measurement, StageResult
from governance.evidence.stage_store import degrading_series, history, list_stage_evidence, store_stage_result
from governance.evidence.stage_tables import StageEvidenceRow
from governance.gate.service import run_check
from governance.identity import cli_submitter, token_submitter
from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope

DIGEST = "sha256:" + "b" * 64
T0 = datetime(2026, 10, 1, tzinfo=UTC)


def result(kind: str = "performance", auc: float = 0.8, **kw: Any) -> StageResult:
    ms = (Measurement("auc", auc, auc - 0.02, auc + 0.02, n=1000, higher_is_better=True),
          Measurement("brier", 0.1, higher_is_better=False))  # fmt: skip
    base = StageResult(kind, ms, {}, 1000, DIGEST, "file", "holdout.csv", "computed", "gov 0.1", confidence=0.95)
    return replace(base, **kw)


@pytest.fixture
def store(engine: Engine) -> Engine:
    with session_scope(engine) as s:
        register_model(s, "credit", owner="team:credit")
        for v in ("1", "2", "3", "4"):
            register_version(s, "credit", VersionSpec(v, f"s3://m/{v}", f"{int(v):02d}" * 32, "carol"))
    return engine


def test_store_and_list_round_trip(store: Engine) -> None:
    with session_scope(store) as s:
        ident = store_stage_result(s, "credit", "1", result(), submitted_by=cli_submitter("val"), evaluated_at=T0)
    with session_scope(store) as s:
        rows = list_stage_evidence(s, "credit", "1")
        assert [r.id for r in rows] == [ident]
        assert rows[0].result == result()
        assert rows[0].submitted_by == "cli:val" and rows[0].evaluated_at == T0
        assert rows[0].to_dict()["stage"] == "performance"
        assert list_stage_evidence(s, "credit", kind="drift") == []


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (result(measurements=()), "no measurements"),
        (result(window_start=T0, window_end=T0 - timedelta(days=1)), "ends"),
        (result(kind="vibes"), "unknown evidence kind"),
        (result(measurements=(Measurement("auc", float("nan")),)), "not a finite number"),
    ],
)
def test_bad_results_are_refused_and_nothing_stored(store: Engine, bad: StageResult, where: str) -> None:
    with pytest.raises(InputError, match=where), session_scope(store) as s:
        store_stage_result(s, "credit", "1", bad, submitted_by="cli:val")
    with session_scope(store) as s:
        assert s.exec(select(StageEvidenceRow)).all() == []


def test_unknown_version_is_not_found(store: Engine) -> None:
    with pytest.raises(NotFoundError), session_scope(store) as s:
        store_stage_result(s, "credit", "9", result(), submitted_by="cli:val")


def test_history_orders_by_version_then_time_and_finds_degradation(store: Engine) -> None:
    with session_scope(store) as s:
        # stored out of order: version 3 first, version 1 twice
        store_stage_result(s, "credit", "3", result(auc=0.76), submitted_by="cli:v", evaluated_at=T0)
        store_stage_result(s, "credit", "1", result(auc=0.70), submitted_by="cli:v", evaluated_at=T0)
        store_stage_result(s, "credit", "1", result(auc=0.80), submitted_by="cli:v", evaluated_at=T0 + timedelta(1))
        store_stage_result(s, "credit", "2", result(auc=0.78), submitted_by="cli:v", evaluated_at=T0)
    with session_scope(store) as s:
        series = history(s, "credit", metric="auc")
        assert len(series) == 1 and series[0].metric == "auc" and series[0].kind == "performance"
        assert [(p.version, p.value) for p in series[0].points] == [("1", 0.70), ("1", 0.80), ("2", 0.78), ("3", 0.76)]
        assert series[0].points[0].low == pytest.approx(0.68)
        assert {(x.kind, x.metric) for x in history(s, "credit")} == {("performance", "auc"), ("performance", "brier")}
        found = degrading_series(s, "credit")
        # auc: 0.80 (latest of 1) > 0.78 > 0.76: worse three times in a row; brier is flat
        assert [f["measurement"] for f in found] == ["performance auc"]
        assert "1: 0.8 -> 2: 0.78 -> 3: 0.76" in found[0]["message"]
    with session_scope(store) as s:
        store_stage_result(s, "credit", "4", result(auc=0.79), submitted_by="cli:v", evaluated_at=T0)
    with session_scope(store) as s:
        assert degrading_series(s, "credit") == []  # the latest run of three (0.78, 0.76, 0.79) recovered


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
MONITOR_POLICY = AUC_POLICY.replace("id: stage.auc", "id: stage.monitor").replace(
    "kind: performance_threshold\nrule:\n  metric: auc\n  bound: {min: 0.7}\n",
    "kind: drift_threshold\nrule:\n  max_share: 0.3\n  window: after_deployment\n",
)


def _check(engine: Engine, folder: Path, now: datetime | None = None) -> Any:
    with session_scope(engine) as s:
        return run_check(s, "credit", "1", "production", policy_dir=folder, requested_by="ci", ci_env={}, now=now)


def test_gate_counts_only_trusted_stage_evidence(store: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "auc.yaml").write_text(AUC_POLICY)
    with session_scope(store) as s:
        store_stage_result(s, "credit", "1", result(auc=0.9), submitted_by=token_submitter("x", "viewer"))
    report = _check(store, folder)
    (o,) = report.outcomes
    assert o.verdict.value == "not_evaluated" and "untrusted submitter" in o.message and not report.deployable
    with session_scope(store) as s:
        store_stage_result(s, "credit", "1", result(auc=0.71), submitted_by=token_submitter("ci", "evidence"))
    (o,) = _check(store, folder).outcomes
    assert o.verdict.value == "inconclusive" and o.blocking and "rows would decide it" in o.message


def test_gate_monitoring_counts_windows_after_the_version_entered_the_target(store: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "auc.yaml").write_text(AUC_POLICY)
    with session_scope(store) as s:
        store_stage_result(s, "credit", "1", result(auc=0.9), submitted_by="cli:v")
    first = _check(store, folder)
    assert first.deployable  # the version enters production now
    (folder / "monitor.yaml").write_text(MONITOR_POLICY)
    drift = StageResult("drift", (Measurement("psi", 0.01, subject="income"),), {"share_drifted": 0.0}, 500, DIGEST,
                        "file", "prod.csv", "computed", "gov 0.1")  # fmt: skip
    entered = first.evaluated_at
    with session_scope(store) as s:
        store_stage_result(s, "credit", "1", replace(drift, window_start=entered - timedelta(days=10),
                           window_end=entered - timedelta(days=1)), submitted_by="cli:v")  # fmt: skip
    later = entered + timedelta(days=20)
    report = _check(store, folder, now=later)
    monitor = next(o for o in report.outcomes if o.policy_id == "stage.monitor")
    assert monitor.verdict.value == "not_evaluated" and "window after deployment" in monitor.message
    with session_scope(store) as s:
        store_stage_result(s, "credit", "1", replace(drift, window_start=entered + timedelta(days=1),
                           window_end=entered + timedelta(days=15)), submitted_by="cli:v")  # fmt: skip
    report = _check(store, folder, now=later)
    monitor = next(o for o in report.outcomes if o.policy_id == "stage.monitor")
    assert monitor.verdict.value == "pass", monitor.message
