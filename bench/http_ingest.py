"""HTTP ingest with the stock `openlineage-python` client (HttpTransport, api_key auth, one event per
POST, as pipelines send them) against a `gov serve` on 127.0.0.1; SQLite, and PostgreSQL when
GOV_BENCH_POSTGRES_URL is set.

Reference in the same run: the same events through the service function in-process (no HTTP), so
the ratio is what the HTTP hop and the client cost.

    python bench/http_ingest.py [--events 2000] [--clients 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serve_load import in_process_rate, store  # noqa: E402
from governance.store.db import make_engine  # noqa: E402
from tests.service_helpers import ServeProcess, make_token  # noqa: E402


def client_rate(base: str, token: str, events: int, clients: int) -> float:
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/client/python"
    per_client = events // clients
    errors: list[BaseException] = []

    def emit(c: int) -> None:
        try:
            client = OpenLineageClient(transport=HttpTransport(HttpConfig(
                url=base, auth=ApiKeyTokenProvider({"apiKey": token}), timeout=60)))
            for i in range(per_client // 2):
                run = Run(runId=str(uuid.uuid4()))
                job = Job(namespace="bench", name=f"job_{c}_{i % 50}")
                ins = [InputDataset(namespace="warehouse", name=f"db.t_{(c * 7 + i) % 300}")]
                outs = [OutputDataset(namespace="lake", name=f"out/{c}_{i % 50}")]
                for state in (RunState.START, RunState.COMPLETE):
                    client.emit(RunEvent(eventType=state, eventTime=time.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                                         run=run, job=job, inputs=ins, outputs=outs, producer=producer))
        except BaseException as exc:  # noqa: BLE001 - reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=emit, args=(c,)) for c in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return (per_client // 2 * 2 * clients) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("GOV_BENCH_POSTGRES_URL") else [])
    print(f"HTTP ingest with openlineage-python HttpTransport: {args.events} events, {args.clients} client "
          f"threads, gov serve --workers {args.workers}; target >= 2,000 events/s")
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
            engine = make_engine(url)
            token = make_token(engine, "ingest", "bench-ol-client")
            engine.dispose()
            reference = in_process_rate(url, 1000, 0)
            server = ServeProcess(url, Path(tmp) / "home", "--workers", str(args.workers)).start()
            try:
                rate = client_rate(server.base, token, args.events, args.clients)
            finally:
                server.stop()
            print(f"  {kind:<11} {rate:8,.0f} events/s over HTTP ({rate / reference:.2f} of in-process "
                  f"{reference:,.0f}/s)  target: {'MET' if rate >= 2000 else 'MISSED'}")
    if len(kinds) == 1:
        print("  PostgreSQL: set GOV_BENCH_POSTGRES_URL to include it")


if __name__ == "__main__":
    main()
