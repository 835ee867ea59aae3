"""The key folder reports are signed with (`gov keys`): create an evaluation key, import an organisation's own
key and certificate (PEM or PKCS#12), and describe what the folder holds. Key material is handled by
`governance.signing.keys`; this module only decides where it goes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.errors import ConfigError


@dataclass(frozen=True)
class KeyInfo:
    """What `gov keys show` prints."""

    folder: Path
    key: Path
    cert: Path
    subject: str
    issuer: str
    algorithm: str
    keyid: str
    not_before: str
    not_after: str
    self_signed: bool
    chain: int  # further certificates in the certificate file

    def to_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in self.__dict__.items()}


def key_folder(folder: Path | None) -> Path:
    from governance.signing.keys import default_key_dir

    return folder or default_key_dir()


def _write(path: Path, data: bytes, mode: int) -> None:
    try:
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(path, mode)
    except OSError as exc:
        raise ConfigError(f"cannot write {path.name}: {exc.strerror}", where=str(path)) from exc


def import_signer(
    signer: Any, folder: Path | None = None, *, force: bool = False, passphrase: str | None = None
) -> tuple[Path, Path]:
    """Write an already loaded Signer (key + certificate + chain) into the key folder, the key 0600 and
    encrypted with `passphrase` when one is given. Existing files are kept unless `force`."""
    from cryptography.hazmat.primitives import serialization

    from governance.signing.keys import CERT_FILE, KEY_FILE

    target = key_folder(folder)
    key_path, cert_path = target / KEY_FILE, target / CERT_FILE
    existing = [p for p in (key_path, cert_path) if p.exists()]
    if existing and not force:
        raise ConfigError("a signing key already exists", where=str(existing[0]), hint="pass --force to replace it")
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(f"cannot create key folder: {exc.strerror}", where=str(target)) from exc
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    key_pem = signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    certs = [signer.certificate, *signer.chain]
    _write(key_path, key_pem, 0o600)
    _write(cert_path, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs), 0o644)
    return key_path, cert_path


def describe(folder: Path | None = None, passphrase: str | None = None) -> KeyInfo:
    """Load the folder's key and certificate (proving they match) and describe them."""
    from governance.signing.keys import CERT_FILE, KEY_FILE, load_signer

    target = key_folder(folder)
    if not (target / KEY_FILE).exists():
        raise ConfigError(f"no signing key in {target}", hint="run `gov keys init`")
    signer = load_signer(target / KEY_FILE, target / CERT_FILE, passphrase)
    cert = signer.certificate
    return KeyInfo(
        folder=target,
        key=target / KEY_FILE,
        cert=target / CERT_FILE,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        algorithm=_algorithm(signer),
        keyid=signer.keyid,
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        self_signed=cert.subject == cert.issuer,
        chain=len(signer.chain),
    )


def _algorithm(signer: Any) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = signer.private_key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"ECDSA {key.curve.name}"
    return f"RSA {key.key_size}"
