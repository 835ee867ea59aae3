"""`gov evidence fairness | list | show | finish`: fairness evaluations, computed, listed and shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from governance.cli.evidence.option_parsing import _split

LARGE_FILE_BYTES = 256 << 20


@contextmanager
def _progress(location: str, fmt: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr for a TTY or a large file; never for JSON output."""
    import os
    import sys

    large = os.path.isfile(location) and os.path.getsize(location) > LARGE_FILE_BYTES
    if fmt == "json" or not (sys.stderr.isatty() or large):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("counting", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def fairness(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    data: str = typer.Option(..., "--data", help="CSV or Parquet file, or a database URL (with --query)."),
    label: str = typer.Option(..., "--label", help="Ground-truth label column (binary)."),
    prediction: str = typer.Option(..., "--prediction", help="Prediction column."),
    sensitive: str = typer.Option(
        ..., "--sensitive", help="Sensitive column(s), COL[,COL...]; several make intersectional groups."
    ),
    favorable: str = typer.Option(None, "--favorable", help="Favorable (positive) label value; default 1 or true."),
    predicted_favorable: str = typer.Option(
        None,
        "--predicted-favorable",
        help="Prediction values counted as favorable, V[,V...]; default: the favorable label.",
    ),
    privileged: str = typer.Option(
        None, "--privileged", help="Privileged group for aif360 metrics: VALUE, or COL=VALUE[,COL=VALUE]."
    ),
    score: str = typer.Option(None, "--score", help="Score column (probability of the favorable label)."),
    favorable_meaning: str = typer.Option(
        None,
        "--favorable-meaning",
        help="What the favorable outcome means, e.g. 'loan approved' (stored, shown in reports).",
    ),
    query: str = typer.Option(None, "--query", help="SQL query when --data is a database URL."),
    min_group_size: int = typer.Option(30, "--min-group-size", help="Smaller groups are flagged."),
    include_small: bool = typer.Option(
        False,
        "--include-small-groups/--exclude-small-groups",
        help="Whether small groups enter max-min aggregates.",
    ),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples for the intervals (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Compute and store a fairness evaluation of MODEL VERSION on the given data."""
    import json

    from governance.errors import InputError
    from governance.evidence.evaluation import Settings
    from governance.evidence.fairness import FairnessRequest
    from governance.evidence.render import render_text
    from governance.lineage.evidence_runs import evaluate_fairness_traced
    from governance.store.migrate import open_store

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}", where="--format", hint="text or json")
    request = FairnessRequest(
        label=label,
        prediction=prediction,
        sensitive=_split(sensitive) or (),
        favorable=favorable,
        predicted_favorable=_split(predicted_favorable),
        score=score,
        favorable_meaning=favorable_meaning,
        settings=Settings(
            privileged=privileged,
            min_group_size=min_group_size,
            include_small_groups=include_small,
            bootstrap=bootstrap,
            seed=seed,
            confidence=confidence,
        ),
    )
    with _progress(data, fmt) as progress:
        stored = evaluate_fairness_traced(open_store(), model, version, data, request, query=query, progress=progress)
    if fmt == "json":
        typer.echo(json.dumps(stored.to_dict(), indent=2))
    else:
        typer.echo(render_text(stored.results, stored.id))


def list_evaluations(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(None, help="Only this version."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Stored fairness evaluations of a model, newest first."""
    import json

    from governance.evidence.fairness import list_evaluations as list_all
    from governance.evidence.render import render_list
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        evaluations = list_all(session, model, version)
    if fmt == "json":
        typer.echo(json.dumps([e.to_dict() for e in evaluations], indent=2))
    else:
        typer.echo(render_list(evaluations))


def show(
    evaluation_id: int = typer.Argument(..., help="Evaluation id (see `gov evidence list`)."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """One stored fairness evaluation, as it was computed."""
    import json

    from governance.evidence.fairness import get_evaluation
    from governance.evidence.render import render_text
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        stored = get_evaluation(session, evaluation_id)
    typer.echo(json.dumps(stored.to_dict(), indent=2) if fmt == "json" else render_text(stored.results, stored.id))


def finish(
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many evaluations (oldest first)."),
) -> None:
    """Compute the bootstrap intervals of evaluations stored by ingest (`intervals pending`), one per
    transaction. The gate and reports compute them anyway when they first read one; this does it ahead."""
    from governance.evidence.intervals import finish_pending
    from governance.store.migrate import open_store

    done, failed = finish_pending(open_store(), limit)
    typer.echo(f"{done} evaluation(s) completed" + (f", {failed} left pending (see the log)" if failed else ""))
    if failed:
        raise typer.Exit(1)
