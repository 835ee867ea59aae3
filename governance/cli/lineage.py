"""`gov lineage`: ingest OpenLineage events and answer auditors' lineage questions."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="OpenLineage ingestion and lineage queries.", no_args_is_help=True)

FORMAT = typer.Option("table", "--format", "-f", help="table | json | dot | mermaid")
DEPTH = typer.Option(None, "--depth", "-d", help="Maximum number of edges from the start node.")
AS_OF = typer.Option(None, "--as-of", help="The graph as known at this time (ISO 8601): events with eventTime <= it.")


def _as_of(value: str | None):  # type: ignore[no-untyped-def]
    from governance.timeutil import parse_optional_timestamp

    return parse_optional_timestamp(value, field="--as-of")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="JSON, JSON Lines or gzip files, or directories."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only print problems."),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Reject values that break their declared format (uri, uuid, date-time) instead of storing "
        "the event with a warning.",
    ),
) -> None:
    """Validate events to the OpenLineage spec and store them. Exit 2 if any event was rejected.

    As OpenLineage's own validator and Marquez do, a value breaking its declared format is accepted
    and kept as a warning (`gov lineage warnings`); `run.runId` must still be a UUID and `eventTime`
    a date-time (without an offset it is read as UTC, with a warning).
    """
    import sys

    from governance.lineage.ingest import ingest_paths
    from governance.store.migrate import open_store

    engine = open_store()
    total = sum(p.stat().st_size for p in paths if p.is_file())
    if sys.stderr.isatty() and (total > 5_000_000 or any(p.is_dir() for p in paths)):
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("ingesting", total=None)
            report = ingest_paths(engine, paths, progress=lambda n: bar.advance(task, n), strict=strict)
    else:
        report = ingest_paths(engine, paths, strict=strict)
    for rejection in report.rejected:
        typer.echo(f"rejected: {rejection.line()}", err=True)
    if not quiet or report.rejected:
        typer.echo(report.summary())
    if report.rejected:
        raise typer.Exit(2)


@app.command()
def upstream(
    node: str = typer.Argument(..., help="dataset:NS:NAME or job:NS:NAME"),
    depth: int = DEPTH,
    as_of: str = AS_OF,
    fmt: str = FORMAT,
) -> None:
    """Everything the node was derived from."""
    _traverse(node, "upstream", depth, as_of, fmt)


@app.command()
def downstream(
    node: str = typer.Argument(..., help="dataset:NS:NAME or job:NS:NAME"),
    depth: int = DEPTH,
    as_of: str = AS_OF,
    fmt: str = FORMAT,
) -> None:
    """Everything derived from the node."""
    _traverse(node, "downstream", depth, as_of, fmt)


def _traverse(node: str, direction: str, depth: int | None, as_of: str | None, fmt: str) -> None:
    from governance.lineage.graph import traverse
    from governance.lineage.render import render_graph
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    when = _as_of(as_of)
    with session_scope(open_store()) as session:
        typer.echo(render_graph(traverse(session, node, direction, depth=depth, as_of=when), fmt))


@app.command()
def path(
    source: str = typer.Argument(..., metavar="FROM"),
    target: str = typer.Argument(..., metavar="TO"),
    depth: int = DEPTH,
    as_of: str = AS_OF,
    fmt: str = FORMAT,
) -> None:
    """A shortest data-flow path from FROM to TO. Exit 1 if there is none."""
    from governance.lineage.graph import path as find_path
    from governance.lineage.render import render_path
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        nodes = find_path(session, source, target, depth=depth, as_of=_as_of(as_of))
    typer.echo(render_path(nodes, fmt))
    if not nodes:
        raise typer.Exit(1)


@app.command()
def column(
    dataset: str = typer.Argument(..., help="dataset:NS:NAME"),
    field: str = typer.Argument(...),
    downstream: bool = typer.Option(
        False, "--downstream", help="Where the column flows (default: where it came from)."
    ),
    depth: int = DEPTH,
    as_of: str = AS_OF,
    fmt: str = FORMAT,
) -> None:
    """Column lineage from the columnLineage facet."""
    from governance.lineage.graph import column_lineage
    from governance.lineage.render import render_columns
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    direction = "downstream" if downstream else "upstream"
    with session_scope(open_store()) as session:
        hops = column_lineage(session, dataset, field, direction, depth=depth, as_of=_as_of(as_of))
    typer.echo(render_columns((dataset, field), hops, direction, fmt))


@app.command("models")
def models_trained_on(
    dataset: str = typer.Argument(..., help="dataset:NS:NAME"),
    as_of: str = AS_OF,
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
) -> None:
    """Which model versions were trained on this dataset (directly or on data derived from it)."""
    from governance.lineage.graph import model_versions_trained_on
    from governance.lineage.render import render_rows
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        rows = model_versions_trained_on(session, dataset, as_of=_as_of(as_of))
    typer.echo(
        render_rows(("model", "version", "via_dataset"), rows, fmt)
        if rows
        else ("[]" if fmt == "json" else "no model version was trained on it")
    )


@app.command("training-data")
def training_data(
    model: str,
    version: str,
    depth: int = DEPTH,
    as_of: str = AS_OF,
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
) -> None:
    """Which datasets a model version trained on, recursively upstream."""
    from governance.lineage.graph import datasets_of_model_version
    from governance.lineage.render import render_rows
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        found = datasets_of_model_version(session, model, version, depth=depth, as_of=_as_of(as_of))
    typer.echo(render_rows(("hops", "dataset"), [(str(h), d) for d, h in found.items()], fmt))


@app.command()
def rejected(limit: int = typer.Option(50, help="How many, newest first.")) -> None:
    """Events that failed validation, with the reason."""
    from governance.lineage.queries import recent_rejections
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        rows = recent_rejections(session, limit)
        for row in rows:
            path = f"{row.json_path}: " if row.json_path else ""
            typer.echo(f"{row.received_at:%Y-%m-%d %H:%M:%S}  {row.source}:{row.location}: {path}{row.reason}")


@app.command("warnings")
def warnings_command(
    producer: str = typer.Option(None, "--producer", help="Only producers whose URL contains this text."),
    since: str = typer.Option(None, "--since", help="Only warnings received at or after this time (ISO 8601)."),
    code: str = typer.Option(None, "--code", help="Only this code: uri-format, uuid-format, date-time-format, ..."),
    limit: int = typer.Option(1000, "--limit", help="How many, newest first."),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
) -> None:
    """Values accepted events carry against their declared format, with their JSON path."""
    import json

    from governance.errors import InputError
    from governance.lineage.warnings import list_warnings, warning_dict
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import parse_timestamp

    if fmt not in ("table", "json"):
        raise InputError(f"format {fmt!r} is not available for this query; use table or json", where="--format")
    when = parse_timestamp(since, field="--since") if since else None
    with session_scope(open_store()) as session:
        rows = [warning_dict(w) for w in list_warnings(session, producer=producer, since=when, code=code, limit=limit)]
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no warnings")
        return
    for row in rows:
        typer.echo(
            f"{row['received_at']}  {row['code']}  {row['json_path']}: {row['message']}\n"
            f"    event {row['event_digest'][:12]}  producer {row['producer']}"
        )
