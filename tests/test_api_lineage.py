"""HTTP ingestion with the stock openlineage-python client against a real `gov serve` on 127.0.0.1,
authenticated with an API token through the client's own `api_key` setting."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from tests.helpers import EXAMPLES, snapshot
from tests.service_helpers import ServeProcess, assert_error_shape, bearer, make_token

pytest_plugins = ["tests.conftest_service"]


@pytest.fixture
def server(engine: Engine, db_url: str, serve: Any) -> ServeProcess:
    """`gov serve` as its own process on the test's store (authentication on: the default)."""
    return serve(db_url)  # type: ignore[no-any-return]


def test_stock_client_with_api_key_start_complete_then_query(server: ServeProcess, engine: Engine) -> None:
    ingest = make_token(engine, Role.INGEST, "airflow")
    auditor = bearer(make_token(engine, Role.AUDITOR, "auditor"))
    for compression in (None, "gzip"):
        _emit_and_query(server, engine, ingest, auditor, compression)
    # The ingest token writes lineage and nothing else: it cannot read it back.
    assert_error_shape(
        httpx.get(
            f"{server.base}/api/v1/lineage/upstream",
            headers=bearer(ingest),
            params={"nodeId": "dataset:warehouse:raw.loans"},
        ),
        403,
    )


def _emit_and_query(
    server: ServeProcess, engine: Engine, ingest: str, auditor: dict[str, str], compression: str | None
) -> None:
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport

    before = snapshot(engine)["raw_event"]
    config = HttpConfig(
        url=server.base,
        auth=ApiKeyTokenProvider({"apiKey": ingest}),
        compression=HttpCompression(compression) if compression else None,
    )
    client = OpenLineageClient(transport=HttpTransport(config))
    run = Run(runId=str(uuid.uuid4()))
    job = Job(namespace="pipelines", name=f"train_{compression}")
    inputs = [InputDataset(namespace="warehouse", name="raw.loans")]
    outputs = [OutputDataset(namespace="lake", name=f"models/loan_{compression}")]
    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/client/python"
    for state in (RunState.START, RunState.COMPLETE):
        client.emit(
            RunEvent(
                eventType=state,
                eventTime=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                run=run,
                job=job,
                inputs=inputs,
                outputs=outputs,
                producer=producer,
            )
        )
    assert snapshot(engine)["raw_event"] == before + 2
    got = httpx.get(
        f"{server.base}/api/v1/lineage/upstream",
        params={"nodeId": f"dataset:lake:models/loan_{compression}"},
        headers=auditor,
    ).json()
    assert {n["id"] for n in got["nodes"]} == {
        f"dataset:lake:models/loan_{compression}",
        f"job:pipelines:train_{compression}",
        "dataset:warehouse:raw.loans",
    }
    marquez = httpx.get(
        f"{server.base}/api/v1/lineage", params={"nodeId": "dataset:warehouse:raw.loans", "depth": 5}, headers=auditor
    ).json()
    node = next(n for n in marquez["graph"] if n["id"] == "dataset:warehouse:raw.loans")
    destinations = {e["destination"] for e in node["outEdges"]}
    assert node["type"] == "DATASET" and f"job:pipelines:train_{compression}" in destinations


def test_refusals_write_nothing(server: ServeProcess, engine: Engine) -> None:
    """No valid key: 401 (also to the stock client); invalid events: 400; oversized: 413."""
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    event = json.loads((EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[0])
    before = snapshot(engine)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        assert_error_shape(httpx.post(f"{server.base}/api/v1/lineage", json=event, headers=headers), 401)
    config = HttpConfig(url=server.base, auth=ApiKeyTokenProvider({"apiKey": "gov_" + "x" * 43}))
    client = OpenLineageClient(transport=HttpTransport(config))
    with pytest.raises(Exception):  # noqa: B017 - the client's own error type varies across versions
        client.emit(
            RunEvent(
                eventType=RunState.START,
                eventTime="2026-01-01T00:00:00+00:00",
                run=Run(runId=str(uuid.uuid4())),
                job=Job(namespace="p", name="j"),
                producer="https://example.com/p",
            )
        )

    ingest = bearer(make_token(engine, Role.INGEST, "pipe"))
    cases = [
        b"{not json",
        json.dumps({**event, "eventType": "NOPE"}).encode(),
        json.dumps({**event, "run": {"runId": "not-a-uuid"}}).encode(),
        json.dumps({**event, "eventTime": "2026-13-45"}).encode(),
    ]
    for body in cases:
        assert_error_shape(httpx.post(f"{server.base}/api/v1/lineage", content=body, headers=ingest), 400)
    huge = gzip.compress(json.dumps({**event, "x": "y" * (10 * 1024 * 1024)}).encode())
    response = httpx.post(f"{server.base}/api/v1/lineage", content=huge, headers={**ingest, "Content-Encoding": "gzip"})
    assert_error_shape(response, 413)
    assert snapshot(engine) == before
    with engine.connect() as conn:  # every refused event is kept with its reason, unparseable or not
        kept = conn.execute(text("SELECT payload, reason FROM rejected_event ORDER BY id")).all()
    assert [row.payload.encode() for row in kept] == cases
    assert kept[0].reason.startswith("malformed JSON")


def test_batch_endpoint_reports_failed_events(server: ServeProcess, engine: Engine) -> None:
    ingest = bearer(make_token(engine, Role.INGEST, "pipe"))
    events = [json.loads(line) for line in (EXAMPLES / "credit_platform.jsonl").read_text().splitlines()]
    bad = {**events[0], "eventTime": "not a time"}
    body = [events[0], bad, events[1], events[0]]
    response = httpx.post(f"{server.base}/api/v1/lineage/batch", json=body, headers=ingest)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "partial_success"
    assert data["summary"]["received"] == 4 and data["summary"]["failed"] == 1
    assert data["failed_events"][0]["index"] == 1 and "eventTime" in data["failed_events"][0]["reason"]
    assert snapshot(engine)["raw_event"] == 2
    again = httpx.post(f"{server.base}/api/v1/lineage/batch", json=[events[0], events[1]], headers=ingest).json()
    assert again["status"] == "success" and again["summary"]["duplicates"] == 2
