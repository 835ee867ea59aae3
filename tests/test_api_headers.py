"""Security headers on every response of the service (governance/api/headers.py): nosniff everywhere,
no-store on every /api/ answer, on success and error paths, with and without a token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends

from governance.api.security import Requires
from governance.auth.roles import Permission, Role
from tests.helpers import EXAMPLES
from tests.service_helpers import bearer

pytest_plugins = ["tests.conftest_service"]

_MODEL = {"name": "m", "owner": "team:m", "risk_tier": "low"}
_EVENT = json.loads((EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[0])

# (method, path, role or None for no token, request keyword arguments, expected status)
CASES: list[tuple[str, str, Role | None, dict[str, Any], int]] = [
    ("GET", "/health", None, {}, 200),
    ("GET", "/openapi.json", None, {}, 200),
    ("GET", "/nowhere", None, {}, 404),
    ("GET", "/ui/", None, {}, 200),
    ("GET", "/ui/nope.js", None, {}, 404),
    ("GET", "/api/v1/whoami", Role.AUDITOR, {}, 200),
    ("GET", "/api/v1/models", Role.ADMIN, {}, 200),
    ("POST", "/api/v1/models", Role.ADMIN, {"json": _MODEL}, 201),
    ("POST", "/api/v1/lineage", Role.INGEST, {"json": _EVENT}, 201),
    ("GET", "/api/v1/reports", Role.AUDITOR, {}, 200),
    ("GET", "/api/v1/reports/report.pdf", Role.AUDITOR, {}, 200),
    ("GET", "/api/v1/models", None, {}, 401),
    ("GET", "/api/v1/models", Role.INGEST, {}, 403),
    ("GET", "/api/v1/models/unknown", Role.ADMIN, {}, 404),
    ("GET", "/api/v1/reports/a b.pdf", Role.ADMIN, {}, 400),
    ("POST", "/api/v1/models", Role.ADMIN, {"content": b"{bad", "headers": {"Content-Type": "application/json"}}, 400),
    ("POST", "/api/v1/lineage", Role.INGEST, {"content": b"{bad"}, 400),
    ("POST", "/api/v1/models", Role.ADMIN, {"json": {**_MODEL, "description": "x" * (2 * 1024 * 1024)}}, 413),
    ("POST", "/api/v1/models", Role.ADMIN, {"content": b"{}", "headers": {"Content-Type": "text/plain"}}, 415),
    ("GET", "/api/v1/boom", Role.AUDITOR, {}, 500),
]


@pytest.mark.parametrize(
    ("method", "path", "role", "kwargs", "status"),
    CASES,
    ids=[f"{m} {p} {r.value if r else 'anonymous'} {s}" for m, p, r, _, s in CASES],
)
def test_security_headers_on_every_response(
    api: Any,
    tokens: dict[Role, str],
    reports_dir: Path,
    method: str,
    path: str,
    role: Role | None,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    (reports_dir / "report.pdf").write_bytes(b"%PDF-1.7\n")

    @api.app.get("/api/v1/boom", dependencies=[Depends(Requires(Permission.SELF_READ))])
    def boom() -> None:
        raise RuntimeError("boom")

    kwargs = dict(kwargs)
    headers = {**kwargs.pop("headers", {}), **(bearer(tokens[role]) if role else {})}
    response = api.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    if path.startswith("/api/"):
        assert response.headers.get_list("cache-control") == ["no-store"]
    elif path.startswith("/ui/"):
        assert response.headers.get_list("cache-control") == ["no-cache"]  # the explorer's own, kept
    else:
        assert "no-store" not in response.headers.get("cache-control", "")
