"""The checks of a report's in-toto attestation: attestation, subject_pdf, subject_results, policy_bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.signing.attest import (
    PREDICATE_TYPES,
    STATEMENT_TYPE,
    normalize_sha256,
    read_attestations,
    sha256_hex,
    verify_envelope,
)
from governance.signing.verify.result import VerifyResult


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


def _fail_attestation(result: VerifyResult, message: str) -> None:
    for name in ("attestation", "subject_pdf", "subject_results", "policy_bundle"):
        result.add(name, False, message)
    result.problems.append(f"the attestation does not hold: {message}")


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
    if want != actual:
        result.problems.append("the PDF is not the one attested: its digest differs from the attestation's")
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
        result.problems.append(f"the attested {results_name} is not embedded in the PDF")
    else:
        actual = sha256_hex(embedded.data)
        af = "" if embedded.associated else " (warning: not listed as a PDF/A-3 associated file)"
        if want != actual:
            result.problems.append(f"the embedded {results_name} is not the one attested")
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
        result.problems.append("the attestation names no policy bundle")
    elif recorded is None:
        result.add("policy_bundle", False, "results JSON records no policy bundle digest (policy_bundle.digest)")
        result.problems.append("the embedded results record no policy bundle digest")
    else:
        if attested != recorded:
            result.problems.append("the attested policy bundle is not the one the results were evaluated against")
        result.add(
            "policy_bundle",
            attested == recorded,
            f"policy bundle {attested[:16]}… matches the results JSON"
            if attested == recorded
            else f"attested policy bundle {attested[:16]}… differs from results JSON {recorded[:16]}…",
        )
