"""Verifying an export that is not a PDF (the blocked register's CSV) by its DSSE attestation alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.signing.attest import (
    ATTESTATION_SUFFIX,
    PREDICATE_TYPES,
    STATEMENT_TYPE,
    default_attestation_path,
    read_attestations,
    sha256_hex,
    verify_envelope,
)
from governance.signing.verify.attestation import _subject_digest
from governance.signing.verify.result import UNTRUSTED, VerifyResult
from governance.signing.verify.trust_roots import _chains_to_root, _load_roots


def _file_checks_unchecked(result: VerifyResult, message: str) -> None:
    for name in ("attestation", "trust", "subject_file"):
        result.add(name, False, message, unchecked=True)


def _envelope_certificates(envelope: dict[str, Any]) -> list[Any]:
    """The certificates an (as yet unverified) envelope claims in predicate.signer_certificate; [] if none.
    Trusted only once they chain to a trust root (see `verify_file`)."""
    import base64
    import binascii

    from cryptography import x509

    from governance import jsonsafe

    try:
        statement = jsonsafe.loads(base64.b64decode(str(envelope.get("payload", "")) + "==="))
        pem = ((statement or {}).get("predicate") or {}).get("signer_certificate")
        return list(x509.load_pem_x509_certificates(pem.encode("ascii"))) if isinstance(pem, str) else []
    except (InputError, ValueError, AttributeError, binascii.Error):
        return []


def verify_file(path: Path, *, trust_roots: list[Path], attestation_path: Path | None = None) -> VerifyResult:
    """Verify an export that is not a PDF (the blocked register's CSV) by its DSSE attestation alone.

    Checks: ``attestation`` (the envelope verifies with the certificate it names, and holds our statement),
    ``trust`` (that certificate chains to a trust root), ``subject_file`` (the attested sha256 is the
    file's). A missing default attestation: every check `unchecked` ("cannot check"), never a pass.
    """
    from cryptography import x509

    from governance.signing.keys import load_certificates, public_keyid

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", where=str(path)) from exc
    roots = _load_roots([Path(p) for p in trust_roots])
    explicit = attestation_path is not None
    att = Path(attestation_path) if attestation_path is not None else default_attestation_path(path)
    result = VerifyResult(pdf=path, attestation=att)
    if not att.exists() and not explicit:
        _file_checks_unchecked(result, f"cannot check the attestation (no {ATTESTATION_SUFFIX} beside the file)")
        return result
    envelopes = read_attestations(att)
    if not envelopes:
        for name in ("attestation", "trust", "subject_file"):
            result.add(name, False, f"no DSSE envelope in {att.name}")
        result.problems.append(f"the attestation file {att.name} holds no signed statement")
        return result
    root_certs = [c for p in trust_roots for c in load_certificates(Path(p))]
    outcome = None
    chain: list[x509.Certificate] = []
    for envelope in envelopes:
        for certs in [_envelope_certificates(envelope), *([c] for c in root_certs)]:
            if not certs:
                continue
            key = certs[0].public_key()
            outcome = verify_envelope(envelope, key, keyid=public_keyid(key))
            if outcome.ok and outcome.statement is not None:
                chain = certs
                break
        if chain:
            break
    statement = outcome.statement if outcome is not None and chain else None
    if statement is None:
        message = outcome.message if outcome is not None else "the attestation names no signer certificate"
        for name in ("attestation", "trust", "subject_file"):
            result.add(name, False, message)
        result.problems.append(f"the attestation's signature does not verify: {message}")
        return result
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") not in PREDICATE_TYPES.values():
        for name in ("attestation", "trust", "subject_file"):
            result.add(name, False, f"not a gov statement ({statement.get('predicateType')!r})")
        result.problems.append("the attestation is not a gov report statement")
        return result
    result.signer = chain[0].subject.rfc4514_string()
    result.add("attestation", True, f"DSSE signature verifies with the key of {result.signer}")
    trusted, detail = _chains_to_root(chain, roots) if roots else (False, "no trust roots given")
    if trusted:
        result.add("trust", True, f"attestation signer chains to trust root {detail}")
    else:
        result.add("trust", False, f"attestation signer does not chain to a given trust root ({detail})")
        result.problems.append(f"{UNTRUSTED} ({result.signer})")
    predicate = statement.get("predicate") or {}
    subject = (predicate.get("report") or {}).get("name") if isinstance(predicate, dict) else None
    want = _subject_digest(statement, subject) if isinstance(subject, str) else None
    actual = sha256_hex(data)
    if want == actual:
        result.add("subject_file", True, f"sha256 {actual[:16]}… of {path.name} matches the attestation ({subject})")
    else:
        result.add("subject_file", False, f"sha256 {actual[:16]}… differs from attested {str(want)[:16]}…")
        result.problems.append("the file was changed after it was attested: its digest differs from the attested one")
    return result
