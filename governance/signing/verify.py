"""Offline verification of a signed audit report and its in-toto attestation.

Checks, each reported pass/fail with one line (`VerifyResult.checks`):

* ``pdf_signature``  the PDF's last signature is intact and cryptographically valid.
* ``coverage``       that signature covers the ENTIRE file: no revision, not even an "allowed"
                     one, was appended after signing. Stricter than pyHanko's ENTIRE_REVISION +
                     diff policy on purpose: our reports are signed once and never amended.
* ``trust``          the signer certificate chains to one of the given trust roots (no network:
                     no fetching of certificates, CRLs or OCSP; validated at the current time).
* ``attestation``    the DSSE envelope verifies with the PDF signer certificate's key and holds our
                     in-toto Statement.
* ``subject_pdf``    the attested PDF digest equals the sha256 of the PDF file on disk.
* ``subject_results``the attested results digest equals the sha256 of the results JSON embedded in
                     the PDF (as a PDF/A-3 associated file).
* ``policy_bundle``  the attested policy-bundle digest equals the one the results JSON records
                     (``policy_bundle.digest`` or top-level ``policy_bundle_digest``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.signing.attest import (
    PREDICATE_TYPES,
    STATEMENT_TYPE,
    default_attestation_path,
    normalize_sha256,
    read_attestations,
    sha256_hex,
    verify_envelope,
)


@dataclass(frozen=True)
class Check:
    """One named verification step."""

    name: str
    passed: bool
    message: str


@dataclass
class VerifyResult:
    """All checks for one report; `ok` only when every check passed."""

    pdf: Path
    attestation: Path | None
    checks: list[Check] = field(default_factory=list)
    signer: str | None = None
    signed_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def add(self, name: str, passed: bool, message: str) -> None:
        self.checks.append(Check(name, passed, message))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "pdf": str(self.pdf),
            "attestation": str(self.attestation) if self.attestation else None,
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "checks": [{"name": c.name, "passed": c.passed, "message": c.message} for c in self.checks],
        }


def results_policy_digest(results: Any) -> str | None:
    """The policy-bundle digest a results document records, as hex, or None.

    Accepted forms: {"policy_bundle": {"digest": "sha256:<hex>" | {"sha256": "<hex>"}}} or
    {"policy_bundle_digest": "sha256:<hex>"}.
    """
    if not isinstance(results, dict):
        return None
    bundle = results.get("policy_bundle")
    value: Any = bundle.get("digest") if isinstance(bundle, dict) else None
    if value is None:
        value = results.get("policy_bundle_digest")
    if isinstance(value, dict):
        value = value.get("sha256")
    if not isinstance(value, str):
        return None
    try:
        return normalize_sha256(value)
    except InputError:
        return None


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    # pyHanko logs full tracebacks for every untrusted or broken signature; the checks already say
    # what failed in one line, so keep its loggers quiet for the duration of the validation.
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _read_pdf(pdf_path: Path) -> bytes:
    try:
        data = pdf_path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read PDF: {exc.strerror}", where=str(pdf_path)) from exc
    if b"%PDF-" not in data[:1024]:
        raise InputError("not a PDF file (no %PDF- header)", where=str(pdf_path))
    return data


def _load_roots(paths: list[Path]) -> list[Any]:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from governance.signing.keys import load_certificates

    roots = []
    for path in paths:
        for cert in load_certificates(path):
            roots.append(asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)))
    return roots


def _check_pdf_signature(result: VerifyResult, data: bytes, roots: list[Any]) -> Any:
    """Runs checks pdf_signature, coverage, trust; returns the signer certificate (asn1crypto) or None."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError) as exc:
        raise InputError(f"cannot parse PDF: {exc}", where=str(result.pdf)) from exc
    if not signatures:
        for name in ("pdf_signature", "coverage", "trust"):
            result.add(name, False, "the PDF carries no signature")
        return None
    sig = signatures[-1]
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    # Accept either key usage: our own certificates have both, bought ones often only one.
    usage = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)
    try:
        with _quiet_pyhanko():
            status = validate_pdf_signature(sig, context, key_usage_settings=usage)
    except (SignatureValidationError, PdfError, ValueError) as exc:
        for name in ("pdf_signature", "coverage", "trust"):
            result.add(name, False, f"signature cannot be validated: {exc}")
        return None
    cert = status.signing_cert
    result.signer = cert.subject.human_friendly
    result.signed_at = status.signer_reported_dt
    count = f" (last of {len(signatures)})" if len(signatures) > 1 else ""
    algo = f"{status.pkcs7_signature_mechanism}, {status.md_algorithm}"
    if status.intact and status.valid:
        result.add("pdf_signature", True, f"signature{count} intact and valid ({algo}) by {result.signer}")
    else:
        what = "document digest does not match" if not status.intact else "signature value does not verify"
        result.add("pdf_signature", False, f"signature{count} broken: {what}")
    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        result.add("coverage", True, "signature covers the entire file")
    else:
        name = coverage.name if coverage is not None else "UNKNOWN"
        result.add("coverage", False, f"signature does not cover the entire file (coverage {name})")
    if not roots:
        result.add("trust", False, "no trust roots given")
    elif not (status.intact and status.valid):
        result.add("trust", False, "trust not established: the signature itself is broken")
    elif status.trusted:
        path_ = status.validation_path
        anchor = path_.trust_anchor.authority.name.human_friendly if path_ is not None else "?"
        result.add("trust", True, f"signer certificate chains to trust root {anchor}")
    else:
        indic = status.trust_problem_indic
        problem = getattr(indic, "name", str(indic)) if indic is not None else "not trusted"
        result.add("trust", False, f"signer certificate does not chain to a given trust root ({problem})")
    return cert


