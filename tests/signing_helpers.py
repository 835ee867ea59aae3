"""Shared by the signing tests: the sample results and report, publishing (PAdES + DSSE), poppler helpers.

Fixtures built from these live in tests/conftest_signing.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from governance.reports.pdf import Attachment, PdfMetadata, render_pdf
from governance.signing.attest import attest_report, default_attestation_path, write_attestation
from governance.signing.keys import Signer
from governance.signing.pdf import sign_pdf

POLICY_DIGEST = "sha256:" + hashlib.sha256(b"policy bundle v1").hexdigest()
HTML = """<!doctype html><html lang="en"><head><title>Audit</title>
<style>body { font-family: sans-serif; } h1 { color: #234; }</style></head>
<body><h1>Model audit report</h1><p>Model <b>credit-risk</b> v3: all policies passed.</p></body></html>"""

PDFSIG = shutil.which("pdfsig")
CERTUTIL = shutil.which("certutil")
needs_pdfsig = pytest.mark.skipif(PDFSIG is None, reason="pdfsig not installed (apt-get install poppler-utils)")


def results_json(policy_digest: str = POLICY_DIGEST, verdict: str = "pass") -> bytes:
    """The evaluation results a report embeds, as JSON bytes."""
    doc = {
        "model": "credit-risk",
        "version": 3,
        "verdict": verdict,
        "policy_bundle": {"digest": policy_digest},
    }
    return json.dumps(doc, indent=2).encode()


def render(results: bytes) -> bytes:
    """An unsigned PDF/A-3 report with `results` attached as results.json."""
    return render_pdf(
        HTML,
        base_url=None,
        attachments=[Attachment(name="results.json", data=results, description="Evaluation results")],
        metadata=PdfMetadata(title="Audit report: credit-risk v3", author="gov tests"),
    )


@dataclass
class Published:
    pdf: Path
    attestation: Path
    results: bytes
    cert: Path
    signer: Signer


def publish(folder: Path, signer: Signer, cert: Path, unsigned: bytes, results: bytes) -> Published:
    """Sign `unsigned` (PAdES) into folder/report.pdf and write its DSSE attestation beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    signed = sign_pdf(unsigned, signer, reason="audit", location="test", signer_name="gov tests")
    pdf = folder / "report.pdf"
    pdf.write_bytes(signed)
    envelope = attest_report(
        signed,
        pdf_name=pdf.name,
        results_json=results,
        results_name="results.json",
        policy_bundle_sha256=POLICY_DIGEST,
        signer=signer,
    )
    att = write_attestation(envelope, default_attestation_path(pdf))
    return Published(pdf=pdf, attestation=att, results=results, cert=cert, signer=signer)


def pdfsig(pdf: Path, nssdir: Path | None = None) -> str:
    """Poppler's pdfsig output for `pdf` (no OCSP; certificate checks only with an NSS db)."""
    assert PDFSIG is not None
    args = [PDFSIG, "-no-ocsp"]
    args += ["-nssdir", f"sql:{nssdir}"] if nssdir is not None else ["-nocert"]
    out = subprocess.run([*args, str(pdf)], capture_output=True, text=True, timeout=60)
    return out.stdout + out.stderr


def nss_db(folder: Path, trusted_cert: Path | None) -> Path:
    """A fresh NSS database in `folder`, trusting `trusted_cert` for signing when given."""
    assert CERTUTIL is not None
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([CERTUTIL, "-N", "-d", f"sql:{folder}", "--empty-password"], check=True, capture_output=True)
    if trusted_cert is not None:
        # ",P,": a trusted peer for email/document signing, NSS's usage for PDF signatures.
        subprocess.run(
            [CERTUTIL, "-A", "-d", f"sql:{folder}", "-n", "gov", "-t", ",P,", "-i", str(trusted_cert)],
            check=True,
            capture_output=True,
        )
    return folder


def failed_checks(result: object) -> set[str]:
    """Names of the checks a verification result failed."""
    return {c.name for c in result.checks if not c.passed}  # type: ignore[attr-defined]


def key_paths(p: object) -> tuple[Path, Path]:
    """(key, cert) of a KeyPaths, to splat into load_signer."""
    return p.key, p.cert  # type: ignore[attr-defined]


def add_annotations(src: bytes, pages: list[int]) -> bytes:
    """One incremental update adding a sticky note on each of `pages` (0-based), as a viewer would."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(src))
    kids = writer.root["/Pages"]["/Kids"]
    for index in pages:
        page_ref = kids.raw_get(index)
        page = page_ref.get_object()
        note = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Text"),
                generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(v) for v in (50, 50, 80, 80)]),
                generic.NameObject("/Contents"): generic.pdf_string("approved after all"),
                generic.NameObject("/P"): page_ref,
            }
        )
        annots = page.get("/Annots") or generic.ArrayObject()
        annots.append(writer.add_object(note))
        page[generic.NameObject("/Annots")] = annots
        writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
