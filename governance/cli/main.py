"""The `gov` command. Thin: parses arguments, calls service functions, translates errors once.

Sub-command modules import only typer at module level so `gov --help` stays fast; each command
imports what it needs when it runs.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

app = typer.Typer(
    name="gov",
    help="ML governance and audit: lineage, registry, fairness evidence, policy gate, signed reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich's renderer costs ~0.4 s per `gov --help`
)

# (module, attribute, name): sub-command groups. Each module defines a typer.Typer named `app`.
GROUPS: list[tuple[str, str]] = [
    ("governance.cli.db", "db"),
    ("governance.cli.lineage", "lineage"),
    ("governance.cli.registry", "registry"),
    ("governance.cli.evidence", "evidence"),
    ("governance.cli.ledger", "ledger"),
    ("governance.cli.token", "token"),
    ("governance.cli.policy", "policy"),
    ("governance.cli.decision", "decision"),
    ("governance.cli.finding", "finding"),
    ("governance.cli.report", "report"),
    ("governance.cli.keys", "keys"),
]
# Modules that add top-level commands to `app` through a `register(app)` function.
COMMAND_MODULES: list[str] = [
    "governance.cli.serve",
    "governance.cli.demo",
    "governance.cli.check",
    "governance.cli.verify",
]


_BUILT: list[bool] = []


def _build() -> None:
    if _BUILT:
        return
    _BUILT.append(True)
    for module_name, group in GROUPS:
        module = importlib.import_module(module_name)
        app.add_typer(module.app, name=group)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(app)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the tool version and exit."),
) -> None:
    if version:
        from governance import __version__

        typer.echo(f"gov {__version__}")
        raise typer.Exit(0)


# How the CLI spells the fields that services name in an error's `where` (governance.errors: services
# name fields, each face spells them). A command may re-spell a field first (governance.errors.spelled).
CLI_FIELDS = {
    "tsa_url": "--tsa",
    "ltv_roots": "--ltv-root",
    "favorable_meaning": "--favorable-meaning",
    "artifact_digest": "--digest",
    "as": "--as",
    "before": "--before",
    "bootstrap": "--bootstrap",
    "confidence": "--confidence",
    "data": "--data",
    "depth": "--depth",
    "digest": "--digest",
    "expires_at": "--expires",
    "favorable": "--favorable",
    "format": "--format",
    "key/cert": "--key/--cert",
    "min_group_size": "--min-group-size",
    "name": "--name",
    "period": "--period",
    "policies": "--policies",
    "predicted_favorable": "--predicted-favorable",
    "privileged": "--privileged",
    "query": "--query",
    "risk_tier": "--risk-tier",
    "role": "--role",
    "seed": "--seed",
    "sensitive": "--sensitive",
    "server": "--server",
    "target": "--target",
    "training_run_id": "--training-run",
}


def run() -> None:
    """Console-script entry point: every user mistake is one line on stderr and exit 2; never a traceback."""
    from governance.errors import GovernanceError

    _build()
    try:
        rc = app(standalone_mode=False)
    except GovernanceError as exc:
        exc.where = CLI_FIELDS.get(exc.where or "", exc.where)
        typer.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the edge: anything else is an internal error, exit 3
        # typer >= 0.16 raises its vendored click's exceptions (typer._click), not click's: match by name.
        bases = {cls.__name__ for cls in type(exc).__mro__}
        if "ClickException" in bases:
            exc.show()  # type: ignore[attr-defined]
            sys.exit(2 if "UsageError" in bases else exc.exit_code)  # type: ignore[attr-defined]
        if os.environ.get("GOV_DEBUG"):
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc} (set GOV_DEBUG=1 for a traceback)", err=True)
        sys.exit(3)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    run()
