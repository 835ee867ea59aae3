"""`gov check --server`: the same gate as a thin client of a running `gov serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from tests.conftest_policy import REPO, Platform, approve_all, seeded, seeded_template  # noqa: F401 - fixtures
from tests.helpers import gov
from tests.service_helpers import ServeProcess, free_port, make_token

CHECK = ["check", "credit-risk", "3", "--target", "production", "--format", "json"]


@pytest.fixture
def server(seeded: Engine, tmp_path: Path) -> Iterator[ServeProcess]:  # noqa: F811
    proc = ServeProcess(os.environ["GOV_DATABASE_URL"], tmp_path / "serve-home").start()
    try:
        yield proc
    finally:
        proc.stop()


def test_remote_check_gives_the_local_verdicts(
    seeded: Engine,
    server: ServeProcess,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOV_TOKEN", make_token(seeded, Role.CHECKER, "release-pipeline"))
    monkeypatch.setenv("GITHUB_RUN_ID", "31337")
    remote = gov(*CHECK, "--server", server.base)
    local = gov(*CHECK)
    assert (remote.exit_code, local.exit_code) == (1, 1), remote.output
    theirs, ours = json.loads(remote.stdout), json.loads(local.stdout)
    verdicts = lambda r: {o["policy_id"]: (o["verdict"], o["message"]) for o in r["outcomes"]}  # noqa: E731
    assert verdicts(theirs) == verdicts(ours)
    assert theirs["requested_by"] == "release-pipeline"  # the server binds identity to the token
    assert theirs["ci"] == {"GITHUB_RUN_ID": "31337"}
    assert theirs["decision_id"] != ours["decision_id"]
    shown = gov("decision", "show", theirs["decision_id"], "--format", "json")
    assert json.loads(shown.stdout)["outcomes"] == theirs["outcomes"]
    approve_all(seeded, Platform())
    assert gov("check", "credit-risk", "3", "--target", "production", "--server", server.base).exit_code == 0


def test_remote_errors_keep_the_exit_code_contract(
    seeded: Engine,
    server: ServeProcess,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unauthenticated = gov(*CHECK, "--server", server.base)
    assert unauthenticated.exit_code == 3 and "the server refused the check" in unauthenticated.stderr
    monkeypatch.setenv("GOV_TOKEN", make_token(seeded, Role.INGEST, "airflow"))
    forbidden = gov(*CHECK, "--server", server.base)
    assert forbidden.exit_code == 3, forbidden.output
    monkeypatch.setenv("GOV_TOKEN", make_token(seeded, Role.CHECKER, "release-pipeline"))
    unknown = gov("check", "nope", "3", "--target", "production", "--server", server.base)
    assert unknown.exit_code == 2 and "no registered model named 'nope'" in unknown.stderr
    assert gov(*CHECK, "--server", server.base, "--as", "mallory").exit_code == 2
    down = gov(*CHECK, "--server", f"http://127.0.0.1:{free_port()}")
    assert down.exit_code == 3 and "cannot reach the gov server" in down.stderr
    assert gov(*CHECK, "--server", "ftp://example.com").exit_code == 2


def test_the_thin_client_imports_no_database_code(seeded: Engine, server: ServeProcess) -> None:  # noqa: F811
    token = make_token(seeded, Role.CHECKER, "release-pipeline")
    script = (
        "import sys\n"
        f"sys.argv = ['gov', 'check', 'credit-risk', '3', '--target', 'production', '--server', {server.base!r}]\n"
        "import governance.cli.main as m\n"
        "try:\n    m.run()\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = sorted({n.split('.')[0] for n in sys.modules} & {'sqlalchemy', 'sqlmodel', 'yaml', "
        "'jsonschema', 'numpy', 'cel'})\n"
        "print('RESULT', code, heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, "GOV_TOKEN": token}, capture_output=True, text=True, cwd=REPO
    )
    assert "RESULT 1 []" in proc.stderr, proc.stderr[-2000:]
