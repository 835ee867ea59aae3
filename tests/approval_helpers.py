"""Shared by the approval and waiver rule tests: the refusal text, an API client on the seeded store, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.store.db import session_scope
from tests.conftest_policy import DEFAULT_POLICIES

REFUSAL = (
    "credit-risk 3: alice created the version, so may not approve it or waive its policies "
    "(separation of duties: another person must do it)"
)


@pytest.fixture
def api_on_seeded(seeded: Engine) -> Iterator[Any]:  # noqa: F811
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    app = create_app(seeded, Settings(policy_dir=DEFAULT_POLICIES))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _token(engine: Engine, name: str, role: str = "approver") -> dict[str, str]:
    from governance.auth.tokens import create_token

    with session_scope(engine) as session:
        return {"Authorization": f"Bearer {create_token(session, name=name, role=role, created_by='tests')[1]}"}


def _approvals(engine: Engine) -> list[str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return list(conn.execute(text("SELECT approver FROM policy_approval ORDER BY id")).scalars())


WAIVE = [
    "waive",
    "--reason",
    "incident 12",
    "--ticket",
    "CHG-1",
    "--expires",
    "P7D",
    "--model",
    "credit-risk",
    "--version",
    "3",
]
