"""`gov db`: schema migrations."""

from __future__ import annotations

import typer

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create or migrate the schema of GOV_DATABASE_URL (default: SQLite under GOV_HOME)."""
    from governance.store.db import get_engine
    from governance.store.migrate import current_heads
    from governance.store.migrate import upgrade as run_upgrade

    engine = get_engine()
    run_upgrade(engine)
    typer.echo(f"schema at {', '.join(sorted(current_heads(engine)))} on {engine.url.render_as_string()}")


@app.command()
def status() -> None:
    """Show the schema revision and whether it is current."""
    from governance.store.db import get_engine
    from governance.store.migrate import current_heads, known_heads

    engine = get_engine()
    current, wanted = current_heads(engine), known_heads()
    typer.echo(f"database: {engine.url.render_as_string()}")
    typer.echo(f"schema:   {', '.join(sorted(current)) or '(empty)'}")
    typer.echo("status:   current" if current == wanted else f"status:   behind; needs {', '.join(sorted(wanted))}")
    if current != wanted:
        raise typer.Exit(1)
