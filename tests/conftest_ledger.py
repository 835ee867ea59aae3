"""Fixtures for the ledger tests (a plugin: `pytest_plugins = ["tests.conftest_ledger"]`)."""

from __future__ import annotations

import pytest

from governance.signing.keys import KeyPaths, init_keys


@pytest.fixture
def keys() -> KeyPaths:
    """A signing key in the default folder (GOV_HOME/keys), as `gov keys init` makes it."""
    return init_keys()
