"""`gov verify FILE.pdf`: offline verification of a signed report and its attestation.

Exit codes: 0 verified, 1 verification failed, 2 unreadable input (PDF, attestation or trust root).
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


def verify(
    pdf: Path = typer.Argument(..., help="The signed report (PDF)."),
    trust_root: list[Path] = typer.Option(
        [],
        "--trust-root",
        help="Certificate (PEM/DER) the signer must chain to; repeatable. Default: GOV_HOME/keys certificate.",
    ),
    attestation: Path = typer.Option(
        None, "--attestation", help="The in-toto attestation (default FILE.pdf.intoto.jsonl)."
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Check the signature covers the whole file, the signer chains to a trust root, the embedded results match
    their attested digest, and the attestation names this PDF and its policy bundle."""
    import json

    from governance.errors import ConfigError, InputError
    from governance.signing.keys import CERT_FILE, default_key_dir
    from governance.signing.verify import verify_report

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}", where="--format", hint="text or json")
    roots = list(trust_root)
    if not roots:
        local = default_key_dir() / CERT_FILE
        if not local.is_file():
            raise InputError(
                "no trust root given and no local evaluation certificate",
                where="--trust-root",
                hint=f"pass --trust-root SIGNER-CERT.pem (or run `gov keys init`: {local})",
            )
        roots = [local]
    try:
        result = verify_report(pdf, trust_roots=roots, attestation_path=attestation)
    except ConfigError as exc:  # an unreadable trust root is unreadable input here: exit 2
        raise InputError(exc.message, where=exc.where, hint=exc.hint) from exc
    if fmt == "json":
        typer.echo(json.dumps({**result.to_dict(), "trust_roots": [str(r) for r in roots]}, indent=2))
    else:
        for check in result.checks:
            typer.echo(f"  {'PASS' if check.passed else 'FAIL'}  {check.name:<16} {check.message}")
        who = f" signed by {result.signer}" if result.signer else ""
        when = f" at {result.signed_at.isoformat()}" if result.signed_at else ""
        if result.ok:
            typer.echo(f"VERIFIED: {pdf}{who}{when}; trust roots: {', '.join(str(r) for r in roots)}")
        else:
            failed = [c.name for c in result.checks if not c.passed]
            typer.echo(
                f"VERIFICATION FAILED: {pdf}: {len(failed)} of {len(result.checks)} checks failed ({', '.join(failed)})"
            )
    raise typer.Exit(0 if result.ok else 1)
