"""Concurrent blocked checks against a running `gov serve`: errors, decisions and ledger entries stored,
one unforked chain (`gov ledger verify`), and `/health` latency polled throughout; on SQLite and (with
GOV_BENCH_POSTGRES_URL or GOV_TEST_POSTGRES_URL) PostgreSQL.

Target (issue 12, "Reliability under concurrency"): 16 clients x 100 blocked checks, 0 errors, every
check a decision and a ledger entry, one chain, /health p99 <= 200 ms.

    python bench/check_load.py [--clients 16] [--checks 100] [--workers 1] [--pg-workers 2]

Loopback only: the server binds 127.0.0.1; every loop is bounded by --checks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.serve_load import percentile, store  # noqa: E402
from governance.auth.roles import Role  # noqa: E402
from governance.store.db import make_engine  # noqa: E402
from tests.service_helpers import (  # noqa: E402
    APPROVAL_POLICY,
    ServeProcess,
    bearer,
    make_token,
    register_version,
)

HEALTH_EVERY_S = 0.02
HEALTH_TARGET_P99_MS = 200.0


def poll_health(base: str, stop: threading.Event, out: list[float], failures: list[str]) -> None:
    """GET /health every HEALTH_EVERY_S until `stop`; latency of each (a stall counts as its full time)."""
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                status = client.get("/health").status_code
            except httpx.HTTPError as exc:
                failures.append(f"/health: {type(exc).__name__}")
            else:
                if status != 200:
                    failures.append(f"/health: {status}")
            out.append(time.perf_counter() - start)
            stop.wait(HEALTH_EVERY_S)


def run_load(url: str, home: Path, *, clients: int, checks: int, workers: int) -> dict[str, Any]:
    """Start `gov serve` on `url`, register a version the policy blocks, fire clients x checks checks."""
    policies = home / "policies"
    policies.mkdir(parents=True, exist_ok=True)
    (policies / "approval.yaml").write_text(APPROVAL_POLICY)
    engine = make_engine(url)
    admin = make_token(engine, Role.ADMIN, "bench-admin")
    tokens = [make_token(engine, Role.CHECKER, f"pipeline-{i}") for i in range(clients)]
    server = ServeProcess(url, home, "--policies", str(policies), "--workers", str(workers)).start()
    errors: list[str] = []
    answered = [0] * clients
    health: list[float] = []
    health_failures: list[str] = []
    try:
        with httpx.Client(base_url=server.base) as http:
            register_version(http, admin)
        stop = threading.Event()
        poller = threading.Thread(target=poll_health, args=(server.base, stop, health, health_failures))
        poller.start()
        time.sleep(0.5)  # a few idle samples first

        def check(c: int) -> None:
            with httpx.Client(base_url=server.base, headers=bearer(tokens[c]), timeout=120) as http:
                for _ in range(checks):
                    try:
                        r = http.post(
                            "/api/v1/checks", json={"model": "credit", "version": "1", "target": "production"}
                        )
                    except httpx.HTTPError as exc:
                        errors.append(f"client {c}: {type(exc).__name__}: {exc}")
                        continue
                    if r.status_code != 201 or r.json().get("verdict") != "blocked":
                        errors.append(f"client {c}: {r.status_code} {r.text[:200]}")
                    else:
                        answered[c] += 1

        threads = [threading.Thread(target=check, args=(c,)) for c in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        stop.set()
        poller.join()
    finally:
        server.stop()
        if errors:
            print(f"server log (tail):\n{server.log_tail(40)}", file=sys.stderr)
    with engine.connect() as conn:
        decisions = conn.execute(text("SELECT count(*) FROM policy_decision")).scalar_one()
        entries = conn.execute(text("SELECT count(*) FROM ledger_entry")).scalar_one()
        distinct_prev = conn.execute(text("SELECT count(DISTINCT prev_digest) FROM ledger_entry")).scalar_one()
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM ledger_entry e"
                " LEFT JOIN policy_decision d ON d.id = e.decision_id WHERE d.id IS NULL"
            )
        ).scalar_one()
    engine.dispose()
    verify = subprocess.run(
        [sys.executable, "-m", "governance.cli.main", "ledger", "verify", "-f", "json"],
        env={**os.environ, "GOV_DATABASE_URL": url, "GOV_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        verified = json.loads(verify.stdout)
    except json.JSONDecodeError:
        verified = {"ok": False, "output": (verify.stdout + verify.stderr)[-300:]}
    total = clients * checks
    p99 = percentile(health, 0.99) * 1000
    return {
        "clients": clients,
        "checks_per_client": checks,
        "workers": workers,
        "seconds": round(elapsed, 1),
        "checks_per_s": round(total / elapsed, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "answered_blocked": sum(answered),
        "decisions_stored": decisions,
        "ledger_entries": entries,
        "ledger_entries_without_decision": orphans,
        "chain_unforked": entries == distinct_prev,
        "ledger_verify_exit": verify.returncode,
        "ledger_verify_ok": bool(verified.get("ok")),
        "health_samples": len(health),
        "health_failures": len(health_failures),
        "health_p50_ms": round(statistics.median(health) * 1000, 1) if health else None,
        "health_p99_ms": round(p99, 1),
        "health_max_ms": round(max(health) * 1000, 1) if health else None,
        "target_met": (
            not errors
            and decisions == entries == total
            and entries == distinct_prev
            and orphans == 0
            and verify.returncode == 0
            and not health_failures
            and p99 <= HEALTH_TARGET_P99_MS
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--checks", type=int, default=100, help="blocked checks per client")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers on SQLite")
    parser.add_argument("--pg-workers", type=int, default=2, help="uvicorn workers on PostgreSQL")
    parser.add_argument("--backend", choices=["all", "sqlite", "postgresql"], default="all")
    args = parser.parse_args()
    pg = os.environ.get("GOV_BENCH_POSTGRES_URL") or os.environ.get("GOV_TEST_POSTGRES_URL")
    backends = [] if args.backend == "postgresql" else [("sqlite", args.workers)]
    if args.backend != "sqlite":
        if pg:
            os.environ["GOV_BENCH_POSTGRES_URL"] = pg  # serve_load.store reads it
            backends.append(("postgresql", args.pg_workers))
        else:
            print("PostgreSQL: set GOV_BENCH_POSTGRES_URL or GOV_TEST_POSTGRES_URL to include it", file=sys.stderr)
    for kind, workers in backends:
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
            result = run_load(url, Path(tmp) / "home", clients=args.clients, checks=args.checks, workers=workers)
        print(json.dumps({"backend": kind, **result}), flush=True)


if __name__ == "__main__":
    main()
