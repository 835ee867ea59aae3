"""The checks of a PDF's own signature: pdf_signature, coverage, trust and timestamp."""

from __future__ import annotations

import io
from typing import Any

from governance.errors import InputError
from governance.signing.verify.pdf_changes import _ALLOWED_AFTER_SIGNING, _later_revisions, _plural
from governance.signing.verify.result import NO_MATCH, UNTRUSTED, VerifyResult
from governance.signing.verify.trust_roots import _quiet_pyhanko


def _check_timestamp(result: VerifyResult, status: Any) -> None:
    ts = status.timestamp_validity
    if ts is None:
        result.notes.append("no timestamp: the signing time is the signer's own claim (sign with --tsa URL)")
        return
    tsa = ts.signing_cert.subject.human_friendly if ts.signing_cert is not None else "an unknown TSA"
    result.timestamped_at = ts.timestamp
    when = ts.timestamp.isoformat() if ts.timestamp else "?"
    if not (ts.intact and ts.valid):
        result.add("timestamp", False, f"the timestamp by {tsa} is broken")
        result.problems.append("the timestamp does not match the signature")
    elif not ts.trusted:
        result.add("timestamp", False, f"timestamp at {when} by {tsa}, a TSA that does not chain to a given trust root")
        result.problems.append(
            "timestamped by an authority this verifier does not trust (pass its root as --trust-root)"
        )
    else:
        result.add("timestamp", True, f"RFC 3161 timestamp at {when} by {tsa}")


def _dss_note(reader: Any) -> str | None:
    root = reader.root
    if "/DSS" not in root:
        return None
    dss = root["/DSS"]
    counts = [
        _plural(len(dss[key]) if key in dss else 0, label)
        for key, label in (("/Certs", "certificate"), ("/OCSPs", "OCSP response"), ("/CRLs", "CRL"))
    ]
    return "validation data embedded for long-term validation (PAdES B-LT): " + ", ".join(counts)


def _check_pdf_signature(result: VerifyResult, data: bytes, roots: list[Any]) -> Any:
    """Runs checks pdf_signature, coverage, trust (and timestamp when there is one); returns the signer
    certificate (asn1crypto) or None."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except (PdfError, ValueError, KeyError) as exc:
        raise InputError(f"cannot parse PDF: {exc}", where=str(result.pdf)) from exc
    if not signatures:
        for name in ("pdf_signature", "coverage", "trust"):
            result.add(name, False, "the PDF carries no signature")
        result.problems.append("the file is not signed")
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
        result.problems.append(f"the signature cannot be read: {exc}")
        return None
    cert = status.signing_cert
    result.signer = cert.subject.human_friendly
    result.signed_at = status.signer_reported_dt
    docmdp = getattr(sig, "docmdp_level", None)
    result.certified = docmdp.name if docmdp is not None else None
    count = f" (last of {len(signatures)})" if len(signatures) > 1 else ""
    algo = f"{status.pkcs7_signature_mechanism}, {status.md_algorithm}"
    kind = f"certification signature (DocMDP {result.certified})" if result.certified else "signature"
    if status.intact and status.valid:
        result.add("pdf_signature", True, f"{kind}{count} intact and valid ({algo}) by {result.signer}")
    else:
        what = "document digest does not match" if not status.intact else "signature value does not verify"
        result.add("pdf_signature", False, f"signature{count} broken: {what}")
        result.problems.append(NO_MATCH)
    _check_coverage(result, data, sig, status, SignatureCoverageLevel, ModificationLevel)
    if not roots:
        result.add("trust", False, "no trust roots given")
        result.problems.append("no trust roots given: cannot tell who signed")
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
        result.problems.append(f"{UNTRUSTED} ({result.signer})")
    _check_timestamp(result, status)
    note = _dss_note(reader)
    if note:
        result.notes.append(note)
    return cert


def _check_coverage(
    result: VerifyResult, data: bytes, sig: Any, status: Any, coverage_cls: Any, level_cls: Any
) -> None:
    coverage = status.coverage
    if coverage == coverage_cls.ENTIRE_FILE:
        result.add("coverage", True, "signature covers the entire file")
        return
    try:
        later = _later_revisions(data, sig.signed_revision)
    except Exception:  # noqa: BLE001 (a file too broken to describe still fails, in general words)
        later = []
    level = status.modification_level
    # Accepted after signing: revisions that each add validation data or a document timestamp (a writer
    # may refresh the metadata alongside), AND that pyHanko's difference analysis rates LTA_UPDATES.
    if (
        coverage == coverage_cls.ENTIRE_REVISION
        and level is not None
        and level <= level_cls.LTA_UPDATES
        and later
        and all(kinds & {"validation data", "timestamp"} and kinds <= _ALLOWED_AFTER_SIGNING for kinds, _ in later)
    ):
        result.add("coverage", True, "signature covers its revision; later revisions only add validation data")
        return
    changes = [sentence for _, sentence in later]
    name = coverage.name if coverage is not None else "UNKNOWN"
    if changes:
        updates = _plural(len(changes), "incremental update")
        sentence = f"the file was changed after signing: {updates} " + "; ".join(changes)
    else:
        sentence = "the file was changed after signing: bytes were added after the signed part"
    result.add("coverage", False, f"signature does not cover the entire file (coverage {name}): {sentence}")
    result.problems.append(sentence)
