"""The explorer's API routes (search, node details, model version summary) and the /ui static files:
roles, bad input, security headers, and the committed bundle matching what web/build recorded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from governance.auth.roles import Role
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
    assert model["versions"] == ["3"]


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
    assert node["retention"]["deadline"] == "2029-11-19T06:00:00Z"
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
