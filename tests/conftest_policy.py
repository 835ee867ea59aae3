"""Shared builders for the policy tests: a credit-risk platform ingested as real OpenLineage events,
registered in the registry, with a stored fairness evaluation. Imported by tests/test_policy_*.py.

Times are relative to now, so max-age rules behave the same whenever the suite runs.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.timeutil import utcnow

REPO = Path(__file__).resolve().parents[1]
DEFAULT_POLICIES = REPO / "policies" / "default"
PRODUCER = "https://github.com/gov-audit/gov/tree/0.1.0/tests"
CORE = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
LAKE = "s3://bank-ml-lake"
WAREHOUSE = "postgres://warehouse.bank.internal:5432"
DIGEST = "sha256:" + "c" * 64
OTHER_DIGEST = "sha256:" + "d" * 64


def rid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gov-policy-tests/{name}"))


def ol_facet(name: str, version: str = "1-0-1", **body: Any) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": f"https://openlineage.io/spec/facets/{version}/{name}.json#/$defs/{name}",
        **body,
    }


def gov_facet(name: str, **body: Any) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": f"https://gov-audit.dev/spec/facets/1-0-0/{name}.json#/$defs/{name}",
        **body,
    }


def _event(
    kind: str,
    at: datetime,
    job: str,
    run: str,
    inputs: list[Any],
    outputs: list[Any],
    *,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "eventType": kind,
        "eventTime": at.isoformat().replace("+00:00", "Z"),
        "producer": PRODUCER,
        "schemaURL": CORE,
        "run": {"runId": rid(run), "facets": run_facets or {}},
        "job": {"namespace": "credit-platform", "name": job, "facets": job_facets or {}},
        "inputs": inputs,
        "outputs": outputs,
    }


def owners(*names: str, kind: str = "Dataset") -> dict[str, Any]:
    return ol_facet(f"Ownership{kind}Facet", owners=[{"name": n, "type": "MAINTAINER"} for n in names])


@dataclass(frozen=True)
class Platform:
    """What `seed_platform` built: names to check against."""

    model: str = "credit-risk"
    version: str = "3"
    training_run: str = rid("train-credit-3")
    creator: str = "alice"
    trainer: str = "dora"


def platform_events(
    t0: datetime,
    *,
    auc: float = 0.81,
    latency: float = 120.0,
    applications_classes: tuple[str, ...] = ("PII",),
    feature_owner: str | None = "team:ml-features",
    extra_inputs: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Raw table -> feature job -> training job (-> model artifact) -> validation job, as OpenLineage events."""
    tags = [{"key": "classification", "value": c, "source": "catalog"} for c in applications_classes]
    applications = {
        "namespace": WAREHOUSE,
        "name": "bank.applications",
        "facets": {
            "schema": ol_facet(
                "SchemaDatasetFacet",
                "1-2-0",
                fields=[{"name": "application_id", "type": "BIGINT"}, {"name": "sex", "type": "VARCHAR", "tags": tags}],
            ),
            "ownership": owners("team:credit-data"),
        },
    }
    features_facets: dict[str, Any] = {
        "dataQualityAssertions": ol_facet(
            "DataQualityAssertionsDatasetFacet",
            assertions=[
                {"assertion": "schema_matches_contract", "success": True},
                {"assertion": "psi_drift_below_0.2", "success": True, "column": "debt_to_income"},
            ],
        )
    }
    if feature_owner:
        features_facets["ownership"] = owners(feature_owner)
    features = {"namespace": LAKE, "name": "features/credit_features", "facets": features_facets}
    artifact = {"namespace": LAKE, "name": "models/credit-risk/3", "facets": {}}
    results = [
        {"stage": "model_performance", "name": "auc", "value": auc, "baseline": 0.80},
        {"stage": "operational", "name": "latency_p95_ms", "value": latency, "baseline": 110.0},
        {"stage": "operational", "name": "memory_mb", "value": 900},
        {"stage": "operational", "name": "throughput_rps", "value": 420},
        {"stage": "ethical", "name": "explainability_coverage", "value": 0.97},
    ]
    trainer = {"ownership": owners("dora", kind="Job")}
    inputs = [features, *(extra_inputs or [])]
    return [
        _event("START", t0, "features.build", "features-1", [applications], []),
        _event("COMPLETE", t0 + timedelta(minutes=30), "features.build", "features-1", [applications], [features]),
        _event(
            "START", t0 + timedelta(hours=1), "ml.train_credit_risk", "train-credit-3", inputs, [], job_facets=trainer
        ),
        _event(
            "COMPLETE",
            t0 + timedelta(hours=2),
            "ml.train_credit_risk",
            "train-credit-3",
            inputs,
            [artifact],
            job_facets=trainer,
        ),
        _event(
            "COMPLETE",
            t0 + timedelta(hours=3),
            "ml.validate_credit_risk",
            "validate-credit-3",
            [artifact],
            [],
            run_facets={"validationResults": gov_facet("ValidationResultsRunFacet", results=results)},
        ),
    ]


