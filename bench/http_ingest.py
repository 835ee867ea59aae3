"""HTTP ingest with the stock `openlineage-python` client (HttpTransport, api_key auth, one event per
POST, as pipelines send them) against a `gov serve` on 127.0.0.1; SQLite, and PostgreSQL when
GOV_BENCH_POSTGRES_URL is set. Target: >= 2,000 events/s.

Each client is its own process (pipelines are separate processes; one Python process cannot drive
HttpTransport much past ~1,500 requests/s whatever the server). Printed in the same run, for scale:
- the same clients against a do-nothing HTTP responder (asyncio, answers 201 at once): what the
  client processes themselves allow on this machine, since they share its cores with the server;
- gov serve under a light load generator (asyncio, keep-alive connections, the client's exact request
  bodies, ~0.05 ms of CPU per request instead of ~0.6): the server's own capacity;
- the server's CPU per event under the stock clients, and the same events through the service
  function in-process, one call per event (no HTTP).

    python bench/http_ingest.py [--events 8000] [--clients 4] [--connections 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serve_load import in_process_rate, store  # noqa: E402
from governance.store.db import make_engine  # noqa: E402
from tests.service_helpers import ServeProcess, free_port, make_token  # noqa: E402

RESPONDER = r"""
import asyncio, sys
async def handle(reader, writer):
    while True:
        if not await reader.readline():
            break
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
        await writer.drain()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def client_process(index: int, n: int, url: str, token: str, go: Any, done: Any) -> None:
    """One pipeline: build its events, wait for the start signal, emit them one by one."""

    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    client = OpenLineageClient(
        transport=HttpTransport(HttpConfig(url=url, auth=ApiKeyTokenProvider({"apiKey": token}), timeout=60))
    )
    events = pipeline_events(index, n)
    client.emit(events[0])  # connect, warm up (the first event is counted as stored, not as timed)
    go.wait()
    try:
        for event in events[1:]:
            client.emit(event)
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        done.put(repr(exc))
        return
    done.put(len(events) - 1)


