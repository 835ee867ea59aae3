"""Authentication and roles: every route answers 401 without an active token and 403 to every role
that lacks its permission; the route table itself is checked, so a new route without a policy fails."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.api.security import api_routes, check_routes
from governance.auth.roles import ROLE_PERMISSIONS, Permission, Role, allows
from governance.errors import ConfigError
from tests.helpers import REPO, gov
from tests.service_helpers import assert_error_shape, bearer, make_token

pytest_plugins = ["tests.conftest_service"]

PATH_VALUES = {
    "direction": "upstream",
    "model": "credit",
    "version": "1",
    "decision_id": "0" * 36,
    "waiver_id": "1",
    "name": "audit.pdf",
    "kind": "dataset",  # explorer node details
    "node_id": "dataset:ns:name",
    "finding_id": "F-000001",
}


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


def _requests(app: FastAPI) -> list[tuple[str, str, Permission]]:
    out = []
    for path, methods, permission in api_routes(app):
        if path.startswith("/api/"):
            assert permission is not None, path
            out += [(method, _url(path), permission) for method in sorted(methods)]
    return out


def _call(client: Any, method: str, url: str, headers: dict[str, str]) -> Any:
    if method in ("POST", "PUT", "PATCH"):
        return client.request(method, url, headers=headers, json={})
    return client.request(method, url, headers=headers)


def test_every_api_route_requires_exactly_one_permission(api: Any) -> None:
    routes = api_routes(api.app)
    assert len([r for r in routes if r[0].startswith("/api/")]) >= 25
    assert all(permission is not None for path, _, permission in routes if path.startswith("/api/"))
    assert {path for path, _, _ in routes if not path.startswith("/api/")} == {"/health"}


def test_a_route_without_a_permission_is_refused_at_startup(api: Any) -> None:
    app: FastAPI = api.app

    @app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {"oops": "open to anyone with any token"}

    with pytest.raises(RuntimeError, match="forgotten.*declares no permission"):
        check_routes(app)


def test_every_route_answers_401_without_an_active_token(api: Any, engine: Engine) -> None:
    from governance.auth.tokens import revoke_token
    from governance.store.db import session_scope

    revoked = make_token(engine, Role.ADMIN, "gone")
    with session_scope(engine) as session:
        revoke_token(session, _token_id(engine, "gone"), by="tests")
    wrong = [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer gov_" + "A" * 43,
        "Bearer not-a-token",
        f"Bearer {revoked}",
        f"Token {revoked}",
    ]
    requests = _requests(api.app)
    for method, url, _ in requests:
        for header in wrong:
            response = _call(api, method, url, {"Authorization": header} if header else {})
            assert_error_shape(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"
    assert len(requests) >= 25


def test_every_route_answers_403_to_each_role_without_its_permission(api: Any, tokens: dict[Role, str]) -> None:
    seen: set[tuple[Role, bool]] = set()
    for method, url, permission in _requests(api.app):
        for role, token in tokens.items():
            response = _call(api, method, url, bearer(token))
            if allows(role, permission):
                assert response.status_code not in (401, 403), (method, url, role, response.text)
                assert response.status_code < 500, (method, url, role, response.text)
            else:
                error = assert_error_shape(response, 403)
                assert permission.value in error["message"]
            seen.add((role, allows(role, permission)))
    # Each role met routes it may and may not use (admin: only the former).
    assert seen == {(r, True) for r in Role} | {(r, False) for r in Role if r is not Role.ADMIN}


def test_role_matrix() -> None:
    reads = {p for p in Permission if p.value.endswith(":read")}
    assert ROLE_PERMISSIONS[Role.ADMIN] == set(Permission)
    assert ROLE_PERMISSIONS[Role.AUDITOR] == reads
    assert ROLE_PERMISSIONS[Role.INGEST] == {Permission.LINEAGE_WRITE, Permission.SELF_READ}
    # ingest's routes and submitting stage evidence (an ingest token may not); and trust
    assert ROLE_PERMISSIONS[Role.EVIDENCE] == ROLE_PERMISSIONS[Role.INGEST] | {Permission.EVIDENCE_WRITE}
    assert ROLE_PERMISSIONS[Role.APPROVER] == reads | {
        Permission.APPROVAL_WRITE,
        Permission.WAIVER_WRITE,
        Permission.FINDING_WRITE,
    }
    assert Permission.CHECK_RUN in ROLE_PERMISSIONS[Role.CHECKER]
    assert not any(p.value.endswith(":write") for p in ROLE_PERMISSIONS[Role.CHECKER])
    assert not allows("root", Permission.SELF_READ)


def _markdown_table(text_: str, heading: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the first table after `heading`."""
    section = text_.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip().strip("`") for c in line.strip("|").split("|")] for line in lines]
    return cells[0], cells[2:]


