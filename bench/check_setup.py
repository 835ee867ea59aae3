"""The store and policy folder that bench/check.py times `gov check` on: the credit-risk platform's lineage
(a DEPTH-deep chain with PII tags, validation facets), two registered versions with a fairness evaluation
(one approved), and the default policy pack plus 22 generated variants."""

from __future__ import annotations

import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

PRODUCER = "https://github.com/gov-audit/gov/tree/0.1.0/bench"
CORE = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
DEPTH = 12


def _facet(name: str, version: str = "1-0-1", **body: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": f"https://openlineage.io/spec/facets/{version}/{name}.json", **body}


def _run(kind: str, at: Any, job: str, run: str, ins: list[Any], outs: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "eventType": kind,
        "eventTime": at.isoformat(),
        "producer": PRODUCER,
        "schemaURL": CORE,
        "run": {
            "runId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-check/{run}")),
            "facets": extra.get("run_facets", {}),
        },
        "job": {"namespace": "credit", "name": job, "facets": extra.get("job_facets", {})},
        "inputs": ins,
        "outputs": outs,
    }


def platform_events(t0: Any) -> list[dict[str, Any]]:
    """A chain raw_0 -> ... -> raw_{DEPTH-1} -> features -> training (two versions) -> validation."""

    def ds(name: str, **facets: Any) -> dict[str, Any]:
        return {"namespace": "s3://lake", "name": name, "facets": facets}

    owner = _facet("OwnershipDatasetFacet", owners=[{"name": "team:data", "type": "MAINTAINER"}])
    tags = _facet("TagsDatasetFacet", "1-0-0", tags=[{"key": "classification", "value": "PII", "source": "b"}])
    events = []
    for i in range(1, DEPTH):
        events.append(
            _run(
                "COMPLETE",
                t0 + timedelta(minutes=i),
                f"etl.step_{i}",
                f"etl-{i}",
                [ds(f"raw_{i - 1}", ownership=owner, tags=tags)],
                [ds(f"raw_{i}", ownership=owner)],
            )
        )
    checks = _facet(
        "DataQualityAssertionsDatasetFacet",
        assertions=[
            {"assertion": "schema_matches_contract", "success": True},
            {"assertion": "psi_drift_below_0.2", "success": True, "column": "x"},
        ],
    )
    features = ds("features", ownership=owner, dataQualityAssertions=checks)
    events.append(
        _run("COMPLETE", t0 + timedelta(hours=1), "features.build", "features", [ds(f"raw_{DEPTH - 1}")], [features])
    )
    trainer = {"ownership": _facet("OwnershipJobFacet", owners=[{"name": "dora", "type": "AUTHOR"}])}
    results = {
        "_producer": PRODUCER,
        "_schemaURL": "https://gov-audit.dev/spec/facets/2-0-0/ValidationResultsRunFacet.json#/$defs/ValidationResultsRunFacet",
        "results": [
            {"stage": "model_performance", "name": "auc", "value": 0.81, "baseline": 0.8},
            {"stage": "operational", "name": "latency_p95_ms", "value": 120, "baseline": 110},
            {"stage": "operational", "name": "memory_mb", "value": 900},
            {"stage": "operational", "name": "throughput_rps", "value": 400},
            {"stage": "ethical", "name": "explainability_coverage", "value": 0.97},
        ],
    }
    for v in ("3", "4"):
        artifact = ds(f"models/credit-risk/{v}")
        events.append(
            _run("START", t0 + timedelta(hours=2), "ml.train", f"train-{v}", [features], [], job_facets=trainer)
        )
        events.append(
            _run(
                "COMPLETE",
                t0 + timedelta(hours=3),
                "ml.train",
                f"train-{v}",
                [features],
                [artifact],
                job_facets=trainer,
            )
        )
        events.append(
            _run(
                "COMPLETE",
                t0 + timedelta(hours=4),
                "ml.validate",
                f"validate-{v}",
                [artifact],
                [],
                run_facets={"gov_validationResults": results},
            )
        )
    return events


