"""Load on a running `gov serve`: sustained ingest rate over HTTP, and p50/p99 latency of lineage
queries while that ingest runs, on SQLite and (with GOV_BENCH_POSTGRES_URL) PostgreSQL.

Reference in the same run: the same events through the service function in-process (no HTTP, one
thread), so the ratio shows what the HTTP service costs; and query latency on the idle server.

    python bench/serve_load.py [--seconds 20] [--clients 8] [--workers 1] [--pg-workers 2] [--batch 100]
    python bench/serve_load.py --exactness [--per-client 5000]   # the issue's 8 x 5,000, 5% malformed

GOV_BENCH_POSTGRES_URL names a PostgreSQL server (any database on it); the bench creates and drops
its own database there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from governance.store.db import make_engine  # noqa: E402
from governance.store.migrate import upgrade  # noqa: E402
from tests.service_helpers import (  # noqa: E402
    ServeProcess,
    bearer,
    canonical_digest,
    event_stream,
    make_token,
)


@contextmanager
def store(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh, migrated store URL: a SQLite file, or a new database on the PostgreSQL server."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    server = make_url(os.environ["GOV_BENCH_POSTGRES_URL"])
    name = f"gov_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def in_process_rate(url: str, n: int, batch: int) -> float:
    """Events/s through `ingest_items` in one thread, one event (or `batch` events) per call: the
    service function without HTTP."""
    from governance.lineage.ingest import ingest_items
    from governance.lineage.sources import items_from_body

    engine = make_engine(url)
    bodies = [b for b, _ in event_stream(900, n, bad_every=0)]
    if batch:
        bodies = [b"[" + b",".join(bodies[i : i + batch]) + b"]" for i in range(0, n, batch)]
    start = time.perf_counter()
    for body in bodies:
        ingest_items(engine, items_from_body(body, source="bench", batch=bool(batch)))
    engine.dispose()
    return n / (time.perf_counter() - start)


def endless(client: int) -> Iterator[bytes]:
    """New valid events for one client, made as they are needed."""
    for chunk in range(1_000_000):
        for body, _ in event_stream(client + 1000 * (chunk + 1), 500, bad_every=0):
            yield body


def query_latencies(base: str, token: str, stop: threading.Event, out: list[float], limit: int = 0) -> None:
    """Upstream lineage queries (depth 20) on outputs that exist, timed one by one."""
    with httpx.Client(base_url=base, headers=bearer(token), timeout=60) as client:
        i = 0
        while not stop.is_set() and (not limit or i < limit):
            start = time.perf_counter()
            response = client.get(
                "/api/v1/lineage/upstream", params={"nodeId": f"dataset:lake:out_{(i * 3) % 64}", "depth": 20}
            )
            if response.status_code == 200:
                out.append(time.perf_counter() - start)
            i += 1


def load(kind: str, seconds: float, clients: int, workers: int, batch: int = 0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
        engine = make_engine(url)
        ingest, auditor = make_token(engine, "ingest", "bench-ingest"), make_token(engine, "auditor", "bench-read")
        engine.dispose()
        reference = in_process_rate(url, 2000 if batch else 1000, batch)  # also seeds the graph the queries read
        server = ServeProcess(url, Path(tmp) / "home", "--workers", str(workers)).start()
        try:
            idle: list[float] = []
            query_latencies(server.base, auditor, threading.Event(), [], limit=50)  # warm-up
            query_latencies(server.base, auditor, threading.Event(), idle, limit=300)
            stop = threading.Event()
            accepted = [0] * clients
            busy: list[float] = []

            def post(c: int) -> None:
                with httpx.Client(base_url=server.base, headers=bearer(ingest), timeout=60) as client:
                    bodies = endless(c)
                    while not stop.is_set():
                        if batch:
                            chunk = b"[" + b",".join(next(bodies) for _ in range(batch)) + b"]"
                            response = client.post("/api/v1/lineage/batch", content=chunk)
                            accepted[c] += response.json()["summary"]["new"] if response.status_code == 200 else 0
                        elif client.post("/api/v1/lineage", content=next(bodies)).status_code == 201:
                            accepted[c] += 1

            threads = [threading.Thread(target=post, args=(c,)) for c in range(clients)]
            threads.append(threading.Thread(target=query_latencies, args=(server.base, auditor, stop, busy)))
            start = time.perf_counter()
            for t in threads:
                t.start()
            time.sleep(seconds)
            stop.set()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            server.stop()
    rate = sum(accepted) / elapsed
    return {
        "backend": kind,
        "workers": workers,
        "clients": clients,
        "batch": batch,
        "seconds": round(elapsed, 1),
        "events_per_s": round(rate),
        "in_process_events_per_s": round(reference),
        "ratio_to_in_process": round(rate / reference, 2),
        "query_idle_p50_ms": round(statistics.median(idle) * 1000, 2),
        "query_idle_p99_ms": round(percentile(idle, 0.99) * 1000, 2),
        "query_under_ingest_p50_ms": round(statistics.median(busy) * 1000, 2),
        "query_under_ingest_p99_ms": round(percentile(busy, 0.99) * 1000, 2),
        "queries": len(busy),
    }


def exactness(kind: str, clients: int, per_client: int, workers: int) -> dict[str, Any]:
    """The issue's concurrent-ingest check at full size: exactly the valid events stored, none twice,
    every malformed one answered 400."""
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
        engine = make_engine(url)
        token = make_token(engine, "ingest", "bench-ingest")
        streams = [event_stream(c, per_client) for c in range(clients)]
        wrong: list[str] = []
        server = ServeProcess(url, Path(tmp) / "home", "--workers", str(workers)).start()

        def post(c: int) -> None:
            with httpx.Client(base_url=server.base, headers=bearer(token), timeout=120) as client:
                for body, ok in streams[c]:
                    status = client.post("/api/v1/lineage", content=body).status_code
                    if status != (201 if ok else 400):
                        wrong.append(f"client {c}: {status} for a {'valid' if ok else 'malformed'} event")

        threads = [threading.Thread(target=post, args=(c,)) for c in range(clients)]
        start = time.perf_counter()
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            server.stop()
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT digest FROM raw_event")).scalars().all()
        engine.dispose()
    valid = {canonical_digest(b) for s in streams for b, ok in s if ok}
    malformed = sum(1 for s in streams for _, ok in s if not ok)
    exact = len(stored) == len(set(stored)) == len(valid) and set(stored) == valid
    return {
        "backend": kind,
        "workers": workers,
        "requests": clients * per_client,
        "malformed": malformed,
        "seconds": round(elapsed, 1),
        "requests_per_s": round(clients * per_client / elapsed),
        "exactly_the_valid_events_stored": exact,
        "wrong_answers": len(wrong),
        "first_wrong": wrong[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers on SQLite")
    parser.add_argument("--pg-workers", type=int, default=2, help="uvicorn workers on PostgreSQL")
    parser.add_argument("--batch", type=int, default=0, help="events per POST /lineage/batch (0: single POSTs)")
    parser.add_argument("--exactness", action="store_true")
    parser.add_argument("--per-client", type=int, default=5000)
    args = parser.parse_args()
    backends = [("sqlite", args.workers)]
    if os.environ.get("GOV_BENCH_POSTGRES_URL"):
        backends.append(("postgresql", args.pg_workers))
    else:
        print("PostgreSQL: set GOV_BENCH_POSTGRES_URL to include it", file=sys.stderr)
    for kind, workers in backends:
        result = (
            exactness(kind, args.clients, args.per_client, workers)
            if args.exactness
            else load(kind, args.seconds, args.clients, workers, args.batch)
        )
        print(json.dumps(result))


if __name__ == "__main__":
    main()
