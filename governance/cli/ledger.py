"""`gov ledger`: the tamper-evident ledger of blocked deployments."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Ledger of blocked deployments (hash chain with signed checkpoints).", no_args_is_help=True)


def _when(value: str | None, option: str):  # type: ignore[no-untyped-def]
    from governance.timeutil import parse_optional_timestamp

    return parse_optional_timestamp(value, field=option)


@app.command("list")
def list_cmd(
    model: str = typer.Option(None, "--model", help="Only this registered model."),
    since: str = typer.Option(None, "--since", help="ISO 8601 timestamp or date, inclusive."),
    until: str = typer.Option(None, "--until", help="ISO 8601 timestamp or date, exclusive."),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
) -> None:
    """Blocked deployments in ledger order."""
    from governance.ledger.chain import format_at
    from governance.ledger.export import list_entries
    from governance.lineage.render import render_rows
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        entries = list_entries(session, model=model, since=_when(since, "--since"), until=_when(until, "--until"))
        rows: list[tuple[str, ...]] = [
            (
                str(e.seq),
                format_at(e.at),
                e.model,
                e.version,
                e.target,
                ",".join(e.failing_policies),
                e.requested_by,
                " ".join(f"{k}={v}" for k, v in sorted(e.ci.items())),
            )
            for e in entries
        ]
    header = ("seq", "at", "model", "version", "target", "failing_policies", "requested_by", "ci")
    typer.echo(render_rows(header, rows, fmt))


@app.command()
def export(
    fmt: str = typer.Option("json", "--format", "-f", help="csv | json"),
    output: Path = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
    since: str = typer.Option(None, "--since", help="ISO 8601 timestamp or date, inclusive."),
    until: str = typer.Option(None, "--until", help="ISO 8601 timestamp or date, exclusive."),
) -> None:
    """Export entries (and, in JSON, the signed checkpoints) for an auditor to re-verify."""
    from governance.errors import InputError
    from governance.ledger.export import export as run_export
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        text = run_export(session, fmt, since=_when(since, "--since"), until=_when(until, "--until"))
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror}", where="--output") from exc
    typer.echo(f"exported to {output}")


@app.command()
def verify(
    trust_cert: list[Path] = typer.Option(
        [],
        "--trust-cert",
        help=(
            "Certificate or public key PEM trusted to sign checkpoints; repeatable. Default: GOV_LEDGER_TRUST, "
            "else this installation's key (GOV_HOME/keys); never the key stored beside the checkpoints."
        ),
    ),
    anchor: list[Path] = typer.Option(
        [], "--anchor", help="A ledger JSON export or checkpoint file kept elsewhere; repeatable."
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Recompute the chain from genesis and check the checkpoints. Exit 0 intact, 1 tampered."""
    import json

    from governance.errors import InputError
    from governance.ledger.export import load_anchors
    from governance.ledger.verify import verify_chain
    from governance.signing.ledger_keys import configured_trust_roots, load_trust_roots
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}; choose text or json", where="--format")
    if trust_cert:
        roots, source = load_trust_roots(list(trust_cert)), "--trust-cert"
    else:
        roots, source = configured_trust_roots()
    anchors = [cp for path in anchor for cp in load_anchors(path)]
    with session_scope(open_store()) as session:
        report = verify_chain(session, trust_roots=roots, trust_source=source, anchors=anchors)
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        typer.echo(report.summary())
        for problem in report.problems:
            typer.echo(f"  problem: {problem.line()}")
        for warning in report.warnings:
            typer.echo(f"  warning: {warning}")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def checkpoint(
    key_dir: Path = typer.Option(None, "--key-dir", help="Folder of the signing key (default GOV_HOME/keys)"),
    output: Path = typer.Option(None, "--output", "-o", help="Also write the checkpoint as JSON (anchor)."),
) -> None:
    """Sign the current head of the ledger now."""
    import json

    from governance.errors import ConfigError, InputError
    from governance.ledger.chain import write_checkpoint
    from governance.ledger.export import checkpoint_to_dict
    from governance.signing.ledger_keys import default_key_dir, find_signer
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    folder = key_dir or default_key_dir()
    signer = find_signer(folder)
    if signer is None:
        raise ConfigError(f"no signing key in {folder}", hint="run `gov keys init` first")
    with session_scope(open_store()) as session:
        cp, new = write_checkpoint(session, signer)
        data = checkpoint_to_dict(cp)
    if output is not None:
        try:
            output.write_text(json.dumps(data, indent=2) + "\n")
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror}", where="--output") from exc
    state = "signed" if new else "already signed"
    typer.echo(f"checkpoint {state}: seq {data['seq']} head {data['head_digest']} by key {data['signer_keyid']}")
