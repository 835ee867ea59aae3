"""Service errors name the field (`role`); each face spells it its own way: `--role` on the CLI,
`$.role` in the API's error `where`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from governance.auth.roles import Role, parse_role
from governance.errors import InputError
from governance.registry.service import normalise_digest
from tests.helpers import gov
from tests.service_helpers import assert_error_shape, bearer, register_version

ROOT = Path(__file__).resolve().parent.parent / "governance"
pytest_plugins = ["tests.conftest_service"]

FLAG_WHERE = re.compile(r"""where\s*=\s*f?["']--""")


def test_services_name_the_field() -> None:
    with pytest.raises(InputError) as role:
        parse_role("pilot")
    assert role.value.where == "role"
    with pytest.raises(InputError) as digest:
        normalise_digest("md5:abc")
    assert digest.value.where == "artifact_digest"


def test_no_service_error_names_a_cli_flag() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(ROOT.rglob("*.py"))
        if "cli" not in path.relative_to(ROOT).parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FLAG_WHERE.search(line)
    ]
    assert found == []


def test_the_cli_spells_the_field_as_its_flag() -> None:
    result = gov("token", "create", "--role", "pilot", "--name", "alice")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --role: unknown role 'pilot'"), result.stderr
    result = gov(
        "registry",
        "register",
        "credit",
        "--owner",
        "team",
        "--version",
        "1",
        "--artifact-uri",
        "s3://m/1",
        "--digest",
        "md5:abc",
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --digest: artifact digest must be sha256:"), result.stderr


def test_the_api_spells_the_field_as_a_json_path(api: Any, tokens: dict[Role, str]) -> None:
    register_version(api, tokens[Role.ADMIN])
    r = api.post(
        "/api/v1/models/credit/versions",
        headers=bearer(tokens[Role.ADMIN]),
        json={"version": "2", "artifact_uri": "s3://models/credit/2", "artifact_digest": "md5:abc"},
    )
    error = assert_error_shape(r, 400)
    assert error["where"] == "$.artifact_digest"
    assert error["message"].startswith("artifact digest must be sha256:")
