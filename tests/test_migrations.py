"""The Alembic migrations build exactly the schema the models declare, on both back ends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from governance.store.db import load_tables
from governance.store.migrate import current_heads, known_heads


def test_models_match_migrations(engine: Engine) -> None:
    load_tables()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # Database-side objects that models cannot express (ledger triggers) are not table diffs.
    tables = [
        d for d in diff if not (isinstance(d, tuple) and d[0] in ("remove_table",) and d[1].name == "alembic_version")
    ]
    assert tables == [], tables


def test_upgrade_reaches_every_head(engine: Engine) -> None:
    assert current_heads(engine) == known_heads()
