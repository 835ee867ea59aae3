"""The one place the ledger touches key material: load a signing key, sign, verify.

Written against `cryptography` directly until `governance.signing.keys` lands; switching to it
changes this module only. Signatures are the ones `openssl dgst -sha256 -verify` checks (ECDSA DER,
RSA PKCS#1 v1.5) or raw Ed25519, so an auditor needs no code of ours.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.errors import ConfigError, InputError

KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"


@dataclass(frozen=True)
class Signer:
    """A private key with the certificate (or public key) that vouches for it."""

    key: Any
    pem: str  # certificate PEM, or SubjectPublicKeyInfo PEM when there is no certificate
    fingerprint: str  # sha256:<hex> over the DER of `pem`
    algorithm: str


def default_key_dir() -> Path:
    """`gov keys init` writes here: GOV_HOME/keys."""
    from governance.store.db import gov_home

    return gov_home() / "keys"


def find_signer(directory: Path | None = None, passphrase: bytes | None = None) -> Signer | None:
    """The signer in `directory` (default GOV_HOME/keys), or None when no key was ever created there."""
    folder = directory or default_key_dir()
    key_path = folder / KEY_FILE
    if not key_path.exists():
        return None
    cert_path = folder / CERT_FILE
    return load_signer(key_path, cert_path if cert_path.exists() else None, passphrase)


def load_signer(key_path: Path, cert_path: Path | None = None, passphrase: bytes | None = None) -> Signer:
    """Load a PEM private key and, if given, its certificate. A bad file is a configuration error."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=passphrase)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"cannot load signing key: {exc}", where=str(key_path),
                          hint="check the file and its passphrase, or run `gov keys init`") from exc
    if cert_path is not None:
        pem = _read_pem(cert_path)
        if _public_der(pem) != _spki_der(key.public_key()):
            raise ConfigError("certificate does not belong to the signing key", where=str(cert_path))
    else:
        pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return Signer(key=key, pem=pem, fingerprint=fingerprint(pem), algorithm=_algorithm(key))


def load_trusted_pem(path: Path) -> str:
    """A certificate or public key PEM an auditor trusts; checkpoints must be signed by its key."""
    pem = _read_pem(path)
    _public_der(pem)  # parse now: a bad trust file is the user's mistake, said before verifying
    return pem


def sign(signer: Signer, data: bytes) -> str:
    """Base64 signature of `data`."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    if signer.algorithm == "ed25519":
        raw = signer.key.sign(data)
    elif signer.algorithm.startswith("ecdsa-"):
        raw = signer.key.sign(data, ec.ECDSA(_hash(signer.algorithm)))
    else:
        raw = signer.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def verify(pem: str, algorithm: str, data: bytes, signature_b64: str) -> bool:
    """True when `signature_b64` is a valid `algorithm` signature of `data` by the key in `pem`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    try:
        key = _public_key(pem)
        raw = base64.b64decode(signature_b64, validate=True)
        if algorithm == "ed25519":
            key.verify(raw, data)
        elif algorithm.startswith("ecdsa-"):
            key.verify(raw, data, ec.ECDSA(_hash(algorithm)))
        elif algorithm == "rsa-pkcs1v15-sha256":
            key.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError, TypeError, AttributeError, InputError):
        return False
    return True


def same_public_key(pem_a: str, pem_b: str) -> bool:
    """Whether two certificates / public keys hold the same key (a renewed certificate still matches)."""
    try:
        return _public_der(pem_a) == _public_der(pem_b)
    except InputError:
        return False


def fingerprint(pem: str) -> str:
    """sha256:<hex> over the DER of the first PEM block (the usual certificate fingerprint)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509 import load_pem_x509_certificate

    data = pem.encode()
    if b"CERTIFICATE" in data:
        der = load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
    else:
        der = _public_der(pem)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _read_pem(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", where=str(path)) from exc


def _public_key(pem: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509 import load_pem_x509_certificate

    data = pem.encode()
    try:
        if b"CERTIFICATE" in data:
            return load_pem_x509_certificate(data).public_key()
        return serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise InputError(f"not a PEM certificate or public key: {exc}") from exc


def _spki_der(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(public_key.public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo))


def _public_der(pem: str) -> bytes:
    return _spki_der(_public_key(pem))


def _algorithm(key: Any) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        bits = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 512}.get(key.curve.name)
        if bits is None:
            raise ConfigError(f"unsupported elliptic curve {key.curve.name}", hint="use P-256 or P-384")
        return f"ecdsa-p{key.curve.key_size}-sha{bits}"
    if isinstance(key, rsa.RSAPrivateKey):
        return "rsa-pkcs1v15-sha256"
    raise ConfigError(f"unsupported signing key type {type(key).__name__}", hint="use ECDSA, RSA or Ed25519")


def _hash(algorithm: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    return {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[
        algorithm.rsplit("-", 1)[1]]
