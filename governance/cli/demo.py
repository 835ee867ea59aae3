"""`gov demo`: the README's main job."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(out: Path = typer.Option(Path("out"), "--out", help="Folder for the demo store, keys and reports.")) -> None:
    """Run the whole product on a fresh SQLite store with the bundled example data; exit 1 if a signed report
    it wrote does not verify."""
    from governance.demo import run_demo

    result = run_demo(out, echo=typer.echo)
    raise typer.Exit(0 if all(result.verified.values()) else 1)
