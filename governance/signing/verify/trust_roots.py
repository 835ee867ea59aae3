"""Trust roots: loading them, and chaining a certificate to them offline (no fetching)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    # pyHanko logs full tracebacks for every untrusted or broken signature; the checks already say
    # what failed in one line, so keep its loggers quiet for the duration of the validation.
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _load_roots(paths: list[Path]) -> list[Any]:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from governance.signing.keys import load_certificates

    roots = []
    for path in paths:
        for cert in load_certificates(path):
            roots.append(asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)))
    return roots


def _chains_to_root(certs: list[Any], roots: list[Any]) -> tuple[bool, str]:
    """Whether certs[0] (cryptography) chains to one of `roots` (asn1crypto), offline; (ok, anchor or problem)."""
    import asyncio

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

    der = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs]
    context = ValidationContext(
        trust_roots=roots, other_certs=der[1:], allow_fetching=False, revocation_mode="soft-fail"
    )
    validator = CertificateValidator(der[0], validation_context=context)
    try:
        with _quiet_pyhanko():
            path_ = asyncio.run(validator.async_validate_usage({"digital_signature"}))  # type: ignore[no-untyped-call]
    except (PathBuildingError, PathValidationError, ValidationError) as exc:
        return False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return True, path_.trust_anchor.authority.name.human_friendly
