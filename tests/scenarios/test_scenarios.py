"""Issue 13 item 7: end-to-end scenarios. Each case in cases.py is built through the public CLI (and the
HTTP API where the case is about API tokens) into a fresh SQLite store, and states the exact gate verdict
of every policy and the statements the audit report's results.json must contain. To add a case, add a
Scenario to cases.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from governance.timeutil import utcnow
from tests.conftest_policy import DEFAULT_POLICIES
from tests.scenarios.cases import SCENARIOS
from tests.scenarios.steps import (
    DIGEST,
    ApiIngest,
    Check,
    Fairness,
    Gov,
    Ingest,
    Register,
    Report,
    Scenario,
    Sleep,
    fairness_csv,
    run_gov,
    strings,
    write_events,
)

# Never in results.json: an elided list or expression (issue 13: "(+1 more)", "<...").
ELIDED = ("more)", "<...", "<…")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'gov.db'}"
    monkeypatch.setenv("GOV_DATABASE_URL", url)
    monkeypatch.setenv("GOV_USER", "ci")
    monkeypatch.setenv("GOV_POLICY_DIR", str(DEFAULT_POLICIES))
    for name in ("GITHUB_RUN_ID", "GITHUB_REPOSITORY", "GITHUB_SHA", "CI_JOB_ID", "BUILD_ID", "GOV_PIPELINE_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GOV_TRUSTED_PRODUCERS", raising=False)
    run_gov("db", "upgrade")
    return url


def _api_ingest(url: str, step: ApiIngest, events: list[dict[str, Any]]) -> None:
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app
    from governance.store.db import make_engine

    token = run_gov("token", "create", "--role", step.role, "--name", step.name).stdout.strip()
    engine = make_engine(url)
    try:
        with TestClient(create_app(engine, Settings(policy_dir=DEFAULT_POLICIES)), raise_server_exceptions=False) as c:
            response = c.post("/api/v1/lineage/batch", json=events, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code in (200, 201), response.text
    finally:
        engine.dispose()


def _check(step: Check) -> None:
    result = run_gov("check", "credit-risk", "3", "--target", step.target, "--format", "json", exit=step.exit)
    report = json.loads(result.stdout)
    got = {o["policy_id"]: o["verdict"] for o in report["outcomes"]}
    # The audit-mode stage.* policies (issue 14) see no stage evidence in these scenarios: compared only
    # where a step names them; the exit code shows they never block.
    got = {p: v for p, v in got.items() if not p.startswith("stage.") or p in step.verdicts}
    assert got == step.verdicts, json.dumps([(o["policy_id"], o["verdict"], o["message"]) for o in report["outcomes"]])
    said = " | ".join(s for o in report["outcomes"] for s in [o["message"], *o["details"]])
    for statement in step.says:
        assert statement in said, f"{statement!r} not in the check's verdicts: {said}"
    found = [json.dumps(f, sort_keys=True) for f in report["findings"]]
    for wanted in step.findings:
        assert any(wanted in f for f in found), f"no finding says {wanted!r}: {found}"
    if not step.findings:
        assert not [f for f in report["findings"] if f.get("kind") != "run_fact_conflict"], report["findings"]


def _report(step: Report, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run_gov("report", "audit", "--format", "json", "--out", str(out))
    results = json.loads(out.read_text(encoding="utf-8"))
    texts = list(strings(results))
    for statement in step.contains:
        assert any(statement in t for t in texts), f"results.json never says {statement!r}"
    for elided in ELIDED:
        assert not any(elided in t for t in texts), f"results.json elides: {[t for t in texts if elided in t]}"
    if step.state is not None:
        [version] = results["versions"]
        assert version["state"] == step.state
    if step.check is not None:
        step.check(results)


def run_scenario(scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in scenario.env.items():
        monkeypatch.setenv(key, value)
    url = f"sqlite:///{tmp_path / 'gov.db'}"
    for i, step in enumerate(scenario.steps):
        if isinstance(step, Ingest):
            run_gov("lineage", "ingest", "-q", str(write_events(tmp_path / f"events-{i}.jsonl", step.build(utcnow()))))
        elif isinstance(step, ApiIngest):
            _api_ingest(url, step, step.build(utcnow()))
        elif isinstance(step, Register):
            args = ["registry", "register", "credit-risk", "--owner", "team:credit", "--risk-tier", "high"]
            args += ["--version", "3", "--digest", DIGEST, "--created-by", "alice", *step.extra]
            if step.training_run:
                args += ["--training-run", step.training_run]
            run_gov(*args)
        elif isinstance(step, Fairness):
            data = fairness_csv(tmp_path / f"fairness-{i}.csv", step)
            args = ["evidence", "fairness", "credit-risk", "3", "--data", str(data), "--label", "label"]
            args += ["--prediction", "prediction", "--sensitive", ",".join(step.sensitive), *step.extra]
            run_gov(*args)
        elif isinstance(step, Gov):
            result = run_gov(*step.args, exit=step.exit)
            if step.says is not None:
                assert step.says in result.output, result.output
        elif isinstance(step, Sleep):
            import time

            time.sleep(step.seconds)
        elif isinstance(step, Check):
            _check(step)
        elif isinstance(step, Report):
            _report(step, tmp_path)
        else:  # pragma: no cover - a new step type without a runner
            raise AssertionError(f"unknown step {step!r}")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scenario: Scenario, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_scenario(scenario, tmp_path, monkeypatch)


def test_scenarios_are_many_and_uniquely_named() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) >= 15 and len(set(names)) == len(names)
    assert all(any(isinstance(step, Check) for step in s.steps) for s in SCENARIOS)
