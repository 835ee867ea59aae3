"""Signing keys: create a self-signed document-signing identity, load one an organisation brings
(PEM or PKCS#12), and make raw signatures with it.

Only `cryptography` is imported here, so the ledger can sign checkpoints without pulling in pyHanko
or WeasyPrint.

Certificate profile made by `init_keys` (each choice tested against poppler's pdfsig 22.12 and
pyHanko's validator):

* self-signed, basicConstraints CA:false (critical): the certificate is the signer itself, and a
  verifier trusts it as a *peer* (pyHanko: a trust root; NSS/pdfsig: trust flags ``,P,``). A CA:true
  self-signed signer is reported by pdfsig 22.12 as "Unknown issue with Certificate" even when
  trusted, because NSS then looks up extensions that cannot all be present.
* keyUsage digitalSignature + nonRepudiation (critical): pyHanko requires nonRepudiation by default.
* extendedKeyUsage documentSigning (RFC 9336) + emailProtection: NSS validates PDF signers with its
  "email signer" usage, which rejects a certificate whose EKU lacks emailProtection.
* subjectAltName (a ``urn:uuid:`` URI): pdfsig 22.12 reads NSS's *last* error code instead of the
  verification result; without a SAN that code is a stale "extension not found" and a trusted
  certificate is reported as "Unknown issue with Certificate or corrupted data".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from governance.errors import ConfigError

KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"
# RFC 9336 id-kp-documentSigning.
DOCUMENT_SIGNING_EKU = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
RSA_BITS = 3072

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


@dataclass(frozen=True)
class KeyPaths:
    """Where `init_keys` wrote the key pair."""

    key: Path
    cert: Path


@dataclass(frozen=True)
class Signer:
    """A private key with its certificate (and any intermediate certificates to embed)."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = field(default=())

    @property
    def algorithm(self) -> Literal["ecdsa", "rsa"]:
        return "ecdsa" if isinstance(self.private_key, ec.EllipticCurvePrivateKey) else "rsa"

    @property
    def keyid(self) -> str:
        """Hex sha256 of the DER SubjectPublicKeyInfo; names the key in DSSE envelopes and the ledger."""
        return public_keyid(self.certificate)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()


def default_key_dir() -> Path:
    """`<GOV_HOME>/keys`, the folder `gov keys init` writes to unless told otherwise."""
    from governance.store.db import gov_home  # lazy: keeps SQLAlchemy out of the signing path

    return gov_home() / "keys"


def public_keyid(cert_or_key: x509.Certificate | PublicKey) -> str:
    """Hex sha256 of a certificate's (or public key's) DER SubjectPublicKeyInfo."""
    key = cert_or_key.public_key() if isinstance(cert_or_key, x509.Certificate) else cert_or_key
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def init_keys(
    directory: Path | None = None,
    *,
    algorithm: Literal["ecdsa", "rsa"] = "ecdsa",
    common_name: str = "gov evaluation signer",
    organization: str | None = None,
    days: int = 825,
    force: bool = False,
    passphrase: str | bytes | None = None,
) -> KeyPaths:
    """Create a private key (PEM, mode 0600) and a self-signed document-signing certificate.

    `directory` defaults to `default_key_dir()`. Existing key files are kept unless `force=True`
    (ConfigError otherwise). ECDSA uses P-256, RSA 3072 bits. With `passphrase` the key is
    encrypted (PKCS#8, best available encryption).
    """
    if algorithm not in ("ecdsa", "rsa"):
        raise ConfigError(f"unknown key algorithm {algorithm!r}", hint="use ecdsa or rsa")
    if days < 1:
        raise ConfigError(f"certificate validity must be at least one day, got {days}")
    directory = directory if directory is not None else default_key_dir()
    paths = KeyPaths(key=directory / KEY_FILE, cert=directory / CERT_FILE)
    existing = [p for p in (paths.key, paths.cert) if p.exists()]
    if existing and not force:
        raise ConfigError("signing key already exists", where=str(existing[0]), hint="pass force=True to replace it")
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(f"cannot create key folder: {exc.strerror}", where=str(directory)) from exc

    key: PrivateKey = (
        ec.generate_private_key(ec.SECP256R1())
        if algorithm == "ecdsa"
        else rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    )
    cert = _self_signed_certificate(key, common_name, organization, days)
    secret = _as_bytes(passphrase)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    _write_private(paths.key, key_pem)
    _write_public(paths.cert, cert.public_bytes(serialization.Encoding.PEM))
    return paths


