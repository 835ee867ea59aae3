"""HTTP ingestion with the stock openlineage-python client against a real `gov serve` on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.helpers import EXAMPLES, snapshot

API_KEY = "test-key-" + uuid.uuid4().hex


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[str]:
    """`gov serve` as its own process, with an API key, on the test's store."""
    port = _free_port()
    env = {**os.environ, "GOV_DATABASE_URL": db_url, "GOV_API_KEY": API_KEY, "GOV_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "governance.cli.main", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError(proc.stdout.read().decode() if proc.stdout else "server did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_stock_client_start_complete_then_query(server: str, compression: str | None) -> None:
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport

    config = HttpConfig(url=server, auth=ApiKeyTokenProvider({"apiKey": API_KEY}),
                        compression=HttpCompression(compression) if compression else None)
    client = OpenLineageClient(transport=HttpTransport(config))
    run = Run(runId=str(uuid.uuid4()))
    job = Job(namespace="pipelines", name=f"train_{compression}")
    inputs = [InputDataset(namespace="warehouse", name="raw.loans")]
    outputs = [OutputDataset(namespace="lake", name=f"models/loan_{compression}")]
    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/client/python"
    for state in (RunState.START, RunState.COMPLETE):
        client.emit(RunEvent(eventType=state, eventTime=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                             run=run, job=job, inputs=inputs, outputs=outputs, producer=producer))
    got = httpx.get(f"{server}/api/v1/lineage/upstream", params={"nodeId": f"dataset:lake:models/loan_{compression}"},
                    headers=_auth()).json()
    assert {n["id"] for n in got["nodes"]} == {
        f"dataset:lake:models/loan_{compression}", f"job:pipelines:train_{compression}", "dataset:warehouse:raw.loans"}
    marquez = httpx.get(f"{server}/api/v1/lineage", params={"nodeId": "dataset:warehouse:raw.loans", "depth": 5},
                        headers=_auth()).json()
    node = next(n for n in marquez["graph"] if n["id"] == "dataset:warehouse:raw.loans")
    assert node["type"] == "DATASET" and node["outEdges"][0]["destination"] == f"job:pipelines:train_{compression}"


def test_auth_required(server: str) -> None:
    event = json.loads((EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[0])
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        response = httpx.post(f"{server}/api/v1/lineage", json=event, headers=headers)
        assert response.status_code == 401
        assert set(response.json()["error"]) >= {"code", "message"}


def test_bad_events_answer_400_and_write_nothing(server: str, engine: Engine) -> None:
    event = json.loads((EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[0])
    before = snapshot(engine)
    cases = [b"{not json", json.dumps({**event, "eventType": "NOPE"}).encode(),
             json.dumps({k: v for k, v in event.items() if k != "run"}).encode() if False else
             json.dumps({**event, "run": {"runId": "not-a-uuid"}}).encode(),
             json.dumps({**event, "eventTime": "2026-13-45"}).encode()]
    for body in cases:
        response = httpx.post(f"{server}/api/v1/lineage", content=body, headers=_auth())
        assert response.status_code == 400, response.text
        assert response.json()["error"]["message"]
    huge = gzip.compress(json.dumps({**event, "x": "y" * (10 * 1024 * 1024)}).encode())
    response = httpx.post(f"{server}/api/v1/lineage", content=huge,
                          headers={**_auth(), "Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert snapshot(engine) == before


def test_batch_endpoint_reports_failed_events(server: str, engine: Engine) -> None:
    events = [json.loads(line) for line in (EXAMPLES / "credit_platform.jsonl").read_text().splitlines()]
    bad = {**events[0], "eventTime": "not a time"}
    body = [events[0], bad, events[1], events[0]]
    response = httpx.post(f"{server}/api/v1/lineage/batch", json=body, headers=_auth())
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "partial_success"
    assert data["summary"]["received"] == 4 and data["summary"]["failed"] == 1
    assert data["failed_events"][0]["index"] == 1 and "eventTime" in data["failed_events"][0]["reason"]
    assert snapshot(engine)["raw_event"] == 2
    again = httpx.post(f"{server}/api/v1/lineage/batch", json=[events[0], events[1]], headers=_auth()).json()
    assert again["status"] == "success" and again["summary"]["duplicates"] == 2
