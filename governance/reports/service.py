"""The report services the CLI and the demo call: build the report model, render it, write PDF/A-3 (signed or
not, results JSON embedded), HTML, JSON or CSV. Signing goes through `governance.signing` only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from governance.errors import ConfigError, InputError
from governance.period import Period
from governance.reports.publish import atomic_write

RESULTS_NAME = "results.json"


@dataclass(frozen=True)
class SignOptions:
    """Where the signing identity comes from: a PKCS#12 file, a PEM key and certificate, or the key folder
    `gov keys init` wrote (default GOV_HOME/keys)."""

    key_dir: Path | None = None
    key: Path | None = None
    cert: Path | None = None
    pkcs12: Path | None = None
    passphrase: str | None = None
    signer_name: str | None = None
    reason: str = "Model governance audit: results attested by the signer"
    location: str = "gov"
    tsa_url: str | None = None  # RFC 3161 timestamp authority (PAdES B-T)
    ltv: bool = False  # embed validation data (PAdES B-LT); needs tsa_url
    ltv_roots: tuple[Path, ...] = ()  # extra roots for --ltv (the TSA's, a CA's), besides the signer's own


@dataclass
class Written:
    """One written report and the digests and timings that go with it."""

    path: Path
    format: str
    signed: bool = False
    attestation: Path | None = None
    file_sha256: str = ""
    results_sha256: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


def load_signer_from(opts: SignOptions) -> Any:
    """The Signer the options name (ConfigError when it cannot be loaded)."""
    from governance.signing.keys import CERT_FILE, KEY_FILE, default_key_dir, load_pkcs12, load_signer

    if opts.pkcs12 is not None:
        return load_pkcs12(opts.pkcs12, opts.passphrase)
    if (opts.key is None) != (opts.cert is None):
        raise InputError("give both the signing key and its certificate, or neither", where="key/cert")
    if opts.key is not None and opts.cert is not None:
        return load_signer(opts.key, opts.cert, opts.passphrase)
    folder = opts.key_dir or default_key_dir()
    if not (folder / KEY_FILE).exists():
        raise ConfigError(f"no signing key in {folder}", hint="run `gov keys init`, or pass --key/--cert or --pkcs12")
    return load_signer(folder / KEY_FILE, folder / CERT_FILE, opts.passphrase)


def write_document(
    html: str,
    results: bytes,
    *,
    out: Path,
    fmt: str,
    title: str,
    subject: str,
    policy_bundle_digest: str | None,
    generated_at: datetime,
    sign: SignOptions | None,
    base_url: str | None = None,
    report_kind: str = "audit",
) -> Written:
    """Write `html` as PDF/A-3b with `results` embedded (PAdES-signed with an attestation when `sign`), or the
    HTML, or the results JSON itself."""
    from governance.digest import bytes_sha256

    if fmt == "json":
        atomic_write(out, results)
        return Written(out, fmt, file_sha256=bytes_sha256(results), results_sha256=bytes_sha256(results))
    if fmt == "html":
        data = html.encode("utf-8")
        atomic_write(out, data)
        return Written(out, fmt, file_sha256=bytes_sha256(data), results_sha256=bytes_sha256(results))
    if fmt != "pdf":
        raise InputError(f"unknown format {fmt!r}", where="format")
    from governance.reports.pdf import Attachment, PdfMetadata, render_pdf

    metadata = PdfMetadata(
        title=title,
        author="gov",
        subject=subject,
        keywords=("audit", "governance", "gov"),
        lang="en",
        created=generated_at,
    )
    if sign is None:
        started = time.perf_counter()
        pdf = render_pdf(
            html,
            base_url=base_url,
            metadata=metadata,
            attachments=[Attachment(name=RESULTS_NAME, data=results, description="Machine-readable results")],
        )
        rendered = time.perf_counter() - started
        atomic_write(out, pdf)
        return Written(
            out, fmt, file_sha256=bytes_sha256(pdf), results_sha256=bytes_sha256(results), seconds={"render": rendered}
        )
    if not policy_bundle_digest:
        raise ConfigError("a signed report attests its policy bundle, and none is known", hint="pass --policies DIR")
    from governance.reports.publish import publish_report

    signer = load_signer_from(sign)
    started = time.perf_counter()
    ltv_roots = None
    if sign.ltv:
        from governance.signing.keys import load_certificates
        from governance.signing.pdf import ltv_trust_roots

        ltv_roots = ltv_trust_roots(signer, [c for p in sign.ltv_roots for c in load_certificates(p)])
    published = publish_report(
        html,
        out_pdf=out,
        results_json=results,
        policy_bundle_sha256=policy_bundle_digest,
        signer=signer,
        metadata=metadata,
        base_url=base_url,
        reason=sign.reason,
        location=sign.location,
        signer_name=sign.signer_name,
        results_name=RESULTS_NAME,
        generated_at=generated_at,
        report_kind=report_kind,
        tsa_url=sign.tsa_url,
        ltv_roots=ltv_roots,
    )
    return Written(
        out,
        fmt,
        signed=True,
        attestation=published.attestation,
        file_sha256="sha256:" + published.pdf_sha256,
        results_sha256="sha256:" + published.results_sha256,
        seconds={"render_and_sign": time.perf_counter() - started},
    )


def audit_report(
    session: Session,
    *,
    model_glob: str,
    period: Period,
    policy_dir: Path,
    out: Path,
    fmt: str = "pdf",
    sign: SignOptions | None = None,
    trust_cert: Path | None = None,
    now: datetime,
    templates: Path | None = None,
    validator: str | None = None,
) -> Written:
    """Build, render and write the audit report. `validator` names the person whose conclusions and sign-off
    the report carries (default: the signer name given for the signature, else not named)."""
    from governance.reports.model import build_audit_model
    from governance.reports.render import render_audit_html

    started = time.perf_counter()
    named = validator or (sign.signer_name if sign is not None else None)
    report = build_audit_model(
        session,
        model_glob=model_glob,
        period=period,
        policy_dir=policy_dir,
        now=now,
        trust_cert=trust_cert,
        validator=named.strip() if named and named.strip() else None,
    )
    built = time.perf_counter()
    html = render_audit_html(report, templates=templates) if fmt != "json" else ""
    templated = time.perf_counter()
    written = write_document(
        html,
        report.to_json(),
        out=out,
        fmt=fmt,
        title=report.meta.title,
        subject=f"models {model_glob}, {period.label()}: {report.meta.overall_text}",
        policy_bundle_digest=report.meta.policy_bundle_digest,
        generated_at=now,
        sign=sign,
    )
    written.seconds = {"model": built - started, "html": templated - built, **written.seconds}
    return written


def _meta(now: datetime, model_glob: str, bundle_digest: str | None) -> dict[str, Any]:
    from governance import __version__
    from governance.identity import current_user

    return {
        "generated_at": now,
        "generated_by": current_user(),
        "tool_version": __version__,
        "model_glob": model_glob,
        "policy_bundle_digest": bundle_digest,
    }


def bundle_digest(policy_dir: Path | None) -> str | None:
    """The policy bundle's digest, or None without a policy folder."""
    if policy_dir is None:
        return None
    from governance.policy.loader import load_bundle

    return load_bundle(policy_dir).digest


