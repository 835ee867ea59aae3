"""`gov evidence stages | stage | history`: stored validation-stage evidence, listed, shown and as series."""

from __future__ import annotations

from contextlib import AbstractContextManager

import typer

from governance.cli.evidence.option_parsing import FORMAT_HELP, _format
from governance.cli.evidence.stage_runs import _emit


def stages(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(None, help="Only this version."),
    kind: str = typer.Option(None, "--kind", help="Only this kind: performance, drift, data_validation, ..."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Stored validation-stage evidence of a model, by version then time."""
    import json

    from governance.evidence.stage_render import render_stage_list
    from governance.evidence.stage_store import list_stage_evidence
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    _format(fmt)
    with session_scope(open_store()) as session, _spelled():
        items = list_stage_evidence(session, model, version, kind)
    typer.echo(json.dumps([i.to_dict() for i in items], indent=2) if fmt == "json" else render_stage_list(items))


def stage_show(
    evidence_id: int = typer.Argument(..., help="Stage evidence id (see `gov evidence stages`)."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """One stored validation-stage result, as it was stored."""
    from governance.evidence.stage_store import get_stage_evidence
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    _format(fmt)
    with session_scope(open_store()) as session, _spelled():
        stored = get_stage_evidence(session, evidence_id)
    _emit(stored, fmt)


def history(
    model: str = typer.Argument(..., help="Registered model name."),
    metric: str = typer.Option(None, "--metric", help="Only this metric (auc, psi, latency_p95_ms, lift, ...)."),
    kind: str = typer.Option(None, "--kind", help="Only this kind: performance, drift, data_validation, ..."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """The series of each stage metric of MODEL across versions (in creation order) and over time."""
    import json

    from governance.evidence.stage_render import render_history
    from governance.evidence.stage_store import history as series_of
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    _format(fmt)
    with session_scope(open_store()) as session, _spelled():
        series = series_of(session, model, metric, kind)
    typer.echo(json.dumps([s.to_dict() for s in series], indent=2) if fmt == "json" else render_history(series))


def _spelled() -> AbstractContextManager[None]:
    from governance.errors import spelled

    return spelled({"kind": "--kind", "evidence_id": "EVIDENCE_ID"})