def pipeline_events(index: int, n: int) -> list[Any]:
    """START/COMPLETE pairs of one pipeline's runs, as openlineage-python RunEvents."""
    import uuid

    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState

    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/client/python"
    events = []
    for i in range(n // 2):
        run = Run(runId=str(uuid.uuid4()))
        job = Job(namespace="bench", name=f"job_{index}_{i % 50}")
        ins = [InputDataset(namespace="warehouse", name=f"db.t_{(index * 7 + i) % 300}")]
        outs = [OutputDataset(namespace="lake", name=f"out/{index}_{i % 50}")]
        for state in (RunState.START, RunState.COMPLETE):
            events.append(
                RunEvent(
                    eventType=state,
                    eventTime=time.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                    run=run,
                    job=job,
                    inputs=ins,
                    outputs=outs,
                    producer=producer,
                )
            )
    return events


def light_rate(port: int, token: str, events: int, connections: int, batch: int = 0, seed: int = 100) -> float:
    """Events/s from one asyncio process over `connections` keep-alive connections, each sending the
    stock client's serialised events one request at a time (what HttpTransport sends, minus its cost);
    with `batch`, JSON arrays of `batch` events to /api/v1/lineage/batch (the OpenLineage batch API)."""
    import asyncio

    from openlineage.client.serde import Serde

    bodies = [
        Serde.to_json(e).encode() for c in range(connections) for e in pipeline_events(seed + c, events // connections)
    ]
    per_body = 1
    if batch:
        per_body = batch
        bodies = [b"[" + b",".join(bodies[i : i + batch]) + b"]" for i in range(0, len(bodies), batch)]
    route, ok = (b"/api/v1/lineage/batch", b"200") if batch else (b"/api/v1/lineage", b"201")
    head = (
        b"POST " + route + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + token.encode() + b"\r\nContent-Length: "
    )

    async def connection(chunk: list[bytes]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for body in chunk:
            writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            status, length = await reader.readline(), 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            answer = await reader.readexactly(length)
            if status.split()[1] != ok or (batch and b'"failed":0' not in answer.replace(b" ", b"")):
                raise RuntimeError(f"light client: {status!r} {answer[:200]!r}")
        writer.close()

    async def all_connections() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(connection(bodies[i::connections]) for i in range(connections)))
        return len(bodies) * per_body / (time.perf_counter() - start)

    return asyncio.run(all_connections())


def client_rate(url: str, token: str, events: int, clients: int) -> float:
    """Events/s of `clients` processes emitting `events` in all, from the start signal to the last answer."""
    ctx = mp.get_context("fork")
    go, done = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=client_process, args=(i, events // clients, url, token, go, done)) for i in range(clients)
    ]
    for p in procs:
        p.start()
    time.sleep(2.0)  # every client has built its events and connected
    start = time.perf_counter()
    go.set()
    results = [done.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join()
    failed = [r for r in results if not isinstance(r, int)]
    if failed:
        raise RuntimeError(f"a client failed: {failed[0]}")
    return sum(results) / elapsed  # type: ignore[arg-type]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that are alive (uvicorn workers), from /proc."""
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def responder_rate(events: int, clients: int) -> float:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", RESPONDER, str(port)])
    try:
        time.sleep(0.5)
        return client_rate(f"http://127.0.0.1:{port}", "unused", events, clients)
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=8000)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--connections", type=int, default=16, help="light load generator connections")
    parser.add_argument("--workers", type=int, default=1, help="gov serve --workers")
    parser.add_argument("--batch", type=int, default=100, help="events per /lineage/batch request (0: skip)")
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("GOV_BENCH_POSTGRES_URL") else [])
    print(
        f"HTTP ingest, openlineage-python HttpTransport, one event per POST: {args.events} events from "
        f"{args.clients} client processes; gov serve --workers {args.workers}; {os.cpu_count()} CPUs; "
        f"target >= 2,000 events/s"
    )
    ceiling = responder_rate(args.events, args.clients)
    print(f"  clients vs a do-nothing responder: {ceiling:8,.0f} events/s (what the clients allow here)")
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
            engine = make_engine(url)
            token = make_token(engine, "ingest", "bench-ol-client")
            engine.dispose()
            reference = in_process_rate(url, 1000, 0)
            extra = ("--workers", str(args.workers)) if args.workers > 1 else ()
            server = ServeProcess(url, Path(tmp) / "home", *extra).start()
            try:
                assert server.proc is not None
                before = cpu_seconds(server.proc.pid)
                rate = client_rate(server.base, token, args.events, args.clients)
                per_event = (cpu_seconds(server.proc.pid) - before) / args.events
            finally:
                server.stop()
            print(
                f"  {kind:<11} gov serve:  {rate:8,.0f} events/s ({rate / ceiling:.2f} of the responder; "
                f"in-process one-by-one {reference:,.0f}/s)  target: {'MET' if rate >= 2000 else 'MISSED'}"
            )
            server = ServeProcess(url, Path(tmp) / "home2", *extra).start()
            try:
                light = light_rate(server.port, token, args.events, args.connections)
            finally:
                server.stop()
            print(
                f"  {'':<11} server CPU under the stock clients {per_event * 1000:.2f} ms/event; under the light "
                f"client ({args.connections} connections): {light:,.0f} events/s (the server's capacity here)"
                f"  target >= 1,500: {'MET' if light >= 1500 else 'MISSED'}"
            )
            if args.batch:
                server = ServeProcess(url, Path(tmp) / "home3", *extra).start()
                try:
                    assert server.proc is not None
                    before = cpu_seconds(server.proc.pid)
                    batched = light_rate(server.port, token, 5 * args.events, 8, batch=args.batch, seed=1000)
                    per_event = (cpu_seconds(server.proc.pid) - before) / (5 * args.events)
                finally:
                    server.stop()
                print(
                    f"  {'':<11} /lineage/batch, {args.batch} events per request, light client (8 connections): "
                    f"{batched:,.0f} events/s, server CPU {per_event * 1000:.3f} ms/event  "
                    f"target >= 10,000: {'MET' if batched >= 10_000 else 'MISSED'}"
                )
    if len(kinds) == 1:
        print("  PostgreSQL: set GOV_BENCH_POSTGRES_URL to include it")


if __name__ == "__main__":
    main()