def seed_platform(
    engine: Engine,
    *,
    days_ago: float = 10,
    fairness: bool = True,
    dp_counts: tuple[tuple[int, int, int, int], tuple[int, int, int, int]] | None = None,
    risk_tier: str = "high",
    events: list[dict[str, Any]] | None = None,
    stages: bool = True,
) -> Platform:
    """Ingest the platform's events, register credit-risk 3 (created by alice, trained by dora's job),
    store a fairness evaluation over `sex` (per-group TP, FP, FN, TN) and, with `stages`, passing
    validation-stage evidence of every kind the default pack enforces (`store_stages`)."""
    from governance.lineage.ingest import ingest_objects
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    t0 = utcnow() - timedelta(days=days_ago)
    report = ingest_objects(engine, events if events is not None else platform_events(t0), source="tests")
    assert not report.rejected, [r.line() for r in report.rejected]
    platform = Platform()
    with session_scope(engine) as session:
        register_model(
            session,
            platform.model,
            owner="team:credit",
            risk_tier=risk_tier,
            tags={"intended_use": "consumer credit scoring"},
        )
        register_version(
            session,
            platform.model,
            VersionSpec(
                version=platform.version,
                artifact_uri="s3://bank-ml-lake/models/credit-risk/3",
                artifact_digest=DIGEST,
                created_by=platform.creator,
                training_run_id=platform.training_run,
            ),
        )
        if fairness:
            store_fairness(session, platform, dp_counts or ((1200, 300, 300, 1300), (1250, 300, 300, 1250)))
        if stages:
            store_stages(session, platform, evaluated_at=t0 + timedelta(hours=4))
    return platform


def store_stages(session: Any, platform: Platform, *, evaluated_at: datetime | None = None) -> list[int]:
    """Validation-stage evidence within every threshold of the default pack's stage.* policies (which
    enforce): performance (AUC 0.78 [0.75, 0.81], 0.01 above the champion), drift (no feature drifts), an
    A/B test won with 90% power, and a load test (p99 240 ms, 0.2% errors). Submitted by `cli:seed`."""
    from governance.evidence.stage import Measurement, StageResult
    from governance.evidence.stage_store import store_stage_result

    def result(kind: str, ms: list[Measurement], summary: dict[str, Any], rows: int) -> StageResult:
        return StageResult(kind, tuple(ms), summary, rows, "sha256:" + "5" * 64, "file", f"{kind}.csv", "computed", "t")

    results = [
        result(
            "performance",
            [
                Measurement("auc", 0.78, 0.75, 0.81, n=5000, higher_is_better=True),
                Measurement("auc.delta", 0.01, 0.002, 0.018, n=5000, higher_is_better=True),
            ],
            {"champion": True},
            5000,
        ),
        result(
            "drift",
            [Measurement("drift", 0.0, subject="income"), Measurement("drift", 0.0, subject="age")],
            {"share_drifted": 0.0, "drift_share": 0.5, "dataset_drift": False},
            5000,
        ),
        result(
            "abtest",
            [Measurement("lift", 0.012, 0.004, 0.02, n=40000, higher_is_better=True)],
            {"verdict": "win", "srm": {"passed": True, "p_value": 0.42}, "power": 0.9},
            40000,
        ),
        result(
            "operational",
            [
                Measurement("latency_p99_ms", 240.0, 220.0, 260.0, n=10000, higher_is_better=False),
                Measurement("error_rate", 0.002, 0.001, 0.003, n=10000, higher_is_better=False),
            ],
            {"format": "latency_csv"},
            10000,
        ),
    ]
    return [
        store_stage_result(
            session, platform.model, platform.version, r, submitted_by="cli:seed", evaluated_at=evaluated_at
        )
        for r in results
    ]


