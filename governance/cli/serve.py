"""`gov serve`: the HTTP API (FastAPI + uvicorn)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8080, "--port"),
    api_key: str = typer.Option(None, "--api-key", envvar="GOV_API_KEY",
                                help="Require 'Authorization: Bearer KEY' on /api routes."),
    workers: int = typer.Option(1, "--workers", help="uvicorn worker processes."),
    log_level: str = typer.Option("warning", "--log-level"),
) -> None:
    """Serve ingestion (POST /api/v1/lineage, /lineage/batch), lineage queries and the registry."""
    import uvicorn

    from governance.api.app import create_app
    from governance.store.migrate import open_store

    open_store()  # fail fast with one clear line if the store is unusable
    if api_key is None and host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo("warning: serving without an API key on a non-loopback address", err=True)
    app = create_app(api_key=api_key)
    uvicorn.run(app, host=host, port=port, log_level=log_level, workers=1 if workers <= 1 else workers)
