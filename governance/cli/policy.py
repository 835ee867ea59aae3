"""`gov policy`: test, lint and show policy bundles; list and revoke waivers."""

from __future__ import annotations

from pathlib import Path

import typer

from governance.cli.check import POLICIES_HELP, policy_dir

app = typer.Typer(help="Policy-as-code: tests, lint, the policies in force, waivers.", no_args_is_help=True)


def _print_problems(problems: list, prefix: str = "error") -> None:  # type: ignore[type-arg]
    for problem in problems:
        typer.echo(f"{prefix}: {problem}", err=True)


@app.command("test")
def test_policies(
    directory: Path = typer.Argument(..., help="Policy folder with *_test.yaml files."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print passing cases too."),
) -> None:
    """Run the *_test.yaml cases under DIR (like `opa test`). Exit 0 all pass, 1 a case failed, 2 bad input."""
    from governance.errors import InputError
    from governance.policy.loader import PolicyLoadError, load_bundle
    from governance.policy.testing import run_tests

    if not directory.is_dir():
        raise InputError(f"{directory} is not a folder", where="DIR")
    try:
        bundle = load_bundle(directory)
    except PolicyLoadError as exc:
        _print_problems(exc.problems)
        raise typer.Exit(2) from exc
    run = run_tests(directory, bundle)
    _print_problems(list(run.problems))
    for result in run.results:
        if not result.passed:
            typer.echo(f"FAIL {result.file}:{result.line}: {result.name}")
            for failure in result.failures:
                typer.echo(f"     {failure}")
        elif verbose:
            typer.echo(f"PASS {result.file}:{result.line}: {result.name}")
    failed = sum(1 for r in run.results if not r.passed)
    typer.echo(
        f"{len(run.results) - failed}/{len(run.results)} case(s) passed"
        + (f", {len(run.problems)} problem(s) in test files" if run.problems else "")
    )
    raise typer.Exit(2 if run.problems else 1 if failed else 0)


@app.command("lint")
def lint_policies(
    directory: Path = typer.Argument(..., help="Policy folder."),
    frameworks: Path = typer.Option(
        None, "--frameworks", help="Crosswalk folder (default: DIR/frameworks or the frameworks folder beside DIR)."
    ),
) -> None:
    """Report every problem of the policies under DIR with file:line. Exit 0 clean, 1 problems found."""
    from governance.policy.lint import lint

    report = lint(directory, frameworks)
    _print_problems(list(report.errors))
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"{report.policies} policies, {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    raise typer.Exit(0 if report.ok else 1)


@app.command("show")
def show(
    policy_id: str = typer.Argument(None, help="One policy (default: list them all)."),
    policies: Path = typer.Option(None, "--policies", help=POLICIES_HELP),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """The policies in force: id, kind, mode, severity, scope and controls; or one policy's document."""
    import json

    from governance.errors import NotFoundError
    from governance.policy.loader import load_bundle

    bundle = load_bundle(policy_dir(policies))
    chosen = bundle.policies
    if policy_id is not None:
        chosen = tuple(p for p in bundle.policies if p.id == policy_id)
        if not chosen:
            raise NotFoundError(f"no policy {policy_id!r} in {bundle.root}", hint="run `gov policy show`")
        if fmt != "json":
            typer.echo(bundle.documents[chosen[0].source], nl=False)
            return
    rows = [
        {
            "id": p.id,
            "version": p.version,
            "title": p.title,
            "kind": p.kind,
            "mode": p.mode.value,
            "severity": p.severity,
            "owner": p.owner,
            "scope": p.scope.to_dict(),
            "controls": list(p.controls),
            "source": p.source,
        }
        for p in chosen
    ]
    if fmt == "json":
        typer.echo(json.dumps({"root": bundle.root, "digest": bundle.digest, "policies": rows}, indent=2))
        return
    typer.echo(f"{bundle.root}: {len(rows)} policies, digest {bundle.digest}")
    for r in rows:
        typer.echo(f"  {r['id']:<40} {r['kind']:<20} {r['mode']:<8} {r['severity']:<9} {', '.join(r['controls'])}")


@app.command("waivers")
def waivers(
    show_all: bool = typer.Option(False, "--all", help="Include expired and revoked waivers."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Waivers in force (or all of them)."""
    import json

    from governance.approvals.records import list_waivers, waiver_status
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import iso, utcnow

    now = utcnow()
    with session_scope(open_store()) as session:
        rows = [
            {
                "id": w.id,
                "policy_id": w.policy_id,
                "model": w.model_glob,
                "version": w.version,
                "target": w.target,
                "reason": w.reason,
                "ticket": w.ticket,
                "approver": w.approver,
                "expires_at": iso(w.expires_at),
                "created_at": iso(w.created_at),
                "status": waiver_status(w, now),
            }
            for w in list_waivers(session, include_inactive=show_all, now=now)
        ]
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(
            f"#{r['id']} {r['policy_id']} {r['model']} {r['version'] or '*'} {r['target'] or '*'} "
            f"{r['status']} until {r['expires_at']} ({r['ticket']}, {r['approver']}): {r['reason']}"
        )
    if not rows:
        typer.echo("no waivers" + ("" if show_all else " in force"))


@app.command("revoke-waiver")
def revoke_waiver(
    waiver_id: int = typer.Argument(..., help="Waiver id."),
    as_user: str = typer.Option(None, "--as", help="Who revokes (default: GOV_USER or the OS user)."),
) -> None:
    """Revoke a waiver now; it stays on record."""
    from governance.approvals.records import revoke_waiver as revoke
    from governance.errors import spelled
    from governance.identity import current_user
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import iso

    with session_scope(open_store()) as session, spelled({"as": "--as"}):
        row = revoke(session, waiver_id, by=as_user or current_user())
    typer.echo(f"waiver {row.id} revoked at {iso(row.revoked_at)} by {row.revoked_by}")


@app.command("cosign-waiver")
def cosign_waiver(
    waiver_id: int = typer.Argument(..., help="Waiver id."),
    as_user: str = typer.Option(None, "--as", help="The second person (default: GOV_USER or the OS user)."),
) -> None:
    """Co-sign, as the second person, the waiver of a critical or non-waivable policy; it is in force from now."""
    from governance.approvals.records import cosign_waiver as cosign
    from governance.errors import spelled
    from governance.identity import current_user
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import iso

    with spelled({"as": "--as", "waiver_id": "WAIVER_ID"}), session_scope(open_store()) as session:
        row = cosign(session, waiver_id, by=as_user or current_user())
    typer.echo(
        f"waiver {row.id} co-signed at {iso(row.cosigned_at)} by {row.cosigned_by}: "
        f"in force until {iso(row.expires_at)}"
    )
