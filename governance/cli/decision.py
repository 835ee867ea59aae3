"""`gov decision`: stored gate decisions: show, replay, list, purge (within the retention policy)."""

from __future__ import annotations

from pathlib import Path

import typer

from governance.cli.check import POLICIES_HELP, policy_dir

app = typer.Typer(help="Decisions of the deployment gate: show, replay, list, purge.", no_args_is_help=True)


@app.command("show")
def show(
    decision_id: str = typer.Argument(..., help="Decision id (or a unique prefix of at least 8 characters)."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json | sarif | junit"),
    context: bool = typer.Option(False, "--context", help="Print the stored evaluation context (JSON) instead."),
) -> None:
    """A stored decision, rendered exactly like the check that made it."""
    import json

    from governance.gate.render import outputter
    from governance.gate.service import get_decision, report_of
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    renderer = outputter(fmt)
    with session_scope(open_store()) as session:
        row = get_decision(session, decision_id)
        if context:
            typer.echo(json.dumps(row.context, indent=2, sort_keys=True))
            return
        report = report_of(row)
    typer.echo(renderer.render(report), nl=False)


@app.command("replay")
def replay(
    decision_id: str = typer.Argument(..., help="Decision id (or a unique prefix)."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Re-evaluate a decision from its stored context and policy texts. Exit 0 reproduced, 1 it differs."""
    import json

    from governance.gate.service import replay_decision
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        result = replay_decision(session, decision_id)
    stored = result.stored
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    "decision_id": stored.decision_id,
                    "reproduced": result.reproduced,
                    "differences": list(result.differences),
                    "stored_exit_code": stored.exit_code,
                    "replayed_exit_code": result.exit_code,
                    "stored_tool_version": stored.tool_version,
                    "tool_version": result.tool_version,
                    "verdicts": {o.policy_id: o.verdict.value for o in result.outcomes},
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        state = "reproduced" if result.reproduced else "DIFFERS"
        typer.echo(f"decision {stored.decision_id} ({stored.model} {stored.version} -> {stored.target}): {state}")
        typer.echo(
            f"  stored by gov {stored.tool_version}, replayed by gov {result.tool_version}; "
            f"exit code {stored.exit_code} -> {result.exit_code}"
        )
        for o in result.outcomes:
            typer.echo(f"  {o.verdict.value:<13} {o.policy_id}")
        for difference in result.differences:
            typer.echo(f"  difference: {difference}")
    raise typer.Exit(0 if result.reproduced else 1)


@app.command("list")
def list_decisions(
    model: str = typer.Option(None, "--model", help="Only this model."),
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Recent decisions, newest first."""
    import json

    from governance.gate.service import list_decisions as query
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import iso

    with session_scope(open_store()) as session:
        rows = [
            {
                "id": d.id,
                "model": d.model,
                "version": d.version,
                "target": d.target,
                "deployable": d.deployable,
                "exit_code": d.exit_code,
                "created_at": iso(d.created_at),
                "requested_by": d.requested_by,
                "bundle_digest": d.bundle_digest,
            }
            for d in query(session, model=model, limit=limit)
        ]
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        state = "deployable" if r["deployable"] else "BLOCKED"
        typer.echo(
            f"{r['id']}  {r['created_at']}  {r['model']} {r['version']} -> {r['target']}  {state}  "
            f"by {r['requested_by']}"
        )
    if not rows:
        typer.echo("no decisions")


@app.command("purge")
def purge(
    before: str = typer.Option(..., "--before", help="Delete decisions created before this ISO date/time."),
    policies: Path = typer.Option(None, "--policies", help=POLICIES_HELP),
    yes: bool = typer.Option(False, "--yes", help="Confirm the deletion."),
) -> None:
    """Delete old decisions; refused inside the retention the data_retention policies state."""
    from governance.errors import InputError
    from governance.gate.retention import purge_decisions
    from governance.policy.loader import load_bundle
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import parse_timestamp

    cutoff = parse_timestamp(before, field="--before")
    bundle = load_bundle(policy_dir(policies))
    if not yes:
        raise InputError("purging decisions deletes audit records", where="--yes", hint="pass --yes to confirm")
    with session_scope(open_store()) as session:
        count = purge_decisions(session, before=cutoff, bundle=bundle)
    typer.echo(f"purged {count} decision(s) created before {before}")
