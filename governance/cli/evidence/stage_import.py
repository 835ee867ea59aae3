"""`gov evidence import-ge | import-evidently`: validation-stage evidence imported from other tools'
results (their own digest; nothing recomputed)."""

from __future__ import annotations

import typer

from governance.cli.evidence.option_parsing import FORMAT_HELP, _format
from governance.cli.evidence.stage_runs import _emit, _traced


def import_ge(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    file: str = typer.Argument(..., help="Great Expectations validation or checkpoint result (JSON)."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Store a Great Expectations result as data-validation evidence (its own digest; nothing recomputed)."""
    from governance.evidence.import_ge import import_ge_result

    _format(fmt)
    _emit(_traced(model, version, lambda: import_ge_result(file), [file]), fmt)


def import_evidently(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    file: str = typer.Argument(..., help="Evidently 0.7 report snapshot (JSON) with a data drift preset."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Store an Evidently data drift report as drift evidence (its own digest; nothing recomputed)."""
    from governance.evidence.import_evidently import import_evidently_snapshot

    _format(fmt)
    _emit(_traced(model, version, lambda: import_evidently_snapshot(file), [file]), fmt)
