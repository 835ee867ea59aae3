"""The explorer's API routes (search, node details, model version summary) and the /ui static files:
roles, bad input, security headers, and the committed bundle matching what web/build recorded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.auth.roles import Role
from governance.timeutil import iso
from tests.helpers import demo_first_seen
from tests.service_helpers import bearer, make_token

STATIC = Path(__file__).parent.parent / "governance" / "web" / "static"
APPLICATIONS = "dataset:postgres://warehouse.bank.internal:5432:bank.applications"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[Role, str]]]:
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app
    from governance.demo import run_demo
    from governance.store.db import make_engine

    out = tmp_path_factory.mktemp("explorer-api")
    result = run_demo(out, echo=lambda _line: None)
    engine = make_engine(result.database_url)
    tokens = {role: make_token(engine, role, f"{role.value}-user") for role in Role}
    app = create_app(engine, Settings(reports_dir=out))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens
    engine.dispose()


def test_search_finds_datasets_jobs_and_models_by_name_or_namespace(demo: Any) -> None:
    client, tokens = demo
    hits = client.get("/api/v1/search", params={"q": "credit"}, headers=bearer(tokens[Role.AUDITOR])).json()["results"]
    kinds = {(h["kind"], h["id"]) for h in hits}
    assert ("model", "model:credit-risk") in kinds
    assert ("job", "job:credit-platform:ml.train_credit_risk") in kinds
    assert ("dataset", "dataset:s3://bank-ml-lake:features/credit_features") in kinds
    assert hits[0]["name"] == "credit-risk"  # a name starting with the query comes first
    by_ns = client.get(
        "/api/v1/search", params={"q": "warehouse.bank", "kind": "dataset"}, headers=bearer(tokens[Role.AUDITOR])
    )
    assert {h["name"] for h in by_ns.json()["results"]} >= {"bank.applications", "bank.repayments"}
    # LIKE wildcards are literal
    none = client.get("/api/v1/search", params={"q": "%"}, headers=bearer(tokens[Role.AUDITOR])).json()["results"]
    assert none == []
    model = next(h for h in hits if h["kind"] == "model")
    assert "3" in model["versions"]


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 300}, "q"),
        ({"q": "a", "kind": "table"}, "kind"),
        ({"q": "a", "limit": 0}, "limit"),
    ],
)
def test_search_bad_input_is_one_clear_400(demo: Any, params: dict[str, Any], where: str) -> None:
    client, tokens = demo
    response = client.get("/api/v1/search", params=params, headers=bearer(tokens[Role.AUDITOR]))
    assert response.status_code == 400, response.text
    assert where in (response.json()["error"].get("where") or "") + response.json()["error"]["message"]


def test_dataset_node_has_schema_tags_owners_retention(demo: Any) -> None:
    client, tokens = demo
    response = client.get(f"/api/v1/nodes/dataset/{APPLICATIONS}", headers=bearer(tokens[Role.AUDITOR]))
    assert response.status_code == 200, response.text
    node = response.json()
    assert node["owners"] == [{"name": "team:credit-data", "type": "MAINTAINER"}]
    fields = {f["name"]: f for f in node["schema"]}
    assert [t["value"] for t in fields["full_name"]["tags"]] == ["PII"]
    assert node["retention"]["state"] == "within"
    assert node["retention"]["policy"] == "data.retention"
    # first seen + the PII rule's 1,095 days (the demo's dates move with the day it runs)
    first = demo_first_seen("postgres://warehouse.bank.internal:5432", "bank.applications")
    assert node["first_seen"] == iso(first) and node["retention"]["max_age_days"] == 1095
    assert node["retention"]["deadline"] == iso(first + timedelta(days=1095))
    assert any(r["direction"] == "in" for r in node["runs"])
    assert node["facet_history"] and node["warnings"] == []
    # as of before it existed: no facets known then
    early = client.get(
        f"/api/v1/nodes/dataset/{APPLICATIONS}",
        params={"asOf": "2026-01-01T00:00:00Z"},
        headers=bearer(tokens[Role.AUDITOR]),
    ).json()
    assert early["facets"] == {} and early["owners"] == []


def test_job_node_has_runs_with_state(demo: Any) -> None:
    client, tokens = demo
    job = client.get(
        "/api/v1/nodes/job/job:credit-platform:ml.train_credit_risk", headers=bearer(tokens[Role.AUDITOR])
    ).json()
    assert job["runs"][0]["state"] == "COMPLETE" and job["runs"][0]["error"] is None


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/nodes/dataset/job:credit-platform:ml.train_credit_risk", 400),
        ("/api/v1/nodes/table/dataset:x", 400),
        ("/api/v1/nodes/dataset/dataset:nope:nothing", 404),
        ("/api/v1/nodes/job/job:nope:nothing", 404),
        ("/api/v1/models/nope/versions/1/summary", 404),
        ("/api/v1/models/credit-risk/versions/99/summary", 404),
    ],
)
def test_node_and_summary_errors(demo: Any, path: str, status: int) -> None:
    client, tokens = demo
    response = client.get(path, headers=bearer(tokens[Role.AUDITOR]))
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


def test_model_summary_has_closure_evidence_approvals_decisions_ledger(demo: Any) -> None:
    client, tokens = demo
    response = client.get("/api/v1/models/fraud-detector/versions/7/summary", headers=bearer(tokens[Role.AUDITOR]))
    assert response.status_code == 200, response.text
    s = response.json()
    assert s["lineage"]["status"] == "known"
    assert s["lineage"]["inputs"] == ["dataset:postgres://warehouse.bank.internal:5432:bank.card_transactions"]
    metric = s["fairness"][0]["results"]["metrics"]["fairlearn.demographic_parity_difference"]
    assert isinstance(metric["value"], float) and len(metric["ci"]) == 2
    assert {a["approver"] for a in s["approvals"]} == {"erin"}  # bob's was refused (he created it)
    assert len(s["decisions"]) == 1 and not s["decisions"][0]["deployable"]
    assert any(v["verdict"] == "fail" for v in s["decisions"][0]["verdicts"])
    assert "context" not in s["decisions"][0]
    assert s["ledger"][0]["decision_id"] == s["decisions"][0]["id"]
    # registry routes under /models/{model:path} still answer
    assert (
        client.get("/api/v1/models/fraud-detector/versions/7", headers=bearer(tokens[Role.AUDITOR])).status_code == 200
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?q=credit",
        f"/api/v1/nodes/dataset/{APPLICATIONS}",
        "/api/v1/models/credit-risk/versions/3/summary",
    ],
)
def test_explorer_routes_need_a_reader_token(demo: Any, path: str) -> None:
    client, tokens = demo
    assert client.get(path).status_code == 401
    assert client.get(path, headers=bearer("gov_wrong")).status_code == 401
    assert client.get(path, headers=bearer(tokens[Role.INGEST])).status_code == 403
    for role in (Role.AUDITOR, Role.APPROVER, Role.ADMIN):
        assert client.get(path, headers=bearer(tokens[role])).status_code == 200, role


def test_ui_is_served_with_a_strict_csp_and_no_inline_script(demo: Any) -> None:
    client, _ = demo
    page = client.get("/ui/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    assert '<script src="explorer.js" defer></script>' in html
    assert html.count("<script") == 1 and " on" not in html.replace(" one", "").split("<body>")[1].split("=")[0]
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
    js = client.get("/ui/explorer.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in (Path(__file__).parent.parent / "web" / "src" / "main.js").read_text()
    assert client.get("/ui/explorer.css").headers["content-security-policy"] == csp
    assert client.get("/ui/nope.js").status_code == 404
    assert client.get("/ui/../governance/__init__.py").status_code == 404
    assert client.post("/ui/").status_code == 405


def test_committed_bundle_matches_what_the_build_recorded() -> None:
    """governance/web/static/ is what `npm ci && npm run build` in web/ wrote (BUILD.sha256)."""
    recorded = (STATIC / "BUILD.sha256").read_text().split("\n")
    sums = dict(reversed(line.split("  ", 1)) for line in recorded if line.strip())
    assert set(sums) == {"index.html", "explorer.js", "explorer.css", "LICENSES.txt"}
    for name, digest in sums.items():
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, f"{name} differs from the build"
    assert (STATIC / "index.html").read_bytes() == (
        STATIC.parent.parent.parent / "web" / "src" / "index.html"
    ).read_bytes()
    licences = (STATIC / "LICENSES.txt").read_text()
    for package in ("cytoscape ", "cytoscape-dagre ", "dagre "):
        assert package in licences
    assert (STATIC.parent.parent.parent / "web" / "package-lock.json").is_file()


def test_model_summary_has_stage_evidence_and_findings(demo: Any) -> None:
    """The other validation stages' evidence (values with intervals, submitter, time) and the version's
    findings (id, severity, status) are in the public summary the node panel reads."""
    from sqlmodel import Session

    from governance.evidence.stage import Measurement, StageResult
    from governance.evidence.stage_store import store_stage_result

    client, tokens = demo
    before = client.get("/api/v1/models/credit-risk/versions/3/summary", headers=bearer(tokens[Role.AUDITOR])).json()
    assert all(st["version"] == "3" for st in before["stage_evidence"])  # this version's only
    result = StageResult(
        kind="performance",
        measurements=(Measurement("auc", 0.81, low=0.78, high=0.84, n=2000, higher_is_better=True),),
        summary={},
        row_count=2000,
        data_digest="sha256:" + "0" * 64,
        digest_scope="file",
        data_source="holdout.csv",
        source="computed",
        tool_version="test",
        confidence=0.95,
    )
    with Session(client.app.state.engine) as session:
        store_stage_result(session, "credit-risk", "3", result, submitted_by="dana")
        session.commit()
    s = client.get("/api/v1/models/credit-risk/versions/3/summary", headers=bearer(tokens[Role.AUDITOR])).json()
    assert len(s["stage_evidence"]) == len(before["stage_evidence"]) + 1
    [stage] = [st for st in s["stage_evidence"] if st["submitted_by"] == "dana"]
    assert (stage["kind"], stage["stage"], stage["submitted_by"], stage["version"]) == (
        "performance",
        "performance",
        "dana",
        "3",
    )
    assert stage["measurements"][0]["name"] == "auc" and stage["measurements"][0]["low"] == 0.78
    assert stage["evaluated_at"].endswith("Z")
    # the blocked fraud-detector 7 has findings from its failing check; credit-risk 3's are its own
    blocked = client.get("/api/v1/models/fraud-detector/versions/7/summary", headers=bearer(tokens[Role.AUDITOR]))
    findings = blocked.json()["findings"]
    assert findings and all(f["id"].startswith("F-") and f["severity"] and f["status"] for f in findings)
    assert all(f["model"] == "fraud-detector" and f["version"] == "7" for f in findings)
    assert all(f["model"] == "credit-risk" for f in s["findings"])


def test_dataset_node_lists_column_lineage(demo: Any) -> None:
    client, tokens = demo
    src, out = "dataset:colns:raw_people", "dataset:colns:people_features"
    none = client.get(f"/api/v1/nodes/dataset/{APPLICATIONS}", headers=bearer(tokens[Role.AUDITOR])).json()
    assert none["columns"] == []
    field = {"namespace": "colns", "name": "raw_people"}
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-23T10:00:00Z",
        "run": {"runId": "0193c2a1-0000-7000-8000-00000000c01a"},
        "job": {"namespace": "colns", "name": "build_people_features"},
        "producer": "https://example.com/explorer-test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "inputs": [field],
        "outputs": [
            {
                "namespace": "colns",
                "name": "people_features",
                "facets": {
                    "columnLineage": {
                        "_producer": "https://example.com/explorer-test",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                        "fields": {
                            "age_band": {
                                "inputFields": [{**field, "field": "birth_date"}],
                                "transformationDescription": "bucketed age",
                            },
                            "income_log": {
                                "inputFields": [{**field, "field": "income"}, {**field, "field": "currency"}]
                            },
                        },
                    }
                },
            }
        ],
    }
    posted = client.post("/api/v1/lineage", json=event, headers=bearer(tokens[Role.INGEST]))
    assert posted.status_code == 201, posted.text
    node = client.get(f"/api/v1/nodes/dataset/{out}", headers=bearer(tokens[Role.AUDITOR])).json()
    assert node["columns"] == [
        {"field": "age_band", "inputs": [{"dataset": src, "field": "birth_date", "transformation": "bucketed age"}]},
        {
            "field": "income_log",
            "inputs": [
                {"dataset": src, "field": "currency", "transformation": None},
                {"dataset": src, "field": "income", "transformation": None},
            ],
        },
    ]
    early = client.get(
        f"/api/v1/nodes/dataset/{out}", params={"asOf": "2026-11-22T00:00:00Z"}, headers=bearer(tokens[Role.AUDITOR])
    ).json()
    assert early["columns"] == []  # as known then: not yet reported
