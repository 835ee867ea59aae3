"""Offline verification of a signed audit report and its in-toto attestation.

Checks, each reported pass/fail with one line (`VerifyResult.checks`):

* ``pdf_signature``  the PDF's last signature is intact and cryptographically valid.
* ``coverage``       that signature covers the ENTIRE file, or every later revision only adds
                     validation data (a DSS, as `--ltv` writes) or document timestamps (pyHanko's
                     difference analysis: ModificationLevel.LTA_UPDATES). Anything else appended after
                     signing fails, and is described in plain words (`describe_changes`): our reports
                     are signed once and never amended.
* ``trust``          the signer certificate chains to one of the given trust roots (no network:
                     no fetching of certificates, CRLs or OCSP; validated at the current time).
* ``timestamp``      only when the signature carries an RFC 3161 timestamp (PAdES B-T): the token is
                     intact and its TSA chains to a given trust root. No timestamp is a note, not a
                     failure (the signing time is then the signer's own claim).
* ``attestation``    the DSSE envelope verifies with the PDF signer certificate's key and holds our
                     in-toto Statement.
* ``subject_pdf``    the attested PDF digest equals the sha256 of the PDF file on disk.
* ``subject_results``the attested results digest equals the sha256 of the results JSON embedded in
                     the PDF (as a PDF/A-3 associated file).
* ``policy_bundle``  the attested policy-bundle digest equals the one the results JSON records
                     (``policy_bundle.digest`` or top-level ``policy_bundle_digest``).

A check that could not be made (no attestation beside the file) is `unchecked`: not passed, so never a
green, but not tampering either (`VerifyResult.cannot_check`; `gov verify` exits 4 for it, 1 for a
failed check). `VerifyResult.explain()` says what went wrong in plain words.

The package, by concern: `result` (Check, VerifyResult), `pdf_signature` (pdf_signature, coverage, trust,
timestamp), `pdf_changes` (`describe_changes`), `attestation` (the attestation and subject checks),
`trust_roots` (loading roots, offline chain building), `report` (`verify_report`) and `exported_file`
(`verify_file`, for exports that are not PDFs).
"""

from __future__ import annotations

from governance.signing.verify.attestation import results_policy_digest
from governance.signing.verify.exported_file import verify_file
from governance.signing.verify.pdf_changes import describe_changes
from governance.signing.verify.report import verify_report
from governance.signing.verify.result import NO_MATCH, UNTRUSTED, Check, VerifyResult

__all__ = [
    "NO_MATCH",
    "UNTRUSTED",
    "Check",
    "VerifyResult",
    "describe_changes",
    "results_policy_digest",
    "verify_file",
    "verify_report",
]
