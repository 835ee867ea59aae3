"""`gov check` (the deployment gate), `gov approve` and `gov waive`. Thin: the library does the work.

Exit codes of `gov check`: 0 deployable, 1 blocked, 2 usage or input error, 3 internal or
configuration error. Only typer and the standard library are imported at module level.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from governance.gate.report import CheckReport

# The services name fields; the CLI spells them as its options.
CLI_FIELDS = {
    "as": "--as",
    "role": "--role",
    "digest": "--digest",
    "reason": "--reason",
    "ticket": "--ticket",
    "expires_at": "--expires",
    "model_glob": "--model",
    "version": "--version",
    "target": "--target",
    "policy_id": "POLICY_ID",
}
POLICIES_HELP = (
    "Policy folder (default: $GOV_POLICY_DIR, else `policies` in the nearest gov.toml or [tool.gov] of "
    "pyproject.toml upward from here, else the default pack shipped with gov)."
)


def policy_dir(option: Path | None) -> Path:
    """--policies, else GOV_POLICY_DIR, else gov.toml / pyproject.toml, else the shipped default pack."""
    from governance.gate.policy_source import resolve_policy_source

    return resolve_policy_source(option).path


def check(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Version (or alias)."),
    target: str = typer.Option(..., "--target", "-t", help="Target environment, e.g. staging or production."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json | sarif | junit"),
    output: Path = typer.Option(None, "--output", "-o", help="Write the report here instead of stdout."),
    policies: Path = typer.Option(None, "--policies", help=POLICIES_HELP),
    as_user: str = typer.Option(None, "--as", help="Who asks (default: GOV_USER or the OS user)."),
    sarif_include_pass: bool = typer.Option(
        False, "--sarif-include-pass", help="Keep passing results in SARIF (left out: GitHub alerts on every result)."
    ),
    server: str = typer.Option(
        None,
        "--server",
        envvar="GOV_SERVER",
        help="Run the check on this `gov serve` (token in GOV_TOKEN) instead of locally.",
    ),
) -> None:
    """Evaluate every policy for MODEL VERSION deployed to --target; store the decision; exit 0 or 1."""
    from governance.gate.render import outputter

    renderer = outputter(fmt)  # a bad --format fails before anything is evaluated or stored
    if sarif_include_pass:
        if fmt != "sarif":
            from governance.errors import InputError

            raise InputError("only applies to --format sarif", where="--sarif-include-pass")
        renderer = outputter(fmt, include_pass=True)
    if server:
        report = _remote(server, model, version, target, policies, as_user)
    else:
        from governance.errors import spelled
        from governance.gate.policy_source import resolve_policy_source
        from governance.gate.service import run_check
        from governance.identity import current_user
        from governance.store.db import write_scope
        from governance.store.migrate import open_store

        source = resolve_policy_source(policies)
        store = open_store()
        # Pending fairness intervals of this version first, outside the write transaction (cheap when none).
        from governance.evidence.queries import complete_pending_intervals

        complete_pending_intervals(store, model, version)
        # The write lock from the first read (SQLite), as the server's checks: decision + ledger entry atomic.
        with spelled(CLI_FIELDS), write_scope(store) as session:
            report = run_check(
                session,
                model,
                version,
                target,
                policy_dir=source.path,
                requested_by=as_user or current_user(),
                ci_env=dict(os.environ),
                policy_source=source.describe(),
            )
    text = renderer.render(report)
    used = f"policies: {report.policy_source}" if report.policy_source else ""
    if output is None:
        if fmt != "text" and used:  # text shows it in the report; stdout stays machine-readable
            typer.echo(used, err=True)
        typer.echo(text, nl=False)
    else:
        _write(output, text)
        state = "deployable" if report.deployable else f"BLOCKED by {', '.join(o.policy_id for o in report.blocking)}"
        summary = f"{state}; decision {report.decision_id}; {fmt} report written to {output}"
        typer.echo(f"{summary}; {used}" if used else summary, err=True)
    raise typer.Exit(report.exit_code)


def _remote(
    server: str, model: str, version: str, target: str, policies: Path | None, as_user: str | None
) -> CheckReport:
    from governance.errors import InputError
    from governance.gate.remote import remote_check
    from governance.identity import ci_context

    if policies is not None or as_user is not None:
        raise InputError(
            "with --server the server's policies apply and its token names who asks",
            where="--policies" if policies is not None else "--as",
        )
    return remote_check(server, os.environ.get("GOV_TOKEN"), model, version, target, ci_context())


def _write(path: Path, text: str) -> None:
    from governance.errors import InputError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", where=str(path)) from exc


def approve(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Version (or alias)."),
    role: str = typer.Option(..., "--role", "-r", help="The role you approve in, e.g. model-risk-officer."),
    as_user: str = typer.Option(None, "--as", help="Approver (default: GOV_USER or the OS user)."),
    digest: str = typer.Option(None, "--digest", help="The artifact digest you reviewed; refused if it differs."),
    comment: str = typer.Option(None, "--comment", help="Free text kept with the approval."),
    policies: Path = typer.Option(None, "--policies", help=POLICIES_HELP),
) -> None:
    """Approve MODEL VERSION as --role: records who, when and the artifact digest approved.

    Refused (exit 2) when you created the version or authored its training run (separation of duties),
    or when no policy names the role."""
    from governance.approvals.records import approve as record
    from governance.errors import spelled
    from governance.identity import current_user
    from governance.policy.loader import load_bundle
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import iso

    with spelled(CLI_FIELDS):
        bundle = load_bundle(policy_dir(policies))
        with session_scope(open_store()) as session:
            receipt = record(
                session,
                model,
                version,
                role,
                approver=as_user or current_user(),
                digest=digest,
                comment=comment,
                policies=bundle.policies,
            )
    a = receipt.approval
    typer.echo(
        f"approval {a.id}: {a.approver} approved {receipt.model} {receipt.version} as {a.role} "
        f"({a.artifact_digest}) at {iso(a.created_at)}"
    )


def waive(
    policy_id: str = typer.Argument(..., help="Id of the policy to waive."),
    reason: str = typer.Option(..., "--reason", help="Why the risk is accepted."),
    ticket: str = typer.Option(..., "--ticket", help="Change or risk-acceptance ticket."),
    expires: str = typer.Option(..., "--expires", help="ISO date/time, or a duration from now such as P30D."),
    model: str = typer.Option("*", "--model", help="Model name; a glob only if the policy's waiver_scope is any."),
    version: str = typer.Option(None, "--version", help="Version; needed unless waiver_scope is model or any."),
    target: str = typer.Option(None, "--target", help="Target glob (default: every target)."),
    as_user: str = typer.Option(None, "--as", help="Approver of the waiver (default: GOV_USER or the OS user)."),
    policies: Path = typer.Option(None, "--policies", help=POLICIES_HELP),
) -> None:
    """Waive one policy for a scope until --expires; it appears in every output of every check it covers."""
    from governance.approvals.records import waive as record
    from governance.errors import spelled
    from governance.identity import current_user
    from governance.policy.loader import load_bundle
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import iso

    with spelled(CLI_FIELDS):
        bundle = load_bundle(policy_dir(policies))
        with session_scope(open_store()) as session:
            row = record(
                session,
                policy_id,
                reason=reason,
                ticket=ticket,
                approver=as_user or current_user(),
                expires_at=_expiry(expires),
                model_glob=model,
                version=version,
                target=target,
                policies=bundle.policies,
            )
    typer.echo(
        f"waiver {row.id}: {policy_id} waived for {row.model_glob}"
        f"{' ' + row.version if row.version else ''} on {row.target or 'every target'} "
        f"until {iso(row.expires_at)} ({row.ticket}, approved by {row.approver})"
    )
    if row.needs_cosign:
        typer.echo(
            f"waiver {row.id} is not in force yet: {policy_id} is critical or not waivable alone; a second "
            f"person must run `gov policy cosign-waiver {row.id}`",
            err=True,
        )


def _expiry(text: str) -> datetime:
    from governance.errors import InputError
    from governance.policy.durations import parse_duration
    from governance.timeutil import parse_timestamp, utcnow

    if text.strip().upper().startswith("P"):
        try:
            return utcnow() + parse_duration(text.strip().upper())
        except ValueError as exc:
            raise InputError(str(exc), where="--expires") from exc
    try:
        return parse_timestamp(text, field="--expires")
    except InputError as exc:
        raise InputError(exc.message, where="--expires", hint="e.g. 2027-03-31 or P30D") from exc


def register(app: typer.Typer) -> None:
    """Add the top-level commands to `gov`."""
    app.command("check")(check)
    app.command("approve")(approve)
    app.command("waive")(waive)