def _fail_attestation(result: VerifyResult, message: str) -> None:
    for name in ("attestation", "subject_pdf", "subject_results", "policy_bundle"):
        result.add(name, False, message)


def _subject_digest(statement: dict[str, Any], name: str) -> str | None:
    for subject in statement.get("subject") or ():
        if isinstance(subject, dict) and subject.get("name") == name:
            digest = subject.get("digest")
            return str(digest.get("sha256", "")).lower() if isinstance(digest, dict) else None
    return None


def _check_attestation(result: VerifyResult, data: bytes, signer_cert: Any, path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    from governance.signing.keys import public_keyid
    from governance.signing.pdf import embedded_files

    if signer_cert is None:
        _fail_attestation(result, "no PDF signer certificate to verify the attestation with")
        return
    key = load_der_public_key(signer_cert.public_key.dump())
    envelopes = read_attestations(path)
    if not envelopes:
        _fail_attestation(result, f"no DSSE envelope in {path.name}")
        return
    outcome = None
    for envelope in envelopes:
        outcome = verify_envelope(envelope, key, keyid=public_keyid(key))  # type: ignore[arg-type]
        if outcome.ok and outcome.statement is not None:
            break
    assert outcome is not None
    statement = outcome.statement
    if not outcome.ok or statement is None:
        _fail_attestation(result, outcome.message)
        return
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") not in PREDICATE_TYPES.values():
        _fail_attestation(result, f"not a gov audit-report statement ({statement.get('predicateType')!r})")
        return
    result.add("attestation", True, outcome.message)
    predicate = statement.get("predicate") or {}

    pdf_name = (predicate.get("report") or {}).get("name")
    want = _subject_digest(statement, pdf_name) if pdf_name else None
    actual = sha256_hex(data)
    result.add(
        "subject_pdf",
        want == actual,
        f"PDF sha256 {actual[:16]}… matches the attestation"
        if want == actual
        else f"PDF sha256 {actual[:16]}… differs from attested {str(want)[:16]}…",
    )

    results_name = (predicate.get("results") or {}).get("name")
    want = _subject_digest(statement, results_name) if results_name else None
    files = {f.name: f for f in embedded_files(data)}
    embedded = files.get(results_name) if results_name else None
    results_doc: Any = None
    if embedded is None:
        result.add("subject_results", False, f"no embedded file {results_name!r} in the PDF")
    else:
        actual = sha256_hex(embedded.data)
        af = "" if embedded.associated else " (warning: not listed as a PDF/A-3 associated file)"
        result.add(
            "subject_results",
            want == actual,
            (
                f"embedded {results_name} matches the attestation{af}"
                if want == actual
                else f"embedded {results_name} sha256 {actual[:16]}… differs from attested {str(want)[:16]}…"
            ),
        )
        try:
            results_doc = json.loads(embedded.data)
        except ValueError:
            results_doc = None

    bundle_name = (predicate.get("policy_bundle") or {}).get("name")
    attested = _subject_digest(statement, bundle_name) if bundle_name else None
    recorded = results_policy_digest(results_doc)
    if attested is None:
        result.add("policy_bundle", False, "attestation names no policy bundle subject")
    elif recorded is None:
        result.add("policy_bundle", False, "results JSON records no policy bundle digest (policy_bundle.digest)")
    else:
        result.add(
            "policy_bundle",
            attested == recorded,
            f"policy bundle {attested[:16]}… matches the results JSON"
            if attested == recorded
            else f"attested policy bundle {attested[:16]}… differs from results JSON {recorded[:16]}…",
        )


def verify_report(
    pdf_path: Path,
    *,
    trust_roots: list[Path],
    attestation_path: Path | None = None,
) -> VerifyResult:
    """Verify a signed report offline; see the module docstring for the checks.

    `attestation_path` defaults to `<pdf>.intoto.jsonl`; a missing default file is a failed check,
    an explicitly named file that cannot be read is an InputError. InputError also for an
    unreadable or non-PDF input; ConfigError for an unreadable trust-root file.
    """
    pdf_path = Path(pdf_path)
    data = _read_pdf(pdf_path)
    roots = _load_roots([Path(p) for p in trust_roots])
    explicit = attestation_path is not None
    path = Path(attestation_path) if attestation_path is not None else default_attestation_path(pdf_path)
    result = VerifyResult(pdf=pdf_path, attestation=path)
    signer_cert = _check_pdf_signature(result, data, roots)
    if not path.exists() and not explicit:
        _fail_attestation(result, f"attestation not found: {path}")
        return result
    _check_attestation(result, data, signer_cert, path)
    return result
