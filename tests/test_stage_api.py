"""Issue 14, the API and OpenLineage faces of validation-stage evidence: a pipeline posts a StageResult it
computed (`evidence:write`: evidence and admin tokens; an ingest token is refused), auditors read the list
and the history; hostile bodies are 400 naming the field, never 500. A `gov_stageEvidence` run facet is
validated on ingest and stored as stage evidence submitted by the sending token's identity."""

from __future__ import annotations

import gzip
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from governance.evidence.stage import Measurement, StageResult
from tests.service_helpers import assert_error_shape, bearer, register_version

pytest_plugins = ["tests.conftest_service"]
BASE = "/api/v1/models/credit/versions/1/evidence"


def _result(auc: float = 0.81, kind: str = "performance") -> dict[str, Any]:
    return StageResult(
        kind=kind,
        measurements=(
            Measurement("auc", auc, auc - 0.02, auc + 0.02, n=5000, higher_is_better=True, detail={"ties": "half"}),
            Measurement("brier", 0.12, 0.11, 0.13, n=5000, higher_is_better=False),
        ),
        summary={"rows": 5000, "positives": 900},
        row_count=5000,
        data_digest="sha256:" + "ab" * 32,
        digest_scope="file",
        data_source="s3://bucket/scores.parquet",
        source="computed",
        tool_version="pipeline 1.2",
        confidence=0.95,
        resamples=1000,
        seed=3,
    ).to_dict()


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM stage_evidence")).scalar_one())


def test_roles_submit_and_read(api: Any, tokens: dict[Role, str], engine: Engine) -> None:
    register_version(api, tokens[Role.ADMIN])
    refused = api.post(f"{BASE}/performance", json=_result(), headers=bearer(tokens[Role.INGEST]))
    assert_error_shape(refused, 403)
    for role in (Role.AUDITOR, Role.CHECKER, Role.APPROVER):
        assert api.post(f"{BASE}/performance", json=_result(), headers=bearer(tokens[role])).status_code == 403
    assert count(engine) == 0
    r = api.post(f"{BASE}/performance", json=_result(), headers=bearer(tokens[Role.EVIDENCE]))
    assert r.status_code == 201, r.text
    stored = r.json()
    assert stored["submitted_by"] == "token:evidence:evidence-user" and stored["producer"] == "gov-api"
    assert stored["stage"] == "performance" and stored["measurements"][0]["value"] == 0.81
    assert count(engine) == 1
    auditor = bearer(tokens[Role.AUDITOR])
    listed = api.get(BASE, headers=auditor)
    assert listed.status_code == 200 and [e["id"] for e in listed.json()] == [stored["id"]]
    assert api.get(BASE, params={"kind": "drift"}, headers=auditor).json() == []
    assert_error_shape(api.get(BASE, params={"kind": "speed"}, headers=auditor), 400)
    assert api.get(BASE, headers=bearer(tokens[Role.EVIDENCE])).status_code == 403  # writes, does not read
    assert_error_shape(api.get("/api/v1/models/credit/versions/9/evidence", headers=auditor), 404)


def test_history_across_versions(api: Any, tokens: dict[Role, str], engine: Engine) -> None:
    admin = tokens[Role.ADMIN]
    for version in ("1", "2", "3"):
        register_version(api, admin, version=version) if version == "1" else api.post(
            "/api/v1/models/credit/versions",
            headers=bearer(admin),
            json={"version": version, "artifact_uri": f"s3://m/{version}", "artifact_digest": "sha256:" + "cd" * 32},
        )
    for version, auc in (("1", 0.84), ("2", 0.82), ("3", 0.80)):
        r = api.post(
            f"/api/v1/models/credit/versions/{version}/evidence/performance",
            json=_result(auc),
            headers=bearer(tokens[Role.EVIDENCE]),
        )
        assert r.status_code == 201, r.text
    r = api.get(
        "/api/v1/models/credit/evidence/history", params={"metric": "auc"}, headers=bearer(tokens[Role.AUDITOR])
    )
    assert r.status_code == 200, r.text
    (series,) = r.json()
    assert [(p["version"], p["value"]) for p in series["points"]] == [("1", 0.84), ("2", 0.82), ("3", 0.80)]
    assert series["higher_is_better"] is True
    both = api.get("/api/v1/models/credit/evidence/history", headers=bearer(tokens[Role.AUDITOR])).json()
    assert {s["metric"] for s in both} == {"auc", "brier"}
    assert api.get("/api/v1/models/credit/evidence/history", headers=bearer(tokens[Role.INGEST])).status_code == 403


