"""Every error path answers the one JSON shape (datasette's test_error_shape, for this API), and the
OpenAPI description says so."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Depends
from sqlalchemy.engine import Engine

from governance.api.security import Requires
from governance.auth.roles import Permission, Role
from tests.helpers import EXAMPLES, snapshot
from tests.service_helpers import assert_error_shape, bearer, register_version

pytest_plugins = ["tests.conftest_service"]


def _event() -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[0]))


def test_400_for_every_kind_of_bad_input(api: Any, tokens: dict[Role, str], engine: Engine) -> None:
    admin, ingest = bearer(tokens[Role.ADMIN]), bearer(tokens[Role.INGEST])
    before = snapshot(engine)
    cases = [
        api.post("/api/v1/lineage", content=b"{not json", headers=ingest),
        api.post("/api/v1/lineage", content=b"\xff\xfe", headers=ingest),
        api.post("/api/v1/lineage", json={**_event(), "eventTime": "2026-13-45"}, headers=ingest),
        api.post("/api/v1/lineage", content=b"x", headers={**ingest, "Content-Encoding": "br"}),
        api.post("/api/v1/lineage", content=b"not gzip", headers={**ingest, "Content-Encoding": "gzip"}),
        api.post(
            "/api/v1/lineage", content=gzip.compress(b"{}")[:-8] + b"", headers={**ingest, "Content-Encoding": "gzip"}
        ),
        api.post("/api/v1/lineage/batch", json={"not": "an array"}, headers=ingest),
        api.get("/api/v1/lineage/upstream", params={"nodeId": "table:x"}, headers=admin),
        api.get("/api/v1/lineage/upstream", params={"nodeId": "dataset:a:b", "depth": "-1"}, headers=admin),
        api.get("/api/v1/lineage/upstream", params={"nodeId": "dataset:a:b", "depth": "many"}, headers=admin),
        api.get("/api/v1/lineage/upstream", params={"nodeId": "dataset:a:b", "asOf": "last tuesday"}, headers=admin),
        api.get("/api/v1/lineage/upstream", headers=admin),
        api.get(
            "/api/v1/column-lineage",
            params={"dataset": "dataset:a:b", "field": "f", "direction": "sideways"},
            headers=admin,
        ),
        api.post("/api/v1/models", content=b"{bad", headers={**admin, "Content-Type": "application/json"}),
        api.post("/api/v1/models", json={"name": "m"}, headers=admin),
        api.post("/api/v1/models", json={"name": "m", "owner": "o", "risk_tier": "apocalyptic"}, headers=admin),
        api.post("/api/v1/models", json=[1, 2], headers=admin),
        api.get("/api/v1/ledger", params={"since": "the dawn of time"}, headers=admin),
        api.get("/api/v1/decisions/short", headers=admin),
        api.get("/api/v1/reports/a b.pdf", headers=admin),
        api.post("/api/v1/waivers/0/revoke", headers=admin),
    ]
    for response in cases:
        assert_error_shape(response, 400)
    assert snapshot(engine) == before
    located = assert_error_shape(cases[2], 400)
    assert located["where"] == "$.eventTime"


def test_401_403_404_405_409(api: Any, tokens: dict[Role, str]) -> None:
    admin = bearer(tokens[Role.ADMIN])
    assert_error_shape(api.get("/api/v1/models"), 401)
    assert_error_shape(api.get("/api/v1/models", headers=bearer(tokens[Role.INGEST])), 403)
    for url in (
        "/api/v1/nowhere",
        "/api/v1/models/unknown",
        "/api/v1/models/unknown/versions/1",
        "/api/v1/decisions/00000000-0000-0000-0000-000000000000",
        "/api/v1/lineage/sideways?nodeId=x",
        "/api/v1/lineage/upstream?nodeId=dataset:no:such",
        "/api/v1/reports/none.pdf",
    ):
        assert_error_shape(api.get(url, headers=admin), 404)
    assert_error_shape(api.get("/nowhere"), 404)
    assert_error_shape(api.post("/api/v1/waivers/7/revoke", headers=admin), 404)
    response = api.delete("/api/v1/models", headers=admin)
    assert_error_shape(response, 405)
    assert "GET" in response.headers["allow"]
    assert_error_shape(api.put("/api/v1/lineage", json={}, headers=admin), 405)
    register_version(api, tokens[Role.ADMIN])
    conflict = api.post(
        "/api/v1/models/credit/versions",
        headers=admin,
        json={"version": "1", "artifact_uri": "s3://x", "artifact_digest": "sha256:" + "00" * 32},
    )
    assert "immutable" in assert_error_shape(conflict, 409)["hint"]


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_413_for_declared_streamed_and_inflated_bodies(api: Any, tokens: dict[Role, str], engine: Engine) -> None:
    admin, ingest = bearer(tokens[Role.ADMIN]), bearer(tokens[Role.INGEST])
    before = snapshot(engine)
    big = {"name": "m", "owner": "o", "description": "x" * (2 * 1024 * 1024)}
    assert_error_shape(api.post("/api/v1/models", json=big, headers=admin), 413)
    streamed = api.post(
        "/api/v1/models", content=_chunks(3 * 1024 * 1024), headers={**admin, "Content-Type": "application/json"}
    )
    assert_error_shape(streamed, 413)
    streamed_event = api.post("/api/v1/lineage", content=_chunks(9 * 1024 * 1024), headers=ingest)
    assert_error_shape(streamed_event, 413)
    bomb = gzip.compress(json.dumps({**_event(), "pad": "0" * (9 * 1024 * 1024)}).encode())
    assert len(bomb) < 1024 * 1024
    assert_error_shape(api.post("/api/v1/lineage", content=bomb, headers={**ingest, "Content-Encoding": "gzip"}), 413)
    one_big_event = json.dumps([_event(), {**_event(), "pad": "0" * (8 * 1024 * 1024 + 1)}]).encode()
    assert_error_shape(api.post("/api/v1/lineage/batch", content=one_big_event, headers=ingest), 413)
    too_big_batch = {"Content-Length": str(17 * 1024 * 1024)}
    assert_error_shape(api.post("/api/v1/lineage/batch", content=b"[]", headers={**ingest, **too_big_batch}), 413)
    assert snapshot(engine) == before


def test_415_for_bodies_that_are_not_json(api: Any, tokens: dict[Role, str]) -> None:
    admin = bearer(tokens[Role.ADMIN])
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ):
        response = api.post(
            "/api/v1/models", content=b'{"name": "m", "owner": "o"}', headers={**admin, "Content-Type": content_type}
        )
        assert_error_shape(response, 415)
    ok = api.post(
        "/api/v1/models",
        content=b'{"name": "m", "owner": "o"}',
        headers={**admin, "Content-Type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 201


def test_500_answers_the_shape_and_no_internals(api: Any, tokens: dict[Role, str]) -> None:
    @api.app.get("/api/v1/boom", dependencies=[Depends(Requires(Permission.SELF_READ))])
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    response = api.get("/api/v1/boom", headers=bearer(tokens[Role.AUDITOR]))
    error = assert_error_shape(response, 500)
    assert error["code"] == "internal_error" and "secret" not in response.text


def test_500_for_a_server_misconfiguration(engine: Engine, tokens: dict[Role, str], tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    app = create_app(engine, Settings(policy_dir=tmp_path / "no-such-policies"))
    with TestClient(app, raise_server_exceptions=False) as client:
        register_version(client, tokens[Role.ADMIN])
        response = client.post(
            "/api/v1/checks",
            json={"model": "credit", "version": "1", "target": "production"},
            headers=bearer(tokens[Role.CHECKER]),
        )
        assert assert_error_shape(response, 500)["code"] == "configuration_error"


def test_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from governance.api.app import create_app
    from governance.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/missing/dir/gov.db")
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        assert_error_shape(client.get("/health"), 503)
        assert_error_shape(client.get("/api/v1/whoami", headers=bearer("gov_" + "a" * 43)), 500)


def test_openapi_describes_errors_and_security_truthfully(api: Any) -> None:
    schema = api.get("/openapi.json").json()
    assert "422" not in json.dumps(schema["paths"]) and "HTTPValidationError" not in json.dumps(schema)
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    api_ops = [(p, m, op) for p, m, op in operations if p.startswith("/api/")]
    assert len(api_ops) >= 25
    for path, method, op in api_ops:
        assert op.get("security") == [{"HTTPBearer": []}], (path, method)
        for status in ("400", "401", "403", "404", "500"):
            ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody"), (path, method, status)
