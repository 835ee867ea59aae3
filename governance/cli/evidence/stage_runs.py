"""Running a validation-stage command: checking that MODEL VERSION exist, storing the computed result
as a lineage run, and printing a stored result."""

from __future__ import annotations

from collections.abc import Callable

import typer


def _emit(stored: object, fmt: str) -> None:
    import json

    from governance.evidence.stage_render import render_stage
    from governance.evidence.stage_store import StoredStage

    assert isinstance(stored, StoredStage)
    typer.echo(json.dumps(stored.to_dict(), indent=2) if fmt == "json" else render_stage(stored))


def _traced(model: str, version: str, compute: Callable[[], object], inputs: list[str]) -> object:
    """Compute through `compute`, store (submitted by GOV_USER or the OS user) and record the lineage run."""
    from governance.errors import NotFoundError
    from governance.lineage.evidence_runs import record_stage_traced
    from governance.registry.service import get_model, get_version
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    engine = open_store()
    with session_scope(engine) as session:  # name the argument that is unknown
        for where, lookup in (
            ("MODEL", lambda: get_model(session, model)),
            ("VERSION", lambda: get_version(session, model, version)),
        ):
            try:
                lookup()
            except NotFoundError as exc:
                raise NotFoundError(exc.message, where=where, hint=exc.hint) from exc
    return record_stage_traced(engine, model, version, compute, inputs)  # type: ignore[arg-type]
