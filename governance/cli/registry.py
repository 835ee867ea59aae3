"""`gov registry`: registered models and versions (native, or imported from MLflow)."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Model registry records.", no_args_is_help=True)


def _kv(pairs: list[str], option: str) -> dict[str, str]:
    from governance.errors import InputError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"expected KEY=VALUE, got {pair!r}", where=option)
        out[key] = value
    return out


@app.command()
def register(
    model: str = typer.Argument(..., help="Registered model name."),
    owner: str = typer.Option(..., "--owner", help="Accountable owner (team or person)."),
    risk_tier: str = typer.Option("medium", "--risk-tier", help="low | medium | high | critical"),
    description: str = typer.Option(None, "--description"),
    tag: list[str] = typer.Option([], "--tag", help="KEY=VALUE, repeatable."),
    version: str = typer.Option(None, "--version", help="Also register this version."),
    artifact_uri: str = typer.Option(None, "--artifact-uri"),
    digest: str = typer.Option(None, "--digest", help="sha256 of the artifact (sha256:<hex> or hex)."),
    artifact: Path = typer.Option(None, "--artifact", help="Compute the digest from this file."),
    training_run: str = typer.Option(None, "--training-run", help="OpenLineage runId of the training run."),
    created_by: str = typer.Option(None, "--created-by", help="Default: GOV_USER or the OS user."),
    stage: str = typer.Option(None, "--stage"),
    alias: list[str] = typer.Option([], "--alias"),
    version_tag: list[str] = typer.Option([], "--version-tag", help="KEY=VALUE on the version, repeatable."),
) -> None:
    """Register (or update) a model, and optionally one of its versions."""
    from governance.errors import InputError
    from governance.identity import current_user
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    if version and not (digest or artifact):
        raise InputError("a version needs its artifact digest", where="--digest", hint="or pass --artifact FILE")
    if artifact is not None:
        from governance.digest import file_sha256

        digest = file_sha256(artifact)
    with session_scope(open_store()) as session:
        register_model(
            session, model, owner=owner, risk_tier=risk_tier, description=description, tags=_kv(tag, "--tag")
        )
        if version:
            register_version(
                session,
                model,
                VersionSpec(
                    version=version,
                    artifact_uri=artifact_uri or (str(artifact) if artifact else ""),
                    artifact_digest=digest or "",
                    created_by=created_by or current_user(),
                    training_run_id=training_run,
                    stage=stage,
                    aliases=alias,
                    tags=_kv(version_tag, "--version-tag"),
                ),
            )
    typer.echo(f"registered {model}" + (f" version {version}" if version else ""))


@app.command("list")
def list_models(fmt: str = typer.Option("table", "--format", "-f", help="table | json")) -> None:
    """Every registered model with its versions."""
    import json

    from governance.lineage.render import render_rows
    from governance.registry.service import list_models as list_all
    from governance.registry.service import model_to_dict, version_to_dict
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        models = list_all(session)
        if fmt == "json":
            typer.echo(
                json.dumps(
                    [{**model_to_dict(m), "versions": [version_to_dict(v) for v in vs]} for m, vs in models], indent=2
                )
            )
            return
        rows = [(m.name, m.owner, m.risk_tier, ", ".join(v.version for v in vs) or "-") for m, vs in models]
    typer.echo(
        render_rows(("model", "owner", "risk_tier", "versions"), rows, "table") if rows else "no registered models"
    )


@app.command()
def show(
    model: str,
    version: str = typer.Argument(None),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """A model, or one version with its training lineage."""
    import json

    from governance.lineage.model_view import describe
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        data, text = describe(session, model, version)
    typer.echo(json.dumps(data, indent=2, sort_keys=True) if fmt == "json" else text)


@app.command()
def describe(
    model: str = typer.Argument(..., help="Registered model name."),
    card: Path = typer.Option(
        None, "--card", help="Attach this model card (YAML, or JSON for *.json); without it: show the current card."
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """The model card: purpose, intended use, users, limitations... (missing sections named as missing)."""
    import json

    from governance.errors import InputError
    from governance.identity import current_user
    from governance.registry.model_card import (
        attach_card,
        card_view,
        history_of,
        read_card_file,
        view_text,
        view_to_dict,
    )
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}; use text or json", where="--format")
    content = read_card_file(card) if card is not None else None  # a bad card stops here: nothing stored
    with session_scope(open_store()) as session:
        if content is not None:
            assert card is not None
            row, created = attach_card(session, model, content, attached_by=current_user(), source_name=card.name)
            if fmt == "text":
                typer.echo(
                    f"attached the model card {card.name} to {model}: {row.digest}"
                    if created
                    else f"{model} already has this model card as its current one: {row.digest}"
                )
        view = card_view(session, model)
        history = history_of(session, model) if fmt == "json" else None
        if fmt == "json":
            typer.echo(json.dumps(view_to_dict(view, history), indent=2, sort_keys=True))
        elif content is None:
            typer.echo(view_text(view))
        elif view.missing:
            typer.echo(f"missing sections (shown as missing in reports): {', '.join(view.missing)}")


@app.command("import-mlflow")
def import_mlflow(
    tracking_uri: str = typer.Option(..., "--tracking-uri", help="MLflow tracking server URI."),
    owner: str = typer.Option(None, "--default-owner", help="Owner when the MLflow model has no `owner` tag."),
    model: list[str] = typer.Option([], "--model", help="Only these registered models (repeatable)."),
) -> None:
    """Import registered models and versions from an MLflow tracking server (needs the [mlflow] extra)."""
    from governance.registry.mlflow_import import import_from_mlflow
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        counts = import_from_mlflow(session, tracking_uri, default_owner=owner, only=model or None)
    typer.echo(f"imported {counts[0]} model(s), {counts[1]} version(s) from {tracking_uri}")
