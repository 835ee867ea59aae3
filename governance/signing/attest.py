"""in-toto Statement v1 about a signed audit report, wrapped in a DSSE envelope.

The envelope is written as one JSON line to `<report>.pdf.intoto.jsonl` beside the PDF (the
in-toto/SLSA convention of a `.intoto.jsonl` file holding one envelope per line). Its subjects:

* the signed PDF file (sha256 of the bytes on disk),
* the results JSON embedded in the PDF (sha256 of the embedded bytes),
* the policy bundle the results were evaluated against (digest given by the caller).

Its `predicateType` names the report kind (`PREDICATE_TYPES`: audit report, scorecard, register of
blocked deployments). docs/reports.md shows how a third party verifies the envelope with
`securesystemslib` and the signer certificate alone (keyid: hex sha256 of the DER SubjectPublicKeyInfo).

The DSSE signature is made with the same key as the PDF signature, so a verifier needs nothing
beyond the PDF's own signer certificate (which it checks against its trust roots).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.digest import canonical_json
from governance.errors import InputError
from governance.signing.keys import PublicKey, Signer, sign_bytes, verify_bytes

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
# Each report kind has its own predicateType, so a policy engine (or a person) reading the statement
# knows what was attested without opening the PDF.
PREDICATE_TYPES = {
    "audit": "https://gov-audit.dev/attestation/audit-report/v1",
    "scorecard": "https://gov-audit.dev/attestation/scorecard/v1",
    "blocked": "https://gov-audit.dev/attestation/blocked-register/v1",
}
PREDICATE_TYPE = PREDICATE_TYPES["audit"]  # the audit report's (kept for callers that name one kind)
ATTESTATION_SUFFIX = ".intoto.jsonl"
DEFAULT_POLICY_SUBJECT = "policy-bundle"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def default_attestation_path(pdf_path: Path) -> Path:
    """`report.pdf` -> `report.pdf.intoto.jsonl` in the same folder."""
    return pdf_path.with_name(pdf_path.name + ATTESTATION_SUFFIX)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalize_sha256(digest: str) -> str:
    """Accept `sha256:<hex>` (the project's digest form) or bare hex; return lower-case hex."""
    value = digest.strip().lower()
    if value.startswith("sha256:"):
        value = value[len("sha256:") :]
    if not _HEX64.fullmatch(value):
        raise InputError(f"not a sha256 digest: {digest!r}")
    return value


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 Pre-Authentication Encoding:
    "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN = ASCII decimal byte count."""
    type_bytes = payload_type.encode("utf-8")
    return b" ".join([b"DSSEv1", str(len(type_bytes)).encode(), type_bytes, str(len(payload)).encode(), payload])


def build_statement(
    *,
    pdf_name: str,
    pdf_sha256: str,
    results_name: str,
    results_sha256: str,
    policy_bundle_sha256: str,
    policy_bundle_name: str = DEFAULT_POLICY_SUBJECT,
    generated_at: dt.datetime | None = None,
    extra: dict[str, Any] | None = None,
    report_kind: str = "audit",
) -> dict[str, Any]:
    """The in-toto Statement (a plain dict) about a report of `report_kind` (a key of PREDICATE_TYPES).
    Digests may be `sha256:<hex>` or hex."""
    import governance

    if report_kind not in PREDICATE_TYPES:
        raise InputError(f"unknown report kind {report_kind!r}; one of {', '.join(PREDICATE_TYPES)}")
    names = [pdf_name, results_name, policy_bundle_name]
    if len(set(names)) != len(names):
        raise InputError(f"attestation subject names must differ: {names}")
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    policy_hex = normalize_sha256(policy_bundle_sha256)
    predicate: dict[str, Any] = {
        "tool": {"name": "gov", "version": governance.__version__},
        "report_kind": report_kind,
        "generated_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "report": {"name": pdf_name, "media_type": "application/pdf", "pdf_profile": "PDF/A-3b"},
        "results": {"name": results_name, "media_type": "application/json", "embedded_in": pdf_name},
        "policy_bundle": {"name": policy_bundle_name, "digest": {"sha256": policy_hex}},
    }
    if extra:
        predicate.update(extra)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": pdf_name, "digest": {"sha256": normalize_sha256(pdf_sha256)}},
            {"name": results_name, "digest": {"sha256": normalize_sha256(results_sha256)}},
            {"name": policy_bundle_name, "digest": {"sha256": policy_hex}},
        ],
        "predicateType": PREDICATE_TYPES[report_kind],
        "predicate": predicate,
    }


