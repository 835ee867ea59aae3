"""Verifying a signed audit report (a PDF) and its attestation offline."""

from __future__ import annotations

from pathlib import Path

from governance.errors import InputError
from governance.signing.attest import (
    ATTESTATION_SUFFIX,
    default_attestation_path,
)
from governance.signing.verify.attestation import _check_attestation
from governance.signing.verify.pdf_signature import _check_pdf_signature
from governance.signing.verify.result import VerifyResult
from governance.signing.verify.trust_roots import _load_roots


def _read_pdf(pdf_path: Path) -> bytes:
    try:
        data = pdf_path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read PDF: {exc.strerror}", where=str(pdf_path)) from exc
    if b"%PDF-" not in data[:1024]:
        raise InputError("not a PDF file (no %PDF- header)", where=str(pdf_path))
    return data


def verify_report(
    pdf_path: Path,
    *,
    trust_roots: list[Path],
    attestation_path: Path | None = None,
) -> VerifyResult:
    """Verify a signed report offline; see the package docstring (governance.signing.verify) for the checks.

    `attestation_path` defaults to `<pdf>.intoto.jsonl`; a missing default file is a failed check,
    an explicitly named file that cannot be read is an InputError. InputError also for an
    unreadable or non-PDF input; ConfigError for an unreadable trust-root file. A missing default
    attestation makes its checks `unchecked` ("cannot check the attestation"), not failed.
    """
    pdf_path = Path(pdf_path)
    data = _read_pdf(pdf_path)
    roots = _load_roots([Path(p) for p in trust_roots])
    explicit = attestation_path is not None
    path = Path(attestation_path) if attestation_path is not None else default_attestation_path(pdf_path)
    result = VerifyResult(pdf=pdf_path, attestation=path)
    signer_cert = _check_pdf_signature(result, data, roots)
    if not path.exists() and not explicit:
        message = f"cannot check the attestation (no {ATTESTATION_SUFFIX} beside the file; looked for {path.name})"
        for name in ("attestation", "subject_pdf", "subject_results", "policy_bundle"):
            result.add(name, False, message, unchecked=True)
        return result
    _check_attestation(result, data, signer_cert, path)
    return result