def _hostile() -> dict[str, tuple[Any, str]]:
    r = _result()
    nan_text = json.dumps(r).replace('"value": 0.81', '"value": NaN')
    huge = json.dumps(r).replace('"row_count": 5000', '"row_count": 1' + "0" * 30)
    return {
        "not json": (b"{nope", "body"),
        "nan": (nan_text.encode(), "value"),
        "huge integer": (huge.encode(), "row_count"),
        "array": (b"[1, 2]", "body"),
        "string value": ({**r, "measurements": [{"name": "auc", "value": "high"}]}, "measurements"),
        "no measurements": ({**r, "measurements": []}, "measurements"),
        "low above high": ({**r, "row_count": -1}, "row_count"),
        "bad digest": ({**r, "data_digest": "md5:1"}, "data_digest"),
        "other kind in body": ({**r, "kind": "drift"}, "body.kind"),
        "unknown field": ({**r, "extra": 1}, "body"),
        "bad window": ({**r, "window_start": "yesterday"}, "window_start"),
        "reversed window": (
            {**r, "window_start": "2026-02-01T00:00:00+00:00", "window_end": "2026-01-01T00:00:00+00:00"},
            "window_end",
        ),
        "deep": (b"[" * 5000 + b"]" * 5000, ""),
    }


@pytest.mark.parametrize("case", list(_hostile()))
def test_hostile_bodies_are_400_naming_the_field(api: Any, tokens: dict[Role, str], engine: Engine, case: str) -> None:
    register_version(api, tokens[Role.ADMIN])
    body, named = _hostile()[case]
    headers = {**bearer(tokens[Role.EVIDENCE]), "Content-Type": "application/json"}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    error = assert_error_shape(api.post(f"{BASE}/performance", content=content, headers=headers), 400)
    assert named in f"{error['where']} {error['message']}", error
    assert count(engine) == 0


def test_unknown_kind_oversized_and_unknown_version(api: Any, tokens: dict[Role, str], engine: Engine) -> None:
    register_version(api, tokens[Role.ADMIN])
    headers = bearer(tokens[Role.EVIDENCE])
    error = assert_error_shape(api.post(f"{BASE}/speed", json=_result(), headers=headers), 400)
    assert error["where"] == "path.kind"
    big = json.dumps({**_result(), "summary": {"pad": "x" * (5 << 20)}}).encode()
    assert_error_shape(api.post(f"{BASE}/performance", content=big, headers=headers), 413)
    bomb = gzip.compress(big)
    r = api.post(f"{BASE}/performance", content=bomb, headers={**headers, "Content-Encoding": "gzip"})
    assert_error_shape(r, 413)
    assert_error_shape(
        api.post("/api/v1/models/credit/versions/9/evidence/performance", json=_result(), headers=headers), 404
    )
    assert_error_shape(
        api.post("/api/v1/models/nope/versions/1/evidence/performance", json=_result(), headers=headers), 404
    )
    assert count(engine) == 0
    no_kind = {k: v for k, v in _result().items() if k not in ("kind", "stage")}
    assert api.post(f"{BASE}/performance", json=no_kind, headers=headers).status_code == 201


def _event(facet: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-03-01T10:00:00Z",
        "producer": "https://example.com/pipeline",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4()), "facets": {"gov_stageEvidence": facet}},
        "job": {"namespace": "ml", "name": "validate-credit"},
        "inputs": [],
        "outputs": [],
    }


def test_a_stage_evidence_facet_is_stored_with_the_senders_identity(
    api: Any, tokens: dict[Role, str], engine: Engine
) -> None:
    from governance.evidence.stage import StageResult as SR
    from governance.evidence.stage_facet import to_facet

    register_version(api, tokens[Role.ADMIN])
    facet = to_facet("credit", "1", SR.from_dict(_result(0.77)), "https://example.com/pipeline")
    event = _event(facet)
    r = api.post("/api/v1/lineage", json=event, headers=bearer(tokens[Role.EVIDENCE]))
    assert r.status_code in (200, 201), r.text
    r = api.post("/api/v1/lineage", json=event, headers=bearer(tokens[Role.EVIDENCE]))  # a duplicate: stored once
    assert r.status_code in (200, 201), r.text
    listed = api.get(BASE, headers=bearer(tokens[Role.AUDITOR])).json()
    assert len(listed) == 1
    assert listed[0]["submitted_by"] == "token:evidence:evidence-user" and listed[0]["run_id"] == event["run"]["runId"]
    assert listed[0]["measurements"][0]["value"] == 0.77
    # an ingest token's facet is kept, under its own identity (the gate does not trust it by default)
    r = api.post("/api/v1/lineage", json=_event(facet), headers=bearer(tokens[Role.INGEST]))
    assert r.status_code in (200, 201), r.text
    assert {e["submitted_by"] for e in api.get(BASE, headers=bearer(tokens[Role.AUDITOR])).json()} == {
        "token:evidence:evidence-user",
        "token:ingest:ingest-user",
    }
    # a bad facet rejects the event, naming the facet's path; nothing stored
    bad = _event({**facet, "evidence": {**facet["evidence"], "measurements": [{"name": "auc", "value": "x"}]}})
    error = assert_error_shape(api.post("/api/v1/lineage", json=bad, headers=bearer(tokens[Role.EVIDENCE])), 400)
    assert "gov_stageEvidence" in (error["where"] or "")
    unknown = _event({**facet, "model": {"name": "credit", "version": "9"}})
    r = api.post("/api/v1/lineage", json=unknown, headers=bearer(tokens[Role.EVIDENCE]))
    assert r.status_code >= 400 and r.status_code < 500, r.text
    assert count(engine) == 2
