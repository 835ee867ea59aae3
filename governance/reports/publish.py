"""One call from HTML + results to a signed PDF/A-3 report with its attestation beside it."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.reports.pdf import Attachment, PdfMetadata, render_pdf
from governance.signing.attest import attest_report, default_attestation_path, write_attestation
from governance.signing.keys import Signer
from governance.signing.pdf import sign_pdf

RESULTS_NAME = "results.json"


@dataclass(frozen=True)
class PublishedReport:
    """Where the report went and the digests it was published under."""

    pdf: Path
    attestation: Path
    pdf_sha256: str
    results_sha256: str


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename: readers (and `gov verify`) never see a
    half-written report, PDF or export."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}", where=str(path)) from exc


def publish_report(
    html: str,
    *,
    out_pdf: Path,
    results_json: bytes,
    policy_bundle_sha256: str,
    signer: Signer,
    metadata: PdfMetadata,
    base_url: str | None = None,
    reason: str = "Model evaluation audit report",
    location: str = "gov",
    signer_name: str | None = None,
    results_name: str = RESULTS_NAME,
    policy_bundle_name: str = "policy-bundle",
    generated_at: dt.datetime | None = None,
    report_kind: str = "audit",
    tsa_url: str | None = None,
    ltv_roots: list[Any] | None = None,
) -> PublishedReport:
    """Render `html` to PDF/A-3b with `results_json` embedded, sign it (PAdES), write it to
    `out_pdf`, and write the DSSE/in-toto attestation to `<out_pdf>.intoto.jsonl`.

    `results_json` should record the policy bundle digest as `policy_bundle.digest` so that
    `verify_report` can tie the attestation to the results. The signature certifies the document (DocMDP);
    `tsa_url` and `ltv_roots` add a timestamp (B-T) and validation data (B-LT), see `sign_pdf`.
    """
    from governance.signing.attest import sha256_hex

    pdf = render_pdf(
        html,
        base_url=base_url,
        attachments=[Attachment(name=results_name, data=results_json, description="Evaluation results")],
        metadata=metadata,
    )
    signed = sign_pdf(
        pdf,
        signer,
        reason=reason,
        location=location,
        signer_name=signer_name or signer.certificate.subject.rfc4514_string(),
        tsa_url=tsa_url,
        ltv_roots=ltv_roots,
    )
    envelope = attest_report(
        signed,
        pdf_name=out_pdf.name,
        results_json=results_json,
        results_name=results_name,
        policy_bundle_sha256=policy_bundle_sha256,
        signer=signer,
        policy_bundle_name=policy_bundle_name,
        generated_at=generated_at,
        report_kind=report_kind,
    )
    atomic_write(out_pdf, signed)
    attestation = write_attestation(envelope, default_attestation_path(out_pdf))
    return PublishedReport(
        pdf=out_pdf,
        attestation=attestation,
        pdf_sha256=sha256_hex(signed),
        results_sha256=sha256_hex(results_json),
    )