def store_fairness(
    session: Any, platform: Platform, counts: tuple[tuple[int, int, int, int], tuple[int, int, int, int]]
) -> int:
    """A real evaluation (governance.evidence) of two groups, female and male, with bootstrap intervals."""
    import numpy as np

    from governance.evidence.confusion import ConfusionTable
    from governance.evidence.counts import ColumnRoles
    from governance.evidence.evaluation import Settings
    from governance.evidence.fairness import DataInfo, store_evaluation
    from governance.registry.service import get_version

    registered, mv = get_version(session, platform.model, platform.version)
    table = ConfusionTable(
        sensitive=("sex",),
        groups=(("female",), ("male",)),
        counts=np.array(counts),
        favorable="1",
        predicted_favorable=("1",),
        label_values=("0", "1"),
    )
    stored = store_evaluation(
        session,
        registered,
        mv,
        table,
        Settings(bootstrap=200, seed=1, min_group_size=30),
        DataInfo("sha256:" + "e" * 64, "file", "eval.csv", "csv"),
        ColumnRoles("label", "prediction", ("sex",), None),
        producer="tests",
        submitted_by="cli:seed",
    )
    return stored.id


def approve_all(engine: Engine, platform: Platform) -> None:
    """The approvals the default pack asks for, by people who neither created nor trained the model."""
    from governance.approvals.records import approve
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        approve(session, platform.model, platform.version, "model-risk-officer", approver="mallory")
        approve(session, platform.model, platform.version, "business-owner", approver="bob")


# ---- fixtures (import them into a test module to use them) ----------------------------------------
@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store with the platform seeded (no approvals), built once per module and copied per test."""
    from governance.store.db import make_engine
    from governance.store.migrate import upgrade

    path = tmp_path_factory.mktemp("policy-store") / "gov.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_platform(engine)
    engine.dispose()
    return path


@pytest.fixture
def seeded(seeded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A private copy of the seeded store; GOV_DATABASE_URL points the CLI at it, GOV_USER is `ci`."""
    from governance.store.db import make_engine

    path = tmp_path / "gov.db"
    shutil.copyfile(seeded_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("GOV_DATABASE_URL", url)
    monkeypatch.setenv("GOV_USER", "ci")
    monkeypatch.setenv("GOV_POLICY_DIR", str(DEFAULT_POLICIES))
    for name in (
        "GITHUB_RUN_ID",
        "GITHUB_REPOSITORY",
        "GITHUB_SHA",
        "GITHUB_ACTOR",
        "CI_JOB_ID",
        "CI_PIPELINE_ID",
        "CI_PROJECT_PATH",
        "GITLAB_USER_LOGIN",
        "BUILD_REQUESTEDFOR",
        "BUILD_ID",
        "BUILD_URL",
        "JENKINS_URL",
        "GOV_PIPELINE_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    engine = make_engine(url)
    yield engine
    engine.dispose()
