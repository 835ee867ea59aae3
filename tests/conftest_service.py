"""Fixtures for tests of the running service (a plugin: `pytest_plugins = ["tests.conftest_service"]`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from tests.service_helpers import APPROVAL_POLICY, ServeProcess, make_token


@pytest.fixture
def tokens(engine: Engine) -> dict[Role, str]:
    """One token per role on the test's store, named `<role>-user`."""
    return {role: make_token(engine, role, f"{role.value}-user") for role in Role}


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Factory: `serve(db_url, *args)` starts a `gov serve`; every one started is stopped afterwards."""
    started: list[ServeProcess] = []

    def start(db_url: str, *args: str, env: dict[str, str] | None = None) -> ServeProcess:
        proc = ServeProcess(db_url, tmp_path / "serve-home", *args, env=env).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    """A one-policy bundle: production needs one model-risk-officer approval (so a fresh version blocks)."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "approval.yaml").write_text(APPROVAL_POLICY)
    return folder


@pytest.fixture
def reports_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    return folder


@pytest.fixture
def api(engine: Engine, policy_dir: Path, reports_dir: Path) -> Iterator[Any]:
    """An in-process client of the app on the test's store (server errors answered, not raised)."""
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    app = create_app(engine, Settings(reports_dir=reports_dir, policy_dir=policy_dir))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
