"""`gov serve`: the HTTP API (FastAPI + uvicorn). Authentication is on unless --no-auth (loopback only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from governance.api.server import Settings


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8080, "--port"),
    no_auth: bool = typer.Option(
        False,
        "--no-auth",
        help="No tokens: every caller acts as GOV_USER/the OS user with the admin "
        "role. For local experiments; refused unless --host is loopback.",
    ),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="uvicorn worker processes."),
    reports_dir: Path = typer.Option(
        None,
        "--reports-dir",
        envvar="GOV_REPORTS_DIR",
        help="Folder served by GET /api/v1/reports (default: $GOV_HOME/reports).",
    ),
    policies: Path = typer.Option(
        None,
        "--policies",
        envvar="GOV_POLICY_DIR",
        help="Policy folder for POST /api/v1/checks (default: ./policies/default).",
    ),
    log_level: str = typer.Option("warning", "--log-level"),
) -> None:
    """Serve ingestion, lineage queries, registry, checks, decisions, ledger, approvals, waivers, reports."""
    from governance.api.server import Settings, is_loopback, run
    from governance.errors import InputError

    if no_auth and not is_loopback(host):
        raise InputError(
            f"--no-auth serves without authentication, so it binds only to loopback, not {host!r}",
            where="--host",
            hint="drop --no-auth and use tokens (`gov token create`)",
        )
    settings = Settings(auth=not no_auth, reports_dir=reports_dir, policy_dir=policies, host=host)
    _preflight(settings)
    run(settings, host=host, port=port, workers=workers, log_level=log_level)


def _preflight(settings: Settings) -> None:
    """Fail fast with one clear line if the store is unusable; warn when nobody could call the API."""
    import os

    from governance.auth.tokens import active_token_count
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    engine = open_store()
    if settings.auth:
        with session_scope(engine) as session:
            if active_token_count(session) == 0:
                typer.echo(
                    "warning: no active API tokens; create one with `gov token create --role ROLE --name NAME`",
                    err=True,
                )
    if os.environ.get("GOV_API_KEY"):
        typer.echo("warning: GOV_API_KEY is no longer used; API tokens replace it (`gov token create`)", err=True)
