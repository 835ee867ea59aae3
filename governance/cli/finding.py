"""`gov finding`: the findings register (list, show, assign, start, resolve). Thin: governance.findings
does the work. Resolving needs a reference (new evidence or a waiver in force); see docs/findings.md."""

from __future__ import annotations

from typing import Any

import typer

app = typer.Typer(
    help="The findings register: every failing, warned, inconclusive, not-evaluated or out-of-policy item "
    "of a check, kept across checks with an owner, a due date and a status.",
    no_args_is_help=True,
)

# The services name fields; the CLI spells them as its options.
CLI_FIELDS = {
    "finding_id": "FINDING_ID",
    "as": "--as",
    "owner": "--owner",
    "due": "--due",
    "evidence": "--evidence",
    "waiver": "--waiver",
    "status": "--status",
    "severity": "--severity",
}
AS_HELP = "Who acts (default: GOV_USER or the OS user)."


def _check_format(fmt: str) -> None:
    from governance.errors import InputError

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}; use text or json", where="--format")


@app.command("list")
def list_findings(
    model: str = typer.Option(None, "--model", help="Only this model."),
    status: str = typer.Option(None, "--status", help="open | in_remediation | closed | accepted | active"),
    severity: str = typer.Option(None, "--severity", help="critical | high | medium | low | info"),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Findings, most severe first."""
    import json

    from governance.errors import spelled
    from governance.findings.service import finding_to_dict
    from governance.findings.service import list_findings as query
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    _check_format(fmt)
    with spelled(CLI_FIELDS), session_scope(open_store()) as session:
        rows = [finding_to_dict(f) for f in query(session, model=model, status=status, severity=severity)]
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(_line(r))
    if not rows:
        typer.echo("no findings")


def _line(r: dict[str, Any]) -> str:
    due = (r["due_date"] or "-")[:10]
    passing = f"  passing since decision {r['passing_since_decision'][:8]}" if r["passing_since_decision"] else ""
    return (
        f"{r['id']}  {r['severity']:<8} {r['status']:<14} {r['model']} {r['version']} -> {r['target']}  "
        f"{r['title']}  owner {r['owner'] or '-'}  due {due}{passing}"
    )


@app.command("show")
def show(
    finding_id: str = typer.Argument(..., help="Finding id, e.g. F-000123."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """One finding with its history."""
    import json

    from governance.errors import spelled
    from governance.findings.service import events_of, finding_to_dict, get_finding
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    _check_format(fmt)
    with spelled(CLI_FIELDS), session_scope(open_store()) as session:
        row = get_finding(session, finding_id)
        data = finding_to_dict(row, events_of(session, row.id or 0))
    if fmt == "json":
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(_line(data))
    for key in ("verdict", "source", "detail", "first_seen_decision", "last_seen_decision", "passing_since_decision"):
        if data[key]:
            typer.echo(f"  {key.replace('_', ' ')}: {data[key]}")
    if data["closure_reference"]:
        typer.echo(f"  {data['status']} by {data['closed_by']} at {data['closed_at']}: {data['closure_reference']}")
    if data["reopened_count"]:
        typer.echo(f"  reopened {data['reopened_count']} time(s)")
    for e in data["history"]:
        change = (
            e["to_status"] if e["from_status"] in (None, e["to_status"]) else f"{e['from_status']} -> {e['to_status']}"
        )
        typer.echo(
            f"  {e['at']}  {e['action']:<14} {change}  by {e['actor']}" + (f"  {e['note']}" if e["note"] else "")
        )


@app.command("assign")
def assign(
    finding_id: str = typer.Argument(..., help="Finding id, e.g. F-000123."),
    owner: str = typer.Option(..., "--owner", help="Who remediates it."),
    due: str = typer.Option(None, "--due", help="New due date (ISO date/time), instead of the one from severity."),
    as_user: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Give a finding an owner and, optionally, a due date."""
    from governance.errors import spelled
    from governance.findings.service import assign as record
    from governance.identity import current_user
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import parse_timestamp

    with spelled(CLI_FIELDS):
        when = parse_timestamp(due, field="due") if due else None
        with session_scope(open_store()) as session:
            row = record(session, finding_id, owner=owner, due=when, actor=as_user or current_user())
            typer.echo(_summary(row))


@app.command("start")
def start(
    finding_id: str = typer.Argument(..., help="Finding id, e.g. F-000123."),
    as_user: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Mark an open finding as in remediation."""
    from governance.errors import spelled
    from governance.findings.service import start as record
    from governance.identity import current_user
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with spelled(CLI_FIELDS), session_scope(open_store()) as session:
        typer.echo(_summary(record(session, finding_id, actor=as_user or current_user())))


@app.command("resolve")
def resolve(
    finding_id: str = typer.Argument(..., help="Finding id, e.g. F-000123."),
    evidence: str = typer.Option(
        None, "--evidence", help="New evidence that fixes it: fairness_evaluation:ID or stage_evidence:ID."
    ),
    waiver: str = typer.Option(None, "--waiver", help="Id of a waiver in force that covers it (accepts the risk)."),
    note: str = typer.Option(None, "--note", help="Free text kept with the resolution."),
    as_user: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Close a finding with new evidence, or accept it with a waiver. Refused (exit 2) without a reference."""
    from governance.errors import spelled
    from governance.findings.service import resolve as record
    from governance.identity import current_user
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with spelled(CLI_FIELDS), session_scope(open_store()) as session:
        row = record(session, finding_id, actor=as_user or current_user(), evidence=evidence, waiver=waiver, note=note)
        typer.echo(_summary(row))


def _summary(row: Any) -> str:
    from governance.findings.service import finding_to_dict

    d = finding_to_dict(row)
    text = f"{d['id']}: {d['status']}, owner {d['owner'] or '-'}, due {(d['due_date'] or '-')[:10]}"
    if d["closure_reference"]:
        text += f"; {d['closure_reference']} by {d['closed_by']}"
    return text
