"""The evaluation context built from a real store: lineage closure, derived facts, evidence; its canonical
JSON round-trips; and `gov check` stays off the heavy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from governance.digest import canonical_json
from governance.gate.gather import build_context, classifications
from governance.lineage.ingest import ingest_objects
from governance.policy.context import EvaluationContext
from governance.policy.evaluator import evaluate_bundle
from governance.policy.loader import load_documents
from governance.store.db import session_scope
from governance.timeutil import utcnow
from tests.conftest_policy import (  # noqa: F401 - fixtures
    LAKE,
    WAREHOUSE,
    ol_facet,
    platform_events,
    seed_platform,
    seeded,
    seeded_template,
)

REPO = Path(__file__).resolve().parents[1]


def _context(engine: Engine) -> EvaluationContext:
    with session_scope(engine) as session:
        return build_context(session, "credit-risk", "3", "production", evaluated_at=utcnow())


def test_context_holds_the_lineage_closure_and_derived_facts(seeded: Engine) -> None:  # noqa: F811
    ctx = _context(seeded)
    assert ctx.training_run is not None and ctx.training_run.state == "COMPLETE"
    assert ctx.training_run.authors == ("dora",)
    assert ctx.training_run.job == "job:credit-platform:ml.train_credit_risk"
    by_id = {d.id: d for d in ctx.datasets}
    features = by_id[f"dataset:{LAKE}:features/credit_features"]
    applications = by_id[f"dataset:{WAREHOUSE}:bank.applications"]
    assert (features.depth, applications.depth) == (1, 2)
    assert features.owners == ("team:ml-features",)
    assert applications.classifications == ("owner:team:credit-data", "PII")
    assert applications.first_seen is not None and applications.deletion is None
    names = {(v.stage, v.name) for v in ctx.validation}
    assert {
        ("data_validation", "schema_matches_contract"),
        ("data_validation", "psi_drift_below_0.2"),
        ("model_performance", "auc"),
        ("operational", "latency_p95_ms"),
        ("ethical", "explainability_coverage"),
        ("ethical", "fairness_evaluation"),
    } <= names
    (fairness,) = ctx.fairness
    dp = fairness.metrics["fairlearn.demographic_parity_difference"]
    assert dp.value is not None and dp.ci_low is not None and dp.ci_high is not None
    assert fairness.sensitive == ("sex",) and dp.ci_low <= dp.value <= dp.ci_high
    assert [(g.name, g.count) for g in fairness.groups] == [("female", 3100), ("male", 3100)]


def test_canonical_form_round_trips_exactly(seeded: Engine) -> None:  # noqa: F811
    ctx = _context(seeded)
    data = json.loads(canonical_json(ctx.to_dict()))
    again = EvaluationContext.from_dict(data)
    assert again == ctx
    assert canonical_json(again.to_dict()) == canonical_json(ctx.to_dict())


def test_classifications_from_field_tags_dataset_tags_and_ownership() -> None:
    facets = {
        "schema": {
            "fields": [
                {"name": "a", "tags": [{"key": "classification", "value": "PII"}]},
                {"name": "s", "fields": [{"name": "n", "tags": [{"key": "Sensitivity", "value": "restricted"}]}]},
                {"name": "b", "tags": [{"key": "team", "value": "x"}]},
            ]
        },
        "tags": {"tags": [{"key": "classification", "value": "pii"}, {"key": "classification", "value": "internal"}]},
        "ownership": {"owners": [{"name": "team:hr", "type": "MAINTAINER"}]},
    }
    assert classifications(facets) == ("internal", "owner:team:hr", "PII", "restricted")


def test_deletion_evidence_from_a_lifecycle_state_change(sqlite_engine: Engine) -> None:
    """Retention over real events: data first seen 4 years ago fails P3Y, until a DROP is recorded."""
    policy = """\
id: retention.pii
version: 1.0.0
title: t
owner: o
rationale: r
remediation: delete it
controls: [eu-ai-act:Art. 10]
mode: enforce
severity: high
kind: data_retention
rule: {max_age: {PII: P3Y}}
"""
    bundle, _ = load_documents({"p.yaml": policy}, "mem")
    assert bundle is not None
    seed_platform(sqlite_engine, days_ago=4 * 365, fairness=False)
    assert evaluate_bundle(bundle, _context(sqlite_engine)).outcomes[0].verdict.value == "fail"
    drop = {
        "eventType": "COMPLETE",
        "eventTime": utcnow().isoformat(),
        "producer": "https://example.com/t",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "3f0e0c4e-0000-4000-8000-000000000001", "facets": {}},
        "job": {"namespace": "dba", "name": "purge_applications", "facets": {}},
        "inputs": [],
        "outputs": [
            {
                "namespace": WAREHOUSE,
                "name": "bank.applications",
                "facets": {
                    "lifecycleStateChange": ol_facet("LifecycleStateChangeDatasetFacet", lifecycleStateChange="DROP")
                },
            }
        ],
    }
    assert not ingest_objects(sqlite_engine, [drop], source="dba").rejected
    ctx = _context(sqlite_engine)
    applications = next(d for d in ctx.datasets if d.name == "bank.applications")
    assert applications.deletion == "DROP" and applications.deleted_at is not None
    outcome = evaluate_bundle(bundle, ctx).outcomes[0]
    assert outcome.verdict.value == "pass" and "was deleted (DROP at" in " ".join(outcome.details)


def test_validation_runs_are_found_through_the_model_artifact(sqlite_engine: Engine) -> None:
    """A run that reads the training run's output (the artifact) is a validation run; others are not."""
    t0 = utcnow() - timedelta(days=3)
    events = platform_events(t0, auc=0.5)
    seed_platform(sqlite_engine, events=events, fairness=False)
    ctx = _context(sqlite_engine)
    (auc,) = [v for v in ctx.validation if v.name == "auc"]
    assert auc.value == 0.5 and auc.baseline == 0.8 and auc.source.endswith("#validationResults")


def test_gov_check_does_not_import_heavy_libraries(seeded: Engine) -> None:  # noqa: F811
    script = (
        "import sys\n"
        "sys.argv = ['gov', 'check', 'credit-risk', '3', '--target', 'production', '--format', 'sarif']\n"
        "import governance.cli.main as m\n"
        "try:\n    m.run()\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = sorted({n.split('.')[0] for n in sys.modules} & {'numpy', 'pandas', 'fairlearn', 'aif360', "
        "'weasyprint', 'fastapi', 'uvicorn', 'pyhanko', 'openlineage', 'networkx', 'jinja2'})\n"
        "print('RESULT', code, heavy, 'cel.cli' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=REPO)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("RESULT"))
    assert line == "RESULT 1 [] False", proc.stderr[-2000:]
