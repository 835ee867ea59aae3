"""`gov demo`: the README's main job."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(out: Path = typer.Option(Path("out"), "--out", help="Folder for the demo store and outputs.")) -> None:
    """Run the whole product on a fresh SQLite store with the bundled example data."""
    from governance.demo import run_demo

    run_demo(out, echo=typer.echo)
