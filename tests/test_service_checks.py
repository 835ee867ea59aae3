"""Concurrent blocked checks through `gov serve`: every one is appended to ONE valid ledger chain."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from tests.service_helpers import ServeProcess, bearer, make_token, register_version

pytest_plugins = ["tests.conftest_service"]

CHECKERS = 8
ROUNDS = 2


def test_concurrent_blocked_checks_keep_one_chain(engine: Engine, db_url: str, serve: Any, policy_dir: Path) -> None:
    server: ServeProcess = serve(db_url, "--policies", str(policy_dir))
    with httpx.Client(base_url=server.base) as client:
        register_version(client, make_token(engine, Role.ADMIN, "release-admin"))
    tokens = [make_token(engine, Role.CHECKER, f"pipeline-{i}") for i in range(CHECKERS)]
    barrier = threading.Barrier(CHECKERS)
    answers: list[dict[str, Any]] = []
    errors: list[str] = []

    def check(token: str) -> None:
        with httpx.Client(base_url=server.base, headers=bearer(token), timeout=120) as http:
            for _ in range(ROUNDS):
                barrier.wait()  # all eight hit the ledger at the same moment
                response = http.post("/api/v1/checks", json={"model": "credit", "version": "1", "target": "production"})
                if response.status_code != 201:
                    errors.append(response.text)
                else:
                    answers.append(response.json())

    threads = [threading.Thread(target=check, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:2]
    assert len(answers) == CHECKERS * ROUNDS
    assert all(a["verdict"] == "blocked" and a["ledger"] == "appended" for a in answers)

    auditor = bearer(make_token(engine, Role.AUDITOR, "auditor"))
    ledger = httpx.get(f"{server.base}/api/v1/ledger", headers=auditor).json()
    entries = ledger["entries"]
    assert [e["seq"] for e in entries] == list(range(1, CHECKERS * ROUNDS + 1))
    assert all(b["prev_digest"] == a["digest"] for a, b in zip(entries, entries[1:], strict=False))
    assert {e["decision_id"] for e in entries} == {a["decision_id"] for a in answers}
    assert {e["requested_by"] for e in entries} == {f"pipeline-{i}" for i in range(CHECKERS)}
    verified = httpx.get(f"{server.base}/api/v1/ledger/verify", headers=auditor).json()
    assert verified["ok"] is True and verified["entries_checked"] == CHECKERS * ROUNDS, verified
