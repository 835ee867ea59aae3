"""Two `gov serve` processes sharing one PostgreSQL: what one writes the other reads, concurrent writes
through both land exactly once, the ledger stays one chain, and a revoked token is refused by both."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from governance.store.db import make_engine
from tests.conftest import pg_database
from tests.service_helpers import (
    DIGEST,
    ServeProcess,
    assert_error_shape,
    bearer,
    canonical_digest,
    event_stream,
    make_token,
    register_version,
)

pytest_plugins = ["tests.conftest_service"]


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_database()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def test_two_replicas_serve_consistent_reads_and_writes(
    pg_url: str, pg_engine: Engine, serve: Any, policy_dir: Path
) -> None:
    a: ServeProcess = serve(pg_url, "--policies", str(policy_dir))
    b: ServeProcess = serve(pg_url, "--policies", str(policy_dir), "--workers", "2")
    admin, ingest = make_token(pg_engine, Role.ADMIN, "release-admin"), make_token(pg_engine, Role.INGEST, "etl")
    auditor = bearer(make_token(pg_engine, Role.AUDITOR, "auditor"))

    # Written through A, read through B (and the other way round).
    bodies = [body for body, _ in event_stream(1, 10, bad_every=0)]
    for body in bodies:
        assert httpx.post(f"{a.base}/api/v1/lineage", content=body, headers=bearer(ingest)).status_code == 201
    upstream = httpx.get(
        f"{b.base}/api/v1/lineage/upstream", params={"nodeId": "dataset:lake:out_0"}, headers=auditor
    ).json()
    assert "job:svc-tests:job_7" in {n["id"] for n in upstream["nodes"]}
    with httpx.Client(base_url=b.base) as client:
        register_version(client, admin)
    assert (
        httpx.get(f"{a.base}/api/v1/models/credit/versions/1", headers=auditor).json()["version"]["artifact_digest"]
        == DIGEST
    )

    # Concurrent ingest through both replicas: every event stored exactly once.
    streams = [event_stream(10 + c, 60, bad_every=0) for c in range(6)]
    failures: list[int] = []

    def push(base: str, stream: list[tuple[bytes, bool]]) -> None:
        with httpx.Client(base_url=base, headers=bearer(ingest), timeout=60) as http:
            for body, _ in stream:
                try:
                    status = http.post("/api/v1/lineage", content=body).status_code
                except httpx.HTTPError:
                    status = -1
                if status != 201:
                    failures.append(status)

    threads = [threading.Thread(target=push, args=((a, b)[c % 2].base, streams[c])) for c in range(6)]
    # ...while blocked checks run through both replicas at once: the ledger lock is the database's.
    checkers = [make_token(pg_engine, Role.CHECKER, f"gate-{i}") for i in range(6)]
    decisions: list[dict[str, Any]] = []

    def check(base: str, token: str) -> None:
        response = httpx.post(
            f"{base}/api/v1/checks",
            headers=bearer(token),
            timeout=60,
            json={"model": "credit", "version": "1", "target": "production"},
        )
        decisions.append(response.json() if response.status_code == 201 else {"error": response.text})

    threads += [threading.Thread(target=check, args=((a, b)[i % 2].base, t)) for i, t in enumerate(checkers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, f"{failures[:5]}\n{a.log_tail()}\n{b.log_tail()}"
    expected = {canonical_digest(body) for stream in streams for body, _ in stream} | {
        canonical_digest(body) for body in bodies
    }
    with pg_engine.connect() as conn:
        stored = conn.execute(text("SELECT digest FROM raw_event")).scalars().all()
    assert len(stored) == len(set(stored)) and set(stored) == expected
    assert all(d.get("ledger") == "appended" for d in decisions), decisions
    for replica in (a, b):
        verified = httpx.get(f"{replica.base}/api/v1/ledger/verify", headers=auditor).json()
        assert verified["ok"] and verified["head_seq"] == len(checkers)
        assert httpx.get(f"{replica.base}/api/v1/stats", headers=auditor).json()["raw_events"] == len(expected)

    # An approval through A is what a check through B sees.
    approver = bearer(make_token(pg_engine, Role.APPROVER, "risk-officer"))
    approved = httpx.post(
        f"{a.base}/api/v1/approvals",
        headers=approver,
        json={"model": "credit", "version": "1", "role": "model-risk-officer"},
    )
    assert approved.status_code == 201
    passed = httpx.post(
        f"{b.base}/api/v1/checks",
        headers=bearer(checkers[0]),
        json={"model": "credit", "version": "1", "target": "production"},
    ).json()
    assert passed["verdict"] == "deployable"

    # Keep-alive answers from the multi-worker replica are not held back by Nagle + delayed ACK: that adds
    # ~40 ms to nearly every answer (measured: median 44 ms against 1 ms), whatever the load. Compared with
    # the single-process replica A as the baseline, interleaved, so a loaded machine slows both alike.
    times: dict[str, list[float]] = {"A": [], "B": []}
    with httpx.Client(base_url=a.base) as via_a, httpx.Client(base_url=b.base) as via_b:
        for _ in range(21):
            for name, client in (("A", via_a), ("B", via_b)):
                start = time.perf_counter()
                assert client.get("/health").status_code == 200
                times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"median keep-alive /health: {medians}")
    assert medians["B"] < medians["A"] + 0.03, times

    # Revocation is seen by both replicas on the next request: no cache to wait out.
    with pg_engine.begin() as conn:
        conn.execute(text("UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP WHERE name = 'etl'"))
    for replica in (a, b):
        assert_error_shape(httpx.post(f"{replica.base}/api/v1/lineage", content=bodies[0], headers=bearer(ingest)), 401)
