"""Helpers for tests of the running service: tokens, `gov serve` processes, event streams, error shape.

Fixtures using them are in tests/conftest_service.py.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from governance.auth.roles import Role

PRODUCER = "https://github.com/gov-audit/gov/tree/0.1.0/tests"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_token(engine: Engine, role: Role | str, name: str) -> str:
    """A fresh token secret for `name` in `role`, straight into the store."""
    from governance.auth.tokens import create_token
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        return create_token(session, name=name, role=str(role), created_by="tests")[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """`gov serve` in its own process on 127.0.0.1, on the given store."""

    def __init__(self, db_url: str, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.db_url, self.home, self.args, self.extra_env = db_url, home, args, env or {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = home / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180) -> ServeProcess:
        """Start it and wait until /health answers. `timeout` is a hang guard, not a speed claim: startup
        takes a few seconds idle and several times that on a loaded machine."""
        env = {**os.environ, "GOV_DATABASE_URL": self.db_url, "GOV_HOME": str(self.home), **self.extra_env}
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "governance.cli.main", "serve", "--port", str(self.port), *self.args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"gov serve exited {self.proc.returncode}: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.kill()
        raise AssertionError(f"gov serve did not start: {self.log.read_text()}")

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server's output, for assertion messages."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def run_event(
    run_id: str,
    job: str,
    state: str,
    seconds: int,
    *,
    inputs: list[str],
    outputs: list[str],
    namespace: str = "svc-tests",
) -> dict[str, Any]:
    """A valid OpenLineage RunEvent."""
    return {
        "eventType": state,
        "eventTime": (T0 + timedelta(seconds=seconds)).isoformat(),
        "producer": PRODUCER,
        "schemaURL": RUN_SCHEMA,
        "run": {"runId": run_id, "facets": {}},
        "job": {"namespace": namespace, "name": job, "facets": {}},
        "inputs": [{"namespace": "warehouse", "name": n} for n in inputs],
        "outputs": [{"namespace": "lake", "name": n} for n in outputs],
    }


def malformed(i: int, valid: dict[str, Any]) -> bytes:
    """One of several kinds of bad event, each of which the spec rejects."""
    kind = i % 6
    if kind == 0:
        return b'{"eventType": "START", "eventTime": '  # truncated JSON
    if kind == 1:
        return json.dumps({**valid, "eventTime": "yesterday"}).encode()
    if kind == 2:
        return json.dumps({**valid, "run": {"runId": "not-a-uuid"}}).encode()
    if kind == 3:
        return json.dumps({k: v for k, v in valid.items() if k != "job"}).encode()
    if kind == 4:
        return json.dumps([valid]).encode()  # an array is not one event
    return json.dumps({**valid, "eventType": "EXPLODE"}).encode()


def event_stream(
    client: int, n: int, *, bad_every: int = 20, jobs: int = 16, datasets: int = 64
) -> list[tuple[bytes, bool]]:
    """`n` request bodies for one client: valid START/COMPLETE pairs over a shared pool of jobs and
    datasets (so clients contend on the same graph rows), with every `bad_every`-th one malformed."""
    out: list[tuple[bytes, bool]] = []
    for i in range(n):
        pair = i // 2
        run_id = str(uuid.UUID(int=(client << 64) | (pair + 1)))
        job = f"job_{(client * 7 + pair) % jobs}"
        ins = [f"t_{(pair + k) % datasets}" for k in range(2)]
        event = run_event(
            run_id,
            job,
            "START" if i % 2 == 0 else "COMPLETE",
            client * 1_000_000 + i,
            inputs=ins,
            outputs=[f"out_{(pair * 3) % datasets}"],
        )
        if bad_every and i % bad_every == bad_every - 1:
            out.append((malformed(i // bad_every, event), False))
        else:
            out.append((json.dumps(event).encode(), True))
    return out


def canonical_digest(body: bytes) -> str:
    from governance.digest import canonical_digest as digest

    return digest(json.loads(body))


APPROVAL_POLICY = """\
id: approval.model-risk
version: 1.0.0
title: A model-risk officer approved this exact artifact
owner: team:model-risk
rationale: Human oversight before deployment.
remediation: Ask a model-risk officer to approve the version.
controls: [eu-ai-act:Art. 14]
mode: enforce
severity: critical
scope: {targets: [production]}
kind: approval
rule:
  required: [{role: model-risk-officer, count: 1}]
  separation_of_duties: true
  require_known_author: false
"""
DIGEST = "sha256:" + "ab" * 32


def register_version(
    client: Any, admin: str, model: str = "credit", version: str = "1", digest: str = DIGEST
) -> dict[str, Any]:
    """Register a model and a version through the API; the admin token's identity creates it."""
    r = client.post(
        "/api/v1/models", json={"name": model, "owner": "team:credit", "risk_tier": "high"}, headers=bearer(admin)
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/v1/models/{model}/versions",
        headers=bearer(admin),
        json={"version": version, "artifact_uri": f"s3://models/{model}/{version}", "artifact_digest": digest},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    """The one error shape, with the status it claims, and nothing that looks like a traceback."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "status", "message", "where", "hint"}
    assert error["status"] == status and isinstance(error["code"], str) and error["message"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return dict(error)