def test_docs_state_the_same_matrix_and_routes(api: Any) -> None:
    doc = (REPO / "docs" / "api.md").read_text()
    header, matrix = _markdown_table(doc, "## Roles")
    roles = [Role(c) for c in header[1:]]
    documented = {
        Permission(row[0]): {r for r, cell in zip(roles, row[1:], strict=True) if cell == "yes"} for row in matrix
    }
    assert documented == {p: {r for r in Role if p in ROLE_PERMISSIONS[r]} for p in Permission}
    _, rows = _markdown_table(doc, "## Routes")
    served = {
        (f"{method} {path}", permission)
        for path, methods, permission in api_routes(api.app)
        if path.startswith("/api/") and permission is not None
        for method in methods
    }
    assert {(row[0], Permission(row[1])) for row in rows} == served


def test_token_cli_shows_the_secret_once_and_stores_only_its_hash(sqlite_engine: Engine) -> None:
    created = gov("token", "create", "--role", "auditor", "--name", "alice@example.com")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert re.fullmatch(r"gov_[A-Za-z0-9_-]{43}", secret) and "shown only this once" in created.stderr
    with sqlite_engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_token")).mappings().one()
    assert secret not in str(dict(row)) and row["secret_sha256"] != secret and len(row["secret_sha256"]) == 64
    listed = gov("token", "list")
    assert "alice@example.com" in listed.stdout and "auditor" in listed.stdout and secret not in listed.output
    as_json = gov("token", "create", "--role", "ingest", "--name", "airflow", "--format", "json")
    assert '"token": "gov_' in as_json.stdout
    assert gov("token", "create", "--role", "root", "--name", "x").exit_code == 2
    assert gov("token", "create", "--role", "admin", "--name", "has space").exit_code == 2
    assert gov("token", "revoke", "1").exit_code == 0
    again = gov("token", "revoke", "1")
    assert again.exit_code == 0 and "already revoked" in again.stdout
    assert gov("token", "revoke", "99").exit_code == 2
    active = gov("token", "list", "--active", "--format", "json")
    assert '"airflow"' in active.stdout and "alice" not in active.stdout


def test_revocation_and_last_use_are_seen_at_once(api: Any, engine: Engine) -> None:
    secret = make_token(engine, Role.AUDITOR, "carol")
    assert api.get("/api/v1/whoami", headers=bearer(secret)).json()["name"] == "carol"
    with engine.connect() as conn:
        used = conn.execute(text("SELECT last_used_at FROM api_token WHERE name = 'carol'")).scalar()
    assert used is not None
    assert gov("token", "revoke", str(_token_id(engine, "carol"))).exit_code == 0
    assert_error_shape(api.get("/api/v1/whoami", headers=bearer(secret)), 401)


def _token_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM api_token WHERE name = :n"), {"n": name}).scalar_one())


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com", "10.0.0.1"])
def test_no_auth_refuses_to_bind_beyond_loopback(host: str, sqlite_engine: Engine) -> None:
    result = gov("serve", "--no-auth", "--host", host)
    assert result.exit_code == 2 and "loopback" in result.stderr and "Traceback" not in result.output


def test_loopback_addresses() -> None:
    from governance.api.security import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "localhost.evil.com", "", "127.0.0.1.nip.io"))


def test_no_auth_acts_as_the_local_user(engine: Engine, monkeypatch: pytest.MonkeyPatch, policy_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    monkeypatch.setenv("GOV_USER", "local-experimenter")
    app = create_app(engine, Settings(auth=False, policy_dir=policy_dir))
    with TestClient(app, base_url="http://localhost") as client:
        me = client.get("/api/v1/whoami").json()
        assert (me["name"], me["role"], me["token_id"]) == ("local-experimenter", "admin", None)
        assert client.get("/health").json()["auth"] is False
    with pytest.raises(ConfigError, match="loopback"):  # the app refuses too, however it is started
        create_app(engine, Settings(auth=False, host="0.0.0.0"))
