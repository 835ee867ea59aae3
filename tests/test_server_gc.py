"""`gov serve` settles the garbage collector once warmed up (governance.api.app._settle_garbage_collector);
an app that does not own its process (a test client, an embedding app) leaves the process's collector alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from governance.api.app import SERVER_GC_THRESHOLD, Settings

PROBE = r"""
import gc, json, sys
default = gc.get_threshold()[0]
from fastapi.testclient import TestClient
from governance.api.app import Settings, create_app
from governance.store.db import make_engine
from governance.store.migrate import upgrade
engine = make_engine(sys.argv[1]); upgrade(engine)
settings = Settings(own_process=sys.argv[2] == "1")
with TestClient(create_app(engine, settings)) as client:
    assert client.get("/health").status_code == 200
    print(json.dumps({"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()[0], "default": default}))
"""


def _probe(tmp_path: Path, own: bool) -> dict[str, int]:
    url = f"sqlite:///{tmp_path}/gc{int(own)}.db"
    out = subprocess.run(
        [sys.executable, "-c", PROBE, url, "1" if own else "0"], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_server_freezes_what_it_built_and_collects_young_objects_less_often(tmp_path: Path) -> None:
    owned = _probe(tmp_path, True)
    assert owned["frozen"] > 10_000 and owned["threshold"] == SERVER_GC_THRESHOLD
    embedded = _probe(tmp_path, False)
    assert embedded["frozen"] == 0 and embedded["threshold"] == embedded["default"] != SERVER_GC_THRESHOLD


def test_workers_get_the_setting_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = Settings(own_process=True).to_env()
    assert env["GOV_SERVE_OWN_PROCESS"] == "1"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings.from_env().own_process is True
    monkeypatch.setenv("GOV_SERVE_OWN_PROCESS", "0")
    assert Settings.from_env().own_process is False