def _self_signed_certificate(
    key: PrivateKey, common_name: str, organization: str | None, days: int
) -> x509.Certificate:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    name = x509.Name(attrs)
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        # Five minutes of slack so a verifier with a slightly slow clock accepts a fresh key.
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING_EKU, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"urn:uuid:{uuid.uuid4()}")]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
    )
    return builder.sign(key, hashes.SHA256())


def _write_private(path: Path, data: bytes) -> None:
    # Create with 0600 from the start: a chmod after writing would leave a readable window.
    try:
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(path, 0o600)  # the umask may have removed bits, never added any; be explicit
    except OSError as exc:
        raise ConfigError(f"cannot write private key: {exc.strerror}", where=str(path)) from exc


def _write_public(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write certificate: {exc.strerror}", where=str(path)) from exc


def _as_bytes(passphrase: str | bytes | None) -> bytes | None:
    if passphrase is None:
        return None
    return passphrase.encode() if isinstance(passphrase, str) else passphrase


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {what}: {exc.strerror}", where=str(path)) from exc


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM file (one or more) or a DER file. ConfigError if there is none."""
    data = _read(path, "certificate")
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise ConfigError("not a PEM or DER X.509 certificate", where=str(path)) from exc
    if not certs:
        raise ConfigError("no certificate in file", where=str(path))
    return certs


def load_signer(
    key_path: Path | None = None,
    cert_path: Path | None = None,
    passphrase: str | bytes | None = None,
) -> Signer:
    """Load a PEM/DER private key and its certificate; further certificates in the cert file are
    embedded as the chain. Defaults to the files `init_keys` writes in `default_key_dir()`.

    ConfigError when a file is missing or unreadable, the passphrase is wrong, the key type is not
    ECDSA/RSA, or the key does not match the certificate.
    """
    if key_path is None or cert_path is None:
        folder = default_key_dir()
        key_path = key_path or folder / KEY_FILE
        cert_path = cert_path or folder / CERT_FILE
    data = _read(key_path, "private key")
    secret = _as_bytes(passphrase)
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=secret)
        else:
            key = serialization.load_der_private_key(data, password=secret)
    except TypeError as exc:  # encrypted without passphrase, or passphrase for a plain key
        raise ConfigError(f"private key passphrase problem: {exc}", where=str(key_path)) from exc
    except ValueError as exc:
        raise ConfigError(
            "cannot load private key (wrong passphrase or not a PEM/DER key)", where=str(key_path)
        ) from exc
    certs = load_certificates(cert_path)
    return _make_signer(key, certs[0], tuple(certs[1:]), where=str(key_path))


def load_pkcs12(path: Path, passphrase: str | bytes | None) -> Signer:
    """Load key, certificate and any additional certificates from a PKCS#12 (.p12/.pfx) file."""
    data = _read(path, "PKCS#12 file")
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _as_bytes(passphrase))
    except ValueError as exc:
        raise ConfigError("cannot open PKCS#12 file (wrong passphrase or corrupt file)", where=str(path)) from exc
    if key is None or cert is None:
        raise ConfigError("PKCS#12 file holds no private key with certificate", where=str(path))
    return _make_signer(key, cert, tuple(extra), where=str(path))


def _make_signer(key: object, cert: x509.Certificate, chain: tuple[x509.Certificate, ...], *, where: str) -> Signer:
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ConfigError(f"unsupported key type {type(key).__name__}", where=where, hint="use ECDSA or RSA")
    if public_keyid(key.public_key()) != public_keyid(cert):
        raise ConfigError("private key does not match the certificate", where=where)
    return Signer(private_key=key, certificate=cert, chain=chain)


def _ec_hash(curve: ec.EllipticCurve) -> hashes.HashAlgorithm:
    # Match the hash strength to the curve, as ECDSA profiles (and pyHanko) do.
    size = curve.key_size
    if size > 384:
        return hashes.SHA512()
    if size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def sign_bytes(signer: Signer, data: bytes) -> bytes:
    """Raw signature over `data`: ECDSA (DER-encoded, hash by curve size: P-256 -> SHA-256) or
    RSA PKCS#1 v1.5 with SHA-256. Used for DSSE envelopes and ledger checkpoints."""
    key = signer.private_key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(_ec_hash(key.curve)))
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def verify_bytes(cert_or_key: x509.Certificate | PublicKey, data: bytes, sig: bytes) -> bool:
    """True when `sig` is `sign_bytes`' signature over `data` by the certificate's key."""
    key = cert_or_key.public_key() if isinstance(cert_or_key, x509.Certificate) else cert_or_key
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, data, ec.ECDSA(_ec_hash(key.curve)))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True