def sign_envelope(statement: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """DSSE envelope over the canonical JSON of `statement` (standard base64, padded)."""
    payload = canonical_json(statement)
    sig = sign_bytes(signer, pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [{"keyid": signer.keyid, "sig": base64.b64encode(sig).decode("ascii")}],
    }


def _b64decode(text: str) -> bytes:
    # DSSE allows standard or URL-safe base64, with or without padding.
    text = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@dataclass(frozen=True)
class EnvelopeCheck:
    """Outcome of `verify_envelope`: the decoded statement if the signature verified."""

    ok: bool
    message: str
    statement: dict[str, Any] | None = None


def verify_envelope(envelope: dict[str, Any], key: PublicKey, keyid: str | None = None) -> EnvelopeCheck:
    """Verify a DSSE envelope with `key`; signatures whose keyid names another key are skipped.
    Returns the parsed statement only when a signature verifies."""
    try:
        payload_type = envelope["payloadType"]
        payload = _b64decode(envelope["payload"])
        signatures = envelope["signatures"]
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        return EnvelopeCheck(False, f"malformed DSSE envelope: {exc}")
    if payload_type != PAYLOAD_TYPE:
        return EnvelopeCheck(False, f"unexpected payloadType {payload_type!r}")
    if not isinstance(signatures, list) or not signatures:
        return EnvelopeCheck(False, "DSSE envelope has no signatures")
    message = pae(payload_type, payload)
    candidates = [
        s for s in signatures if isinstance(s, dict) and (keyid is None or s.get("keyid") in (None, "", keyid))
    ]
    if not candidates:
        return EnvelopeCheck(False, "no DSSE signature by the PDF signer's key (keyid mismatch)")
    for entry in candidates:
        try:
            sig = _b64decode(str(entry.get("sig", "")))
        except (ValueError, binascii.Error):
            continue
        if verify_bytes(key, message, sig):
            try:
                statement = json.loads(payload)
            except ValueError as exc:
                return EnvelopeCheck(False, f"signed payload is not JSON: {exc}")
            if not isinstance(statement, dict):
                return EnvelopeCheck(False, "signed payload is not a JSON object")
            return EnvelopeCheck(True, "DSSE signature verifies with the PDF signer's key", statement)
    return EnvelopeCheck(False, "DSSE signature does not verify with the PDF signer's key")


def attest_report(
    pdf_bytes: bytes,
    *,
    pdf_name: str,
    results_json: bytes,
    results_name: str,
    policy_bundle_sha256: str,
    signer: Signer,
    policy_bundle_name: str = DEFAULT_POLICY_SUBJECT,
    generated_at: dt.datetime | None = None,
    report_kind: str = "audit",
) -> dict[str, Any]:
    """Statement about the signed PDF, its embedded results and the policy bundle, DSSE-signed."""
    statement = build_statement(
        pdf_name=pdf_name,
        pdf_sha256=sha256_hex(pdf_bytes),
        results_name=results_name,
        results_sha256=sha256_hex(results_json),
        policy_bundle_sha256=policy_bundle_sha256,
        policy_bundle_name=policy_bundle_name,
        generated_at=generated_at,
        report_kind=report_kind,
    )
    return sign_envelope(statement, signer)


def attest_file(
    data: bytes,
    *,
    name: str,
    media_type: str,
    policy_bundle_sha256: str,
    signer: Signer,
    policy_bundle_name: str = DEFAULT_POLICY_SUBJECT,
    generated_at: dt.datetime | None = None,
    report_kind: str = "blocked",
) -> dict[str, Any]:
    """A DSSE-signed Statement about an export that is not a PDF (the blocked register's CSV): subjects the
    file and the policy bundle. A CSV cannot carry a certificate, so the signer certificate (PEM) goes in
    the predicate (`signer_certificate`); a verifier trusts it only once it chains to its own trust roots."""
    from cryptography.hazmat.primitives.serialization import Encoding

    import governance

    if report_kind not in PREDICATE_TYPES:
        raise InputError(f"unknown report kind {report_kind!r}; one of {', '.join(PREDICATE_TYPES)}")
    if name == policy_bundle_name:
        raise InputError(f"attestation subject names must differ: {name}")
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    policy_hex = normalize_sha256(policy_bundle_sha256)
    chain = [signer.certificate, *signer.chain]
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": name, "digest": {"sha256": sha256_hex(data)}},
            {"name": policy_bundle_name, "digest": {"sha256": policy_hex}},
        ],
        "predicateType": PREDICATE_TYPES[report_kind],
        "predicate": {
            "tool": {"name": "gov", "version": governance.__version__},
            "report_kind": report_kind,
            "generated_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "report": {"name": name, "media_type": media_type},
            "policy_bundle": {"name": policy_bundle_name, "digest": {"sha256": policy_hex}},
            "signer_certificate": "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in chain),
        },
    }
    return sign_envelope(statement, signer)


def write_attestation(envelope: dict[str, Any], path: Path) -> Path:
    """Write the envelope as a single JSON line (overwrites). Returns `path`."""
    line = json.dumps(envelope, sort_keys=True, separators=(",", ":")) + "\n"
    try:
        path.write_text(line, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write attestation: {exc.strerror}", where=str(path)) from exc
    return path


def read_attestations(path: Path) -> list[dict[str, Any]]:
    """Every envelope in a `.intoto.jsonl` file (blank lines ignored). InputError if unreadable;
    lines that are not JSON objects are returned as empty dicts so verification reports them."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"cannot read attestation: {reason}", where=str(path)) from exc
    envelopes: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = {}
        envelopes.append(value if isinstance(value, dict) else {})
    return envelopes
