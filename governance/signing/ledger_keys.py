"""The one place the ledger touches key material, over `governance.signing.keys`.

Imports are lazy: appending an entry signs only every N entries, so the gate's path does not pay
for `cryptography` otherwise. Signatures are what `openssl dgst -sha256 -verify` checks (ECDSA DER
or RSA PKCS#1 v1.5), so an auditor needs no code of ours.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.errors import InputError

if TYPE_CHECKING:
    from governance.signing.keys import Signer


def default_key_dir() -> Path:
    """`gov keys init` writes here: GOV_HOME/keys."""
    from governance.signing.keys import default_key_dir as signing_default

    return signing_default()


def find_signer(directory: Path | None = None, passphrase: str | bytes | None = None) -> Signer | None:
    """The signer in `directory` (default GOV_HOME/keys); None when no key was ever created there.
    A key that exists but cannot be loaded is a ConfigError."""
    from governance.signing.keys import CERT_FILE, KEY_FILE, load_signer

    folder = directory if directory is not None else default_key_dir()
    if not (folder / KEY_FILE).exists():
        return None
    return load_signer(folder / KEY_FILE, folder / CERT_FILE, passphrase)


def algorithm(signer: Signer) -> str:
    """The exact signature scheme, e.g. `ecdsa-p256-sha256` or `rsa-pkcs1v15-sha256`."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = signer.private_key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = key.curve.key_size
        digest = 512 if size > 384 else 384 if size > 256 else 256  # as signing.keys picks it
        return f"ecdsa-p{size}-sha{digest}"
    return "rsa-pkcs1v15-sha256"


def keyid(signer: Signer) -> str:
    """Hex sha256 of the signer's DER SubjectPublicKeyInfo (the keyid of DSSE envelopes too)."""
    return signer.keyid


def certificate_pem(signer: Signer) -> str:
    from cryptography.hazmat.primitives import serialization

    return signer.certificate.public_bytes(serialization.Encoding.PEM).decode()


def sign(signer: Signer, data: bytes) -> str:
    """Base64 signature of `data`."""
    from governance.signing.keys import sign_bytes

    return base64.b64encode(sign_bytes(signer, data)).decode()


def verify(pem: str, data: bytes, signature_b64: str) -> bool:
    """True when `signature_b64` is a valid signature of `data` by the key in `pem`."""
    from governance.signing.keys import verify_bytes

    try:
        raw = base64.b64decode(signature_b64, validate=True)
        return verify_bytes(_public_key(pem), data, raw)
    except (binascii.Error, ValueError, InputError):
        return False


def pem_keyid(pem: str) -> str:
    """keyid of the key in a certificate or public-key PEM."""
    from governance.signing.keys import public_keyid

    return public_keyid(_public_key(pem))


def same_public_key(pem_a: str, pem_b: str) -> bool:
    """Whether two certificates / public keys hold the same key (a renewed certificate still matches)."""
    try:
        return pem_keyid(pem_a) == pem_keyid(pem_b)
    except InputError:
        return False


def load_trusted_pem(path: Path) -> str:
    """A certificate or public key PEM an auditor trusts; checkpoints must be signed by its key."""
    try:
        pem = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", where=str(path)) from exc
    try:
        _public_key(pem)
    except InputError as exc:
        raise InputError(exc.message, where=str(path), hint="pass a PEM certificate or public key") from exc
    return pem


TRUST_ENV = "GOV_LEDGER_TRUST"


def split_pem(text: str) -> list[str]:
    """Every PEM block of a file (a trust file may hold several certificates or public keys)."""
    import re

    return re.findall(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----\n?", text, flags=re.DOTALL)


def load_trust_roots(paths: list[Path]) -> list[str]:
    """The PEM blocks (certificates or public keys) of the given files; each must hold at least one."""
    roots: list[str] = []
    for path in paths:
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc}", where=str(path)) from exc
        blocks = split_pem(text)
        if not blocks:
            raise InputError("no PEM certificate or public key", where=str(path), hint="pass a PEM file")
        for block in blocks:
            try:
                _public_key(block)
            except InputError as exc:
                raise InputError(exc.message, where=str(path), hint="pass a PEM certificate or public key") from exc
        roots += blocks
    return roots


def configured_trust_roots(key_dir: Path | None = None) -> tuple[list[str], str]:
    """The ledger's trust roots as configured, and where they came from (for the report).

    GOV_LEDGER_TRUST (file paths separated by the OS path separator) if set; else the certificate of
    this installation's own signing key (GOV_HOME/keys, which is outside the database); else none.
    Never the certificates stored beside the checkpoints: whoever can rewrite the ledger can rewrite them.
    """
    import os

    from governance.signing.keys import CERT_FILE

    configured = os.environ.get(TRUST_ENV, "").strip()
    if configured:
        paths = [Path(p) for p in configured.split(os.pathsep) if p.strip()]
        try:
            return load_trust_roots(paths), TRUST_ENV
        except InputError as exc:
            from governance.errors import ConfigError

            raise ConfigError(f"{TRUST_ENV}: {exc.message}", where=exc.where, hint=exc.hint) from exc
    cert = (key_dir if key_dir is not None else default_key_dir()) / CERT_FILE
    if cert.is_file():
        return load_trust_roots([cert]), str(cert)
    return [], "none"


def _public_key(pem: str) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    data = pem.encode()
    try:
        if b"CERTIFICATE" in data:
            return x509.load_pem_x509_certificate(data).public_key()
        return serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not a PEM certificate or public key: {exc}") from exc
