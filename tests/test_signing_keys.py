"""Signing keys: generation and file permissions, certificate profile, loading (PEM, DER, encrypted,
PKCS#12), and raw signatures over bytes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from governance.errors import ConfigError
from governance.signing.keys import (
    Signer,
    default_key_dir,
    init_keys,
    load_pkcs12,
    load_signer,
    sign_bytes,
    verify_bytes,
)
from governance.signing.verify import verify_report
from tests.signing_helpers import key_paths as _paths
from tests.signing_helpers import publish as _publish
from tests.signing_helpers import results_json as _results

pytest_plugins = ["tests.conftest_signing"]


# --------------------------------------------------------------------------- keys


def test_init_keys_writes_private_key_0600_and_refuses_overwrite(tmp_path: Path) -> None:
    paths = init_keys(tmp_path / "k")
    assert stat.S_IMODE(paths.key.stat().st_mode) == 0o600
    assert paths.cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    with pytest.raises(ConfigError, match="already exists"):
        init_keys(tmp_path / "k")
    before = paths.key.read_bytes()
    again = init_keys(tmp_path / "k", force=True)
    assert again.key.read_bytes() != before
    assert stat.S_IMODE(again.key.stat().st_mode) == 0o600


def test_default_key_dir_is_under_gov_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOV_HOME", str(tmp_path / "home"))
    assert default_key_dir() == tmp_path / "home" / "keys"
    paths = init_keys()
    assert paths.key.parent == tmp_path / "home" / "keys"
    assert load_signer().keyid == load_signer(paths.key, paths.cert).keyid


def test_certificate_profile(ec_keys: tuple[Signer, Path]) -> None:
    from cryptography import x509

    cert = ec_keys[0].certificate
    assert cert.subject == cert.issuer
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert "O=Gov Tests" in cert.subject.rfc4514_string()


def test_encrypted_key_and_wrong_passphrase(tmp_path: Path) -> None:
    paths = init_keys(tmp_path, passphrase="s3cret")
    assert b"ENCRYPTED" in paths.key.read_bytes()
    assert load_signer(paths.key, paths.cert, passphrase="s3cret").algorithm == "ecdsa"
    with pytest.raises(ConfigError):
        load_signer(paths.key, paths.cert, passphrase="wrong")
    with pytest.raises(ConfigError):
        load_signer(paths.key, paths.cert)
    with pytest.raises(ConfigError, match="cannot read"):
        load_signer(tmp_path / "missing.pem", paths.cert)


def test_der_key_and_certificate_load(tmp_path: Path) -> None:
    paths = init_keys(tmp_path, algorithm="rsa")
    signer = load_signer(paths.key, paths.cert)
    key_der = tmp_path / "key.der"
    cert_der = tmp_path / "cert.der"
    key_der.write_bytes(
        signer.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_der.write_bytes(signer.certificate.public_bytes(serialization.Encoding.DER))
    assert load_signer(key_der, cert_der).keyid == signer.keyid
    with pytest.raises(ConfigError, match="certificate"):
        load_signer(key_der, key_der)


def test_key_must_match_certificate(tmp_path: Path) -> None:
    a = init_keys(tmp_path / "a")
    b = init_keys(tmp_path / "b")
    with pytest.raises(ConfigError, match="does not match"):
        load_signer(a.key, b.cert)


def test_sign_and_verify_bytes(ec_keys: tuple[Signer, Path], tmp_path: Path) -> None:
    signer = ec_keys[0]
    sig = sign_bytes(signer, b"checkpoint 42")
    assert verify_bytes(signer.certificate, b"checkpoint 42", sig)
    assert not verify_bytes(signer.certificate, b"checkpoint 43", sig)
    other = load_signer(*_paths(init_keys(tmp_path, algorithm="rsa")))
    assert not verify_bytes(other.certificate, b"checkpoint 42", sig)
    rsa_sig = sign_bytes(other, b"x")
    assert verify_bytes(other.private_key.public_key(), b"x", rsa_sig)


def test_pkcs12_signer_signs_and_verifies(tmp_path: Path, unsigned_pdf: bytes) -> None:
    source = load_signer(*_paths(init_keys(tmp_path / "src", algorithm="rsa", common_name="Org signer")))
    p12 = tmp_path / "org.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"org",
            source.private_key,
            source.certificate,
            None,
            serialization.BestAvailableEncryption(b"pfx-pass"),
        )
    )
    signer = load_pkcs12(p12, "pfx-pass")
    assert signer.keyid == source.keyid and signer.algorithm == "rsa"
    with pytest.raises(ConfigError, match="PKCS#12"):
        load_pkcs12(p12, "nope")
    cert = tmp_path / "src" / "signing-cert.pem"
    pub = _publish(tmp_path / "out", signer, cert, unsigned_pdf, _results())
    result = verify_report(pub.pdf, trust_roots=[cert])
    assert result.ok, result.checks


def test_key_files_not_world_readable_even_with_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        paths = init_keys(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(paths.key.stat().st_mode) == 0o600
