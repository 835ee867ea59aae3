"""Fixtures for the signing tests (a plugin: `pytest_plugins = ["tests.conftest_signing"]`).

Module-scoped: each test module renders and signs its sample report once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.signing.keys import Signer, init_keys, load_signer
from tests.signing_helpers import Published, publish, render, results_json


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    """The sample report, rendered but not signed."""
    return render(results_json())


@pytest.fixture(scope="module")
def ec_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Signer, Path]:
    """An ECDSA signer and its self-signed certificate."""
    paths = init_keys(tmp_path_factory.mktemp("eckeys"), algorithm="ecdsa", organization="Gov Tests")
    return load_signer(paths.key, paths.cert), paths.cert


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, unsigned_pdf: bytes, ec_keys: tuple[Signer, Path]) -> Published:
    """The sample report signed with `ec_keys`, with its attestation."""
    signer, cert = ec_keys
    return publish(tmp_path_factory.mktemp("report"), signer, cert, unsigned_pdf, results_json())