def scorecard_report(
    session: Session,
    *,
    model_glob: str,
    period: Period,
    out: Path,
    fmt: str = "pdf",
    policy_dir: Path | None = None,
    sign: SignOptions | None = None,
    now: datetime,
    templates: Path | None = None,
) -> Written:
    """Build and write the maturity scorecard (PDF, HTML or JSON)."""
    import json

    from governance.reports.render import render_scorecard_html
    from governance.scorecard.build import build_scorecard

    card = build_scorecard(session, model_glob=model_glob, period=period, now=now)
    meta = _meta(now, model_glob, bundle_digest(policy_dir))
    doc = {
        **card.to_dict(),
        "tool": {"name": "gov", "version": meta["tool_version"]},
        "generated_at": meta["generated_at"].isoformat(),
        "model_glob": model_glob,
        "policy_bundle": {"digest": meta["policy_bundle_digest"]},
    }
    results = (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    html = render_scorecard_html(card, meta, templates=templates) if fmt != "json" else ""
    return write_document(
        html,
        results,
        out=out,
        fmt=fmt,
        title="ML maturity scorecard",
        report_kind="scorecard",
        subject=f"models {model_glob}, {period.label()}",
        sign=sign,
        policy_bundle_digest=meta["policy_bundle_digest"],
        generated_at=now,
    )


def _attested_csv(
    data: bytes, *, out: Path, sign: SignOptions, policy_bundle_digest: str | None, generated_at: datetime
) -> Written:
    """Write the CSV export and its DSSE attestation beside it (`<out>.intoto.jsonl`), as for the PDFs."""
    from governance.digest import bytes_sha256
    from governance.signing.attest import attest_file, default_attestation_path, write_attestation

    if not policy_bundle_digest:
        raise ConfigError("a signed export attests its policy bundle, and none is known", hint="pass --policies DIR")
    signer = load_signer_from(sign)
    envelope = attest_file(
        data,
        name=out.name,
        media_type="text/csv",
        policy_bundle_sha256=policy_bundle_digest,
        signer=signer,
        generated_at=generated_at,
        report_kind="blocked",
    )
    atomic_write(out, data)
    attestation = write_attestation(envelope, default_attestation_path(out))
    return Written(out, "csv", signed=True, attestation=attestation, file_sha256=bytes_sha256(data))


def blocked_report(
    session: Session,
    *,
    model_glob: str,
    period: Period,
    out: Path,
    fmt: str = "pdf",
    policy_dir: Path | None = None,
    sign: SignOptions | None = None,
    trust_cert: Path | None = None,
    now: datetime,
    templates: Path | None = None,
) -> Written:
    """Build and write the register of blocked deployments (PDF, HTML, JSON or CSV)."""
    from governance.digest import bytes_sha256
    from governance.reports.blocked import build_blocked_register
    from governance.reports.render import render_blocked_html

    digest = bundle_digest(policy_dir)
    register = build_blocked_register(
        session, period=period, model_glob=model_glob, trust_cert=trust_cert, policy_bundle_digest=digest, now=now
    )
    if fmt == "csv":
        data = register.to_csv().encode("utf-8")
        if sign is None:
            atomic_write(out, data)
            return Written(out, fmt, file_sha256=bytes_sha256(data))
        return _attested_csv(data, out=out, sign=sign, policy_bundle_digest=digest, generated_at=now)
    html = render_blocked_html(register, _meta(now, model_glob, digest), templates=templates) if fmt != "json" else ""
    return write_document(
        html,
        register.to_json(),
        out=out,
        fmt=fmt,
        title="Register of blocked deployments",
        report_kind="blocked",
        subject=f"models {model_glob}, {period.label()}",
        sign=sign,
        policy_bundle_digest=digest,
        generated_at=now,
    )
