"""`gov report`: the signed audit report, the maturity scorecard and the register of blocked deployments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from governance.reports.service import SignOptions

app = typer.Typer(
    help="Reports for compliance: audit report, maturity scorecard, blocked deployments.", no_args_is_help=True
)

MODEL_HELP = "Registered model names to include (a glob, default every model)."
PERIOD_HELP = "FROM..TO as ISO dates or timestamps (a date as TO includes that day; default the last 90 days)."
TSA_HELP = "RFC 3161 timestamp authority URL: timestamp the signature (PAdES B-T)."
LTV_HELP = "Embed validation data (certificates, OCSP, CRLs) for long-term validation (PAdES B-LT); needs --tsa."
LTV_ROOT_HELP = "Root certificate to validate against for --ltv (the TSA's root, your CA); repeatable."
POLICIES_HELP = (
    "Policy folder (default: $GOV_POLICY_DIR, else `policies` in the nearest gov.toml or [tool.gov] of "
    "pyproject.toml upward from here, else the default pack shipped with gov)."
)


def _policy_dir(option: Path | None) -> Path:
    """--policies, else GOV_POLICY_DIR, else gov.toml / pyproject.toml, else the shipped pack (as `gov check`)."""
    from governance.gate.policy_source import resolve_policy_source

    return resolve_policy_source(option).path


def _optional_policy_dir(option: Path | None, needed: bool) -> Path | None:
    """The policy folder when one is named, exists by default, or is needed (signing attests it)."""
    from governance.gate.policy_source import resolve_policy_source

    source = resolve_policy_source(option)
    return source.path if source.kind != "default" or needed or source.path.is_dir() else None


def _sign_options(
    sign: bool,
    fmt: str,
    key_dir: Path | None,
    key: Path | None,
    cert: Path | None,
    pkcs12: Path | None,
    signer_name: str | None,
    location: str | None,
    tsa: str | None = None,
    ltv: bool = False,
    ltv_roots: list[Path] | None = None,
    signable: tuple[str, ...] = ("pdf",),
) -> SignOptions | None:
    from governance.errors import InputError
    from governance.reports.service import SignOptions

    if sign and fmt not in signable:
        raise InputError(f"only a PDF can be signed, not {fmt}", where="--sign", hint="use --format pdf")
    if not sign:
        if key or cert or pkcs12 or tsa or ltv:
            raise InputError("a key, certificate, --tsa or --ltv was given without --sign", where="--sign")
        return None
    if (tsa or ltv) and fmt != "pdf":
        raise InputError("--tsa and --ltv apply to a signed PDF", where="--tsa", hint="use --format pdf")
    if tsa is not None and not tsa.startswith(("http://", "https://")):
        raise InputError(f"not an http(s) URL: {tsa!r}", where="--tsa")
    if ltv and not tsa:
        raise InputError("--ltv needs a timestamp: give --tsa URL too", where="--ltv")
    options = SignOptions(
        key_dir=key_dir,
        key=key,
        cert=cert,
        pkcs12=pkcs12,
        passphrase=os.environ.get("GOV_SIGNING_PASSPHRASE"),
        signer_name=signer_name,
        tsa_url=tsa,
        ltv=ltv,
        ltv_roots=tuple(ltv_roots or ()),
    )
    if location:
        from dataclasses import replace

        options = replace(options, location=location)
    return options


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    from governance.errors import InputError

    if fmt not in allowed:
        raise InputError(f"unknown format {fmt!r}", where="--format", hint=" | ".join(allowed))


def _output(out: Path | None, stem: str, fmt: str) -> Path | None:
    """--out, or STEM.FORMAT for documents; None (stdout) for JSON and CSV without --out."""
    if out is not None:
        return None if str(out) == "-" else out
    return None if fmt in ("json", "csv") else Path(f"{stem}.{fmt}")


def _finish(written, stdout: bool) -> None:  # type: ignore[no-untyped-def]
    if stdout:
        typer.echo(written.path.read_text(encoding="utf-8"), nl=False)
        written.path.unlink()
        return
    signed = f"; signed, attestation {written.attestation}" if written.signed else ""
    typer.echo(f"wrote {written.path} ({written.format}{signed})")
    if written.signed:
        typer.echo(f"verify: gov verify {written.path} --trust-root SIGNER-CERT.pem", err=True)


def _temp_out(fmt: str) -> Path:
    import tempfile

    fd, name = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(fd)
    return Path(name)


@app.command()
def audit(
    model: str = typer.Option("*", "--model", help=MODEL_HELP),
    period: str = typer.Option(None, "--period", help=PERIOD_HELP),
    out: Path = typer.Option(None, "--out", "-o", help="Output file (default audit-report.FORMAT; - for stdout)."),
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf | html | json"),
    sign: bool = typer.Option(False, "--sign", help="Sign the PDF (PAdES) and write an in-toto attestation beside it."),
    policies: Path = typer.Option(None, "--policies", help=POLICIES_HELP),
    key_dir: Path = typer.Option(None, "--key-dir", help="Folder of `gov keys init` (default GOV_HOME/keys)."),
    key: Path = typer.Option(None, "--key", help="Signing key (PEM or DER), with --cert."),
    cert: Path = typer.Option(None, "--cert", help="Signer certificate (PEM, chain allowed), with --key."),
    pkcs12: Path = typer.Option(
        None, "--pkcs12", help="Signing key and certificate as PKCS#12 (passphrase from GOV_SIGNING_PASSPHRASE)."
    ),
    signer_name: str = typer.Option(None, "--signer-name", help="Signer name shown in the signature."),
    location: str = typer.Option(None, "--location", help="Location shown in the signature."),
    tsa: str = typer.Option(None, "--tsa", help=TSA_HELP),
    ltv: bool = typer.Option(False, "--ltv", help=LTV_HELP),
    ltv_root: list[Path] = typer.Option([], "--ltv-root", help=LTV_ROOT_HELP),
    trust_cert: Path = typer.Option(
        None, "--ledger-trust-cert", help="Certificate that must have signed the ledger checkpoints."
    ),
    templates: Path = typer.Option(None, "--templates", help="Template folder (default reports/)."),
    validator: str = typer.Option(
        None,
        "--validator",
        help="Validator named in the conclusions and on the sign-off page (default: --signer-name, else not named).",
    ),
) -> None:
    """The audit report: page-1 answers, conclusions, verdicts, stage evidence, fairness, findings, sign-off."""
    from governance.period import parse_period
    from governance.reports.service import audit_report
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import utcnow

    _check_format(fmt, ("pdf", "html", "json"))
    now = utcnow()
    options = _sign_options(sign, fmt, key_dir, key, cert, pkcs12, signer_name, location, tsa, ltv, ltv_root)
    target = _output(out, "audit-report", fmt)
    with session_scope(open_store()) as session:
        written = audit_report(
            session,
            model_glob=model,
            period=parse_period(period, now=now),
            policy_dir=_policy_dir(policies),
            out=target or _temp_out(fmt),
            fmt=fmt,
            sign=options,
            trust_cert=trust_cert,
            now=now,
            templates=templates,
            validator=validator,
        )
    _finish(written, target is None)


@app.command()
def scorecard(
    model: str = typer.Option("*", "--model", help=MODEL_HELP),
    period: str = typer.Option(None, "--period", help=PERIOD_HELP),
    out: Path = typer.Option(None, "--out", "-o", help="Output file (default scorecard.FORMAT; JSON to stdout)."),
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf | html | json"),
    sign: bool = typer.Option(False, "--sign", help="Sign the PDF and write an attestation beside it."),
    policies: Path = typer.Option(None, "--policies", help=POLICIES_HELP + " Recorded and attested."),
    key_dir: Path = typer.Option(None, "--key-dir", help="Folder of `gov keys init` (default GOV_HOME/keys)."),
    key: Path = typer.Option(None, "--key", help="Signing key, with --cert."),
    cert: Path = typer.Option(None, "--cert", help="Signer certificate, with --key."),
    pkcs12: Path = typer.Option(None, "--pkcs12", help="Signing key and certificate as PKCS#12."),
    tsa: str = typer.Option(None, "--tsa", help=TSA_HELP),
    ltv: bool = typer.Option(False, "--ltv", help=LTV_HELP),
    ltv_root: list[Path] = typer.Option([], "--ltv-root", help=LTV_ROOT_HELP),
    templates: Path = typer.Option(None, "--templates", help="Template folder (default reports/)."),
) -> None:
    """Maturity levels 0-3 per model, team and organisation, with the evidence behind each criterion."""
    from governance.period import parse_period
    from governance.reports.service import scorecard_report
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import utcnow

    _check_format(fmt, ("pdf", "html", "json"))
    now = utcnow()
    options = _sign_options(sign, fmt, key_dir, key, cert, pkcs12, None, None, tsa, ltv, ltv_root)
    target = _output(out, "scorecard", fmt)
    with session_scope(open_store()) as session:
        written = scorecard_report(
            session,
            model_glob=model,
            period=parse_period(period, now=now),
            out=target or _temp_out(fmt),
            fmt=fmt,
            policy_dir=_optional_policy_dir(policies, sign),
            sign=options,
            now=now,
            templates=templates,
        )
    _finish(written, target is None)


@app.command()
def blocked(
    model: str = typer.Option("*", "--model", help=MODEL_HELP),
    period: str = typer.Option(None, "--period", help=PERIOD_HELP),
    out: Path = typer.Option(
        None, "--out", "-o", help="Output file (default blocked-register.FORMAT; JSON and CSV to stdout)."
    ),
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf | html | json | csv"),
    sign: bool = typer.Option(
        False, "--sign", help="Sign the PDF (or attest the CSV) and write an attestation beside it."
    ),
    policies: Path = typer.Option(None, "--policies", help=POLICIES_HELP + " Recorded and attested."),
    trust_cert: Path = typer.Option(
        None, "--trust-cert", help="Certificate that must have signed the ledger checkpoints."
    ),
    key_dir: Path = typer.Option(None, "--key-dir", help="Folder of `gov keys init` (default GOV_HOME/keys)."),
    key: Path = typer.Option(None, "--key", help="Signing key, with --cert."),
    cert: Path = typer.Option(None, "--cert", help="Signer certificate, with --key."),
    pkcs12: Path = typer.Option(None, "--pkcs12", help="Signing key and certificate as PKCS#12."),
    tsa: str = typer.Option(None, "--tsa", help=TSA_HELP),
    ltv: bool = typer.Option(False, "--ltv", help=LTV_HELP),
    ltv_root: list[Path] = typer.Option([], "--ltv-root", help=LTV_ROOT_HELP),
    templates: Path = typer.Option(None, "--templates", help="Template folder (default reports/)."),
) -> None:
    """Blocked deployments in the period, from the ledger, with the chain's verification and checkpoints."""
    from governance.period import parse_period
    from governance.reports.service import blocked_report
    from governance.store.db import session_scope
    from governance.store.migrate import open_store
    from governance.timeutil import utcnow

    _check_format(fmt, ("pdf", "html", "json", "csv"))
    now = utcnow()
    options = _sign_options(
        sign, fmt, key_dir, key, cert, pkcs12, None, None, tsa, ltv, ltv_root, signable=("pdf", "csv")
    )
    target = _output(out, "blocked-register", fmt)
    if options is not None and target is None:
        from governance.errors import InputError

        raise InputError("an attested CSV needs a file to sit beside", where="--out", hint="pass --out FILE.csv")
    with session_scope(open_store()) as session:
        written = blocked_report(
            session,
            model_glob=model,
            period=parse_period(period, now=now),
            out=target or _temp_out(fmt),
            fmt=fmt,
            policy_dir=_optional_policy_dir(policies, sign),
            sign=options,
            trust_cert=trust_cert,
            now=now,
            templates=templates,
        )
    _finish(written, target is None)
