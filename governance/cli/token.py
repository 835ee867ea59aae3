"""`gov token`: API tokens for `gov serve` (created by an operator with access to the database)."""

from __future__ import annotations

import typer

app = typer.Typer(help="API tokens for `gov serve`: create (shown once), list, revoke.", no_args_is_help=True)


@app.command()
def create(
    role: str = typer.Option(..., "--role", help="ingest | checker | auditor | approver | admin"),
    name: str = typer.Option(..., "--name", help="The identity that acts with this token (person or pipeline)."),
    fmt: str = typer.Option("text", "--format", "-f", help="text (the token alone on stdout) | json"),
) -> None:
    """Create a token. The secret is printed once and stored only as its SHA-256."""
    import json

    from governance.auth.tokens import create_token
    from governance.errors import InputError
    from governance.identity import current_user
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}; use text or json", where="--format")
    with session_scope(open_store()) as session:
        token, secret = create_token(session, name=name, role=role, created_by=current_user())
        ident, role_name = token.id, token.role
    if fmt == "json":
        typer.echo(json.dumps({"id": ident, "name": name, "role": role_name, "token": secret}))
    else:
        typer.echo(secret)
    typer.echo(f"created token {ident} for {name} ({role_name}); it is shown only this once", err=True)


@app.command("list")
def list_cmd(
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
    active: bool = typer.Option(False, "--active", help="Only tokens that are not revoked."),
) -> None:
    """Tokens with their identity, role, creation, last use and revocation (never the secret)."""
    from governance.auth.tokens import list_tokens, token_to_dict
    from governance.lineage.render import render_rows
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        rows = [token_to_dict(t) for t in list_tokens(session, include_revoked=not active)]
    if fmt == "json":
        import json

        typer.echo(json.dumps(rows, indent=2))
        return
    header = ("id", "name", "role", "status", "created_at", "created_by", "last_used_at", "revoked_at")
    typer.echo(render_rows(header, [tuple(str(r[h] if r[h] is not None else "-") for h in header) for r in rows], fmt))


@app.command()
def revoke(token_id: int = typer.Argument(..., metavar="ID", help="Token id (see `gov token list`).")) -> None:
    """Revoke a token: every replica refuses it from the next request on."""
    from governance.auth.tokens import revoke_token
    from governance.identity import current_user
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        token, changed = revoke_token(session, token_id, by=current_user())
        name, when = token.name, token.revoked_at
    from governance.timeutil import iso

    typer.echo(
        f"revoked token {token_id} ({name})"
        if changed
        else f"token {token_id} ({name}) was already revoked at {iso(when)}"
    )
