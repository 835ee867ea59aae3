"""Schema migrations (Alembic). `gov db upgrade` and every service entry point call `upgrade()`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        # configparser interpolates '%': escape it (URLs such as ?host=%2Ftmp carry it).
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to every head (feature branches of the migration tree)."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def current_heads(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def is_current(engine: Engine) -> bool:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return current_heads(engine) == set(script.get_heads())


def known_heads() -> set[str]:
    """Head revisions, read cheaply from the version files (no Alembic import on the hot path)."""
    import ast

    revisions: dict[str, tuple[str, ...]] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        module = ast.parse(path.read_text())
        values: dict[str, object] = {}
        for node in module.body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                try:
                    values[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
        down = values.get("down_revision")
        downs = tuple(down) if isinstance(down, (tuple, list)) else ((down,) if down else ())
        revisions[str(values["revision"])] = tuple(str(d) for d in downs)
    parents = {d for downs in revisions.values() for d in downs}
    return set(revisions) - parents


def open_store(url: str | None = None) -> Engine:
    """The engine, with the schema current. The embedded SQLite store upgrades itself; a shared
    PostgreSQL is upgraded by an operator (`gov db upgrade`) so replicas never race a migration."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from governance.errors import ConfigError
    from governance.store.db import get_engine

    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except (OperationalError, ProgrammingError) as exc:
        if engine.dialect.name != "sqlite":
            if "alembic_version" not in str(exc):
                reason = " ".join(str(exc.orig).split())  # drivers print multi-line messages; we promise one line
                raise ConfigError(f"cannot reach the database: {reason}", hint="check GOV_DATABASE_URL") from exc
            raise ConfigError("the database has no governance schema", hint="run `gov db upgrade`") from exc
        current = set()
    if current != known_heads():
        if engine.dialect.name != "sqlite":
            raise ConfigError(
                f"database schema is at {sorted(current)}, this gov needs {sorted(known_heads())}",
                hint="run `gov db upgrade`",
            )
        upgrade(engine)
    return engine
