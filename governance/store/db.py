"""Engine and sessions. SQLite file by default; PostgreSQL via GOV_DATABASE_URL."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from governance.errors import ConfigError

# Every module that declares tables. Import order does not matter; the list makes the
# metadata complete without registration side effects scattered over the code base.
TABLE_MODULES = [
    "governance.store.tables",
    "governance.gate.tables",
    "governance.approvals.tables",
    "governance.evidence.tables",
    "governance.evidence.stage_tables",
    "governance.ledger.tables",
    "governance.auth.tables",
    "governance.findings.tables",
    "governance.registry.card_tables",
]

DEFAULT_HOME = ".gov"


def load_tables() -> None:
    """Import every table module so SQLModel.metadata knows the whole schema."""
    for name in TABLE_MODULES:
        importlib.import_module(name)


def gov_home() -> Path:
    """Folder for the default SQLite store and keys (GOV_HOME, default ./.gov)."""
    return Path(os.environ.get("GOV_HOME", DEFAULT_HOME))


def database_url() -> str:
    """GOV_DATABASE_URL, or a SQLite file under GOV_HOME."""
    url = os.environ.get("GOV_DATABASE_URL")
    if url:
        return url
    home = gov_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'gov.db'}"


def _sqlite_engine(url: Any, busy_timeout_s: int) -> Engine:
    """A SQLite engine: WAL, foreign keys, and waiting up to `busy_timeout_s` for the write lock."""

    def pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_s * 1000}")
        cur.close()

    # More pooled connections than the server's worker threads (40): a thread that holds the write
    # lock must never wait for a connection another thread, itself waiting for that lock, holds.
    from sqlalchemy.engine import make_url

    in_memory = make_url(url).database in (None, "", ":memory:")  # a single-connection pool
    pool: dict[str, Any] = {} if in_memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_OVERFLOW}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}, **pool)
    event.listen(engine, "connect", pragmas)
    return engine


SQLITE_POOL_SIZE, SQLITE_POOL_OVERFLOW = 8, 56


_ENGINES: dict[str, Engine] = {}


def make_engine(url: str | None = None) -> Engine:
    """A new engine for `url` (or the configured one). Callers own it."""
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        if url.startswith("sqlite"):
            engine = _sqlite_engine(url, busy_timeout_s=30)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except Exception as exc:  # noqa: BLE001 - any driver/URL problem is a configuration error
        raise ConfigError(f"cannot use database URL: {exc}", hint="check GOV_DATABASE_URL") from exc
    return engine


def no_wait_engine(engine: Engine) -> Engine:
    """A second engine on the same SQLite file whose connections never wait for the write lock: a
    locked database fails at once ("database is locked") instead of after the busy timeout. For work
    done on an event loop, which must not block; the caller retries elsewhere when it fails."""
    return _sqlite_engine(engine.url, busy_timeout_s=0)


def side_engine(engine: Engine) -> Engine:
    """A second, small engine on the same store for the service's own quick reads (token lookups,
    /health), so they never queue for a pooled connection behind request transactions. On SQLite its
    connections never wait for a lock either (`no_wait_engine`): it may be used on the event loop."""
    if engine.dialect.name == "sqlite":
        return no_wait_engine(engine)
    return create_engine(engine.url, pool_pre_ping=True, pool_size=2, max_overflow=4, pool_timeout=10)


def get_engine(url: str | None = None) -> Engine:
    """Process-wide engine per URL (the API and CLI share it)."""
    key = url or database_url()
    if key not in _ENGINES:
        _ENGINES[key] = make_engine(key)
    return _ENGINES[key]


def reset_engines() -> None:
    """Dispose cached engines (tests switch databases)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def write_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One write transaction, like `session_scope`, that on SQLite takes the write lock up front
    (BEGIN IMMEDIATE, waiting up to the busy timeout): what it reads stays true until it commits, and
    it can never fail half-way with "database is locked" for having read before it wrote. The lock is
    held for the whole transaction: keep it short."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def ping(engine: Engine) -> None:
    """One round trip to the database (raises if it cannot be reached)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
