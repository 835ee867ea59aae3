"""Shared fixtures: a fresh store per test on SQLite, and on PostgreSQL when GOV_TEST_POSTGRES_URL is set.

PostgreSQL isolation: the schema is migrated once into a template database, and every test gets
its own database cloned from it (CREATE DATABASE ... TEMPLATE), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from governance.store.db import make_engine, reset_engines
from governance.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("GOV_TEST_POSTGRES_URL")
PG_SKIP = "PostgreSQL not available: set GOV_TEST_POSTGRES_URL (CI's .ci/run starts one)"
# The tests' own data (OpenLineage spec and events, fairness benchmarks); origins and licences in
# tests/data/SOURCES.md. A test whose data is missing fails: nothing here skips on absent data.
DATA = Path(__file__).resolve().parent / "data"


def data_path(*parts: str) -> Path:
    """A file or folder under tests/data; raises (the test fails, never skips) when it is missing."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"test data missing: {path} (see tests/data/SOURCES.md)")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test has its own GOV_HOME and no inherited database URL or user."""
    monkeypatch.setenv("GOV_HOME", str(tmp_path / "govhome"))
    monkeypatch.delenv("GOV_DATABASE_URL", raising=False)
    monkeypatch.delenv("GOV_API_KEY", raising=False)
    yield
    reset_engines()


_TEMPLATE: dict[str, str] = {}


def _pg_admin() -> Engine:
    assert PG_URL is not None
    url = make_url(PG_URL).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _pg_template() -> str:
    if "name" not in _TEMPLATE:
        name = f"gov_tpl_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        upgrade(engine)
        engine.dispose()
        admin.dispose()
        _TEMPLATE["name"] = name
    return _TEMPLATE["name"]


def pg_database() -> Iterator[str]:
    """A fresh migrated PostgreSQL database URL; dropped afterwards."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    template = _pg_template()
    name = f"gov_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        reset_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "name" in _TEMPLATE and PG_URL:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE["name"]}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store URL on each back end."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gov.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    else:
        yield from pg_database()


@pytest.fixture
def engine(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Engine on a fresh store; GOV_DATABASE_URL points the CLI at the same store."""
    monkeypatch.setenv("GOV_DATABASE_URL", db_url)
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """SQLite only, for tests whose subject is not the back end."""
    url = f"sqlite:///{tmp_path / 'gov.db'}"
    monkeypatch.setenv("GOV_DATABASE_URL", url)
    eng = make_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()