def variants() -> list[str]:
    """22 generated policies (every kind) that, with the default pack, make 30."""
    head = (
        "id: bench.{id}\nversion: 1.0.0\ntitle: generated {id}\nowner: bench\nrationale: bench\n"
        "remediation: none\ncontrols: [eu-ai-act:Art. 9]\nmode: {mode}\nseverity: low\n"
    )
    rules = [
        (
            "bias_threshold",
            "metric: fairlearn.demographic_parity_ratio\n  sensitive: [sex]\n  bound: {{min: 0.{n}}}\n"
            "  applies_to: point\n  min_group_size: 30",
        ),
        ("bias_threshold", "metric: group.tpr\n  sensitive: [sex]\n  bound: {{min: 0.{n}}}\n  applies_to: point"),
        ("approval", "required: [{{role: reviewer-{n}, count: 1}}]"),
        ("data_retention", "max_age: {{PII: P{n}0Y, internal: P{n}Y}}"),
        ("evidence_required", "stages: {{operational: {{checks: [{{name: latency_p95_ms, max: {n}00}}]}}}}"),
        ("lineage_requirement", "owners_required: closure\n  forbidden_namespaces: ['s3://scratch-{n}*']"),
        ("condition", "expression: size(datasets) > {n} && version.created_by != 'nobody'"),
    ]
    out = []
    for i in range(22):
        kind, body = rules[i % len(rules)]
        mode = "audit" if i % 3 == 0 else "enforce"
        out.append(head.format(id=f"{kind}-{i}", mode=mode) + f"kind: {kind}\nrule:\n  {body.format(n=i % 7 + 1)}\n")
    return out


def store_fairness(session: Any, version: str) -> None:
    """A real fairness evaluation (governance.evidence) over `sex`, two groups."""
    import numpy as np

    from governance.evidence.confusion import ConfusionTable
    from governance.evidence.counts import ColumnRoles
    from governance.evidence.evaluation import Settings
    from governance.evidence.fairness import DataInfo, store_evaluation
    from governance.registry.service import get_version

    registered, mv = get_version(session, "credit-risk", version)
    counts = np.array([[1200, 300, 300, 1300], [1250, 300, 300, 1250]])
    table = ConfusionTable(("sex",), (("female",), ("male",)), counts, "1", ("1",), ("0", "1"))
    store_evaluation(
        session,
        registered,
        mv,
        table,
        Settings(bootstrap=200, seed=1),
        DataInfo("sha256:" + "e" * 64, "file", "eval.csv", "csv"),
        ColumnRoles("label", "prediction", ("sex",), None),
        producer="bench",
        submitted_by="cli:bench",
    )


def build(root: Path, n_events: int) -> tuple[str, Path]:
    from bench.synth import run_events
    from governance.lineage.ingest import ingest_objects
    from governance.store.db import make_engine, session_scope
    from governance.store.migrate import upgrade
    from governance.timeutil import utcnow

    url = f"sqlite:///{root / 'gov.db'}"
    engine = make_engine(url)
    upgrade(engine)
    start = time.perf_counter()
    report = ingest_objects(engine, run_events(n_events), source="bench")
    report2 = ingest_objects(engine, platform_events(utcnow() - timedelta(days=5)), source="bench-platform")
    assert not report.rejected and not report2.rejected
    print(f"store: {report.accepted + report2.accepted:,} events ingested in {time.perf_counter() - start:.1f} s")
    from governance.approvals.records import approve
    from governance.registry.service import VersionSpec, register_model, register_version

    with session_scope(engine) as session:
        register_model(
            session, "credit-risk", owner="team:credit", risk_tier="high", tags={"intended_use": "credit scoring"}
        )
        for v in ("3", "4"):
            register_version(
                session,
                "credit-risk",
                VersionSpec(
                    version=v,
                    artifact_uri=f"s3://lake/models/credit-risk/{v}",
                    artifact_digest="sha256:" + v * 64,
                    created_by="alice",
                    training_run_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-check/train-{v}")),
                ),
            )
            store_fairness(session, v)
        approve(session, "credit-risk", "3", "model-risk-officer", approver="mallory")
        approve(session, "credit-risk", "3", "business-owner", approver="bob")
        for i in range(1, 8):
            approve(session, "credit-risk", "3", f"reviewer-{i}", approver=f"reviewer{i}")
    stage_evidence(engine)
    engine.dispose()
    policies = root / "policies"
    shutil.copytree(REPO / "policies" / "default", policies, ignore=shutil.ignore_patterns("*_test.yaml"))
    for i, text in enumerate(variants()):
        (policies / f"bench-{i:02d}.yaml").write_text(text)
    return url, policies


def stage_evidence(engine: Any) -> None:
    """The validation-stage evidence the default pack's enforced stage policies need for credit-risk 3
    (performance against its champion, drift, A/B test, load test), computed from the demo's bundled data
    exactly as `gov demo` does, so that version 3 stays deployable and version 4 blocked."""
    from governance.demo.evidence import credit_risk_3_runs
    from governance.identity import cli_submitter
    from governance.lineage.evidence_runs import record_stage_traced

    for model, version, _what, compute, inputs in credit_risk_3_runs():
        record_stage_traced(engine, model, version, compute, inputs, submitted_by=cli_submitter())
