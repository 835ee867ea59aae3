"""`gov verify FILE`: offline verification of a signed report (PDF) or an attested export (the blocked
register's CSV), in plain words.

Exit codes: 0 verified; 1 verification failed (the file or its attestation was changed, the signature does
not match, or the signer is not trusted); 2 bad input (unreadable file, attestation or trust root);
4 cannot check: nothing failed, but something could not be checked (no attestation beside the file), which
is not a pass and not evidence of tampering either.
"""

from __future__ import annotations

from pathlib import Path

import typer

EXIT_FAILED = 1
EXIT_CANNOT_CHECK = 4  # 3 is taken: a configuration problem, across gov


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return True  # let verify_report report the unreadable file
    return b"%PDF-" in head or path.suffix.lower() == ".pdf"


def verify(
    pdf: Path = typer.Argument(..., help="The signed report (PDF), or an attested export (CSV)."),
    trust_root: list[Path] = typer.Option(
        [],
        "--trust-root",
        help="Certificate (PEM/DER) the signer (and the TSA) must chain to; repeatable. "
        "Default: GOV_HOME/keys certificate.",
    ),
    attestation: Path = typer.Option(
        None, "--attestation", help="The in-toto attestation (default FILE.intoto.jsonl)."
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Check the signature covers the whole file, the signer chains to a trust root, the timestamp if any, the
    embedded results match their attested digest, and the attestation names this file and its policy bundle.
    Says what went wrong in plain words. Exit 0 verified, 1 failed, 2 bad input, 4 cannot check."""
    import json

    from governance.errors import ConfigError, InputError
    from governance.signing.keys import CERT_FILE, default_key_dir
    from governance.signing.verify import verify_file, verify_report

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
    check = verify_report if _is_pdf(pdf) else verify_file
    try:
        result = check(pdf, trust_roots=roots, attestation_path=attestation)
    except ConfigError as exc:  # an unreadable trust root is unreadable input here: exit 2
        raise InputError(exc.message, where=exc.where, hint=exc.hint) from exc
    code = 0 if result.ok else (EXIT_CANNOT_CHECK if result.cannot_check else EXIT_FAILED)
    if fmt == "json":
        typer.echo(json.dumps({**result.to_dict(), "trust_roots": [str(r) for r in roots]}, indent=2))
        raise typer.Exit(code)
    for c in result.checks:
        mark = "PASS" if c.passed else ("----" if c.unchecked else "FAIL")
        typer.echo(f"  {mark}  {c.name:<16} {c.message}")
    for note in result.notes:
        typer.echo(f"  NOTE  {note}")
    who = f" signed by {result.signer}" if result.signer else ""
    when = f" at {result.signed_at.isoformat()}" if result.signed_at else ""
    stamp = f", timestamped {result.timestamped_at.isoformat()}" if result.timestamped_at else ""
    if result.ok:
        typer.echo(f"VERIFIED: {pdf}{who}{when}{stamp}; trust roots: {', '.join(str(r) for r in roots)}")
    elif result.cannot_check:
        typer.echo(f"CANNOT CHECK: {pdf}: nothing failed, but not everything could be checked:")
        for line in result.explain():
            typer.echo(f"  - {line}")
    else:
        typer.echo(f"VERIFICATION FAILED: {pdf}:")
        for line in result.explain():
            typer.echo(f"  - {line}")
    raise typer.Exit(code)
