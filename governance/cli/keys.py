"""`gov keys`: the key and certificate reports (and ledger checkpoints) are signed with."""

from __future__ import annotations

import os
from pathlib import Path

import typer

app = typer.Typer(
    help="Signing keys: create an evaluation key, import your own, show what is in use.", no_args_is_help=True
)
DIR_HELP = "Key folder (default GOV_HOME/keys)."


@app.command()
def init(
    folder: Path = typer.Option(None, "--dir", help=DIR_HELP),
    algorithm: str = typer.Option("ecdsa", "--algorithm", "-a", help="ecdsa (P-256) | rsa (3072 bits)."),
    common_name: str = typer.Option("gov evaluation signer", "--common-name", help="Certificate subject CN."),
    organization: str = typer.Option(None, "--organization", help="Certificate subject O."),
    days: int = typer.Option(825, "--days", help="Validity of the self-signed certificate."),
    import_pkcs12: Path = typer.Option(None, "--import-pkcs12", help="Import this PKCS#12 (.p12/.pfx) instead."),
    key: Path = typer.Option(None, "--key", help="Import this private key (PEM/DER), with --cert."),
    cert: Path = typer.Option(None, "--cert", help="Import this certificate (PEM, chain allowed), with --key."),
    force: bool = typer.Option(False, "--force", help="Replace an existing key."),
) -> None:
    """Create an evaluation key and self-signed certificate, or import an organisation's own.

    Passphrases come from GOV_SIGNING_PASSPHRASE (also used to encrypt the stored key when set).
    """
    from governance.errors import InputError

    passphrase = os.environ.get("GOV_SIGNING_PASSPHRASE") or None
    if algorithm not in ("ecdsa", "rsa"):
        raise InputError(f"unknown algorithm {algorithm!r}", where="--algorithm", hint="ecdsa or rsa")
    if (key is None) != (cert is None):
        raise InputError("give both --key and --cert", where="--key/--cert")
    if import_pkcs12 is not None or key is not None:
        from governance.signing.key_folder import import_signer
        from governance.signing.keys import load_pkcs12, load_signer

        if import_pkcs12 is not None and key is not None:
            raise InputError("import either --import-pkcs12 or --key/--cert, not both", where="--import-pkcs12")
        signer = (
            load_pkcs12(import_pkcs12, passphrase) if import_pkcs12 is not None else load_signer(key, cert, passphrase)
        )
        key_path, cert_path = import_signer(signer, folder, force=force, passphrase=passphrase)
        typer.echo(f"imported {signer.certificate.subject.rfc4514_string()} into {key_path.parent}")
    else:
        from typing import Literal, cast

        from governance.errors import ConfigError
        from governance.signing.keys import init_keys

        try:
            paths = init_keys(
                folder,
                algorithm=cast(Literal["ecdsa", "rsa"], algorithm),
                common_name=common_name,
                organization=organization,
                days=days,
                force=force,
                passphrase=passphrase,
            )
        except ConfigError as exc:
            if exc.hint and "force" in exc.hint:
                raise ConfigError(exc.message, where=exc.where, hint="pass --force to replace it") from exc
            raise
        key_path, cert_path = paths.key, paths.cert
        typer.echo(f"created a {algorithm.upper()} key and a self-signed certificate in {key_path.parent}")
    typer.echo(f"  key          {key_path} (keep it private)")
    typer.echo(f"  certificate  {cert_path} (give it to verifiers: gov verify REPORT.pdf --trust-root {cert_path})")


@app.command()
def show(
    folder: Path = typer.Option(None, "--dir", help=DIR_HELP),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """The signing key in use: subject, algorithm, key id, validity, files."""
    import json

    from governance.signing.key_folder import describe

    info = describe(folder, os.environ.get("GOV_SIGNING_PASSPHRASE") or None)
    if fmt == "json":
        typer.echo(json.dumps(info.to_dict(), indent=2))
        return
    kind = "self-signed" if info.self_signed else f"issued by {info.issuer}"
    typer.echo(f"subject      {info.subject} ({kind})")
    typer.echo(f"algorithm    {info.algorithm}")
    typer.echo(f"key id       {info.keyid}")
    typer.echo(f"valid        {info.not_before} .. {info.not_after}")
    typer.echo(f"chain        {info.chain} further certificate(s)")
    typer.echo(f"key          {info.key}")
    typer.echo(f"certificate  {info.cert}")
