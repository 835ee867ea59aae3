"""Synthetic OpenLineage events and graphs for benchmarks (deterministic)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

PRODUCER = "https://github.com/gov-audit/gov/tree/0.1.0/bench"
SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def run_events(n: int, *, jobs: int = 500, datasets: int = 2000) -> Iterator[dict[str, Any]]:
    """`n` RunEvents (START/COMPLETE pairs) over a pool of jobs and datasets, with schema facets."""
    for i in range(n // 2):
        job = i % jobs
        run_id = str(uuid.UUID(int=(i + 1) << 32))
        ins = [{"namespace": "warehouse", "name": f"db.table_{(job * 3 + k) % datasets}"} for k in range(2)]
        out = [
            {
                "namespace": "lake",
                "name": f"out/job_{job}",
                "facets": {
                    "schema": {
                        "_producer": PRODUCER,
                        "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/SchemaDatasetFacet.json",
                        "fields": [{"name": "id", "type": "BIGINT"}, {"name": "value", "type": "DOUBLE"}],
                    }
                },
            }
        ]
        for k, state in enumerate(("START", "COMPLETE")):
            yield {
                "eventType": state,
                "eventTime": (T0 + timedelta(seconds=2 * i + k)).isoformat(),
                "producer": PRODUCER,
                "schemaURL": SCHEMA,
                "run": {"runId": run_id, "facets": {}},
                "job": {"namespace": "bench", "name": f"job_{job}", "facets": {}},
                "inputs": ins,
                "outputs": out if state == "COMPLETE" else [],
            }


def layered_edges(total_edges: int, width: int = 25_000) -> Iterator[tuple[str, str]]:
    """A layered DAG alternating datasets and jobs. A job reads two neighbouring datasets of the layer
    before; a dataset is written by one job. Depth-d upstream reaches O(d^2) nodes, like real pipelines."""
    count, layer = 0, 0
    while count < total_edges:
        kind = "job" if layer % 2 == 1 else "dataset"
        prev = "dataset" if kind == "job" else "job"
        for i in range(width):
            if layer > 0:
                yield f"{prev}:bench:L{layer - 1}_{i}", f"{kind}:bench:L{layer}_{i}"
                count += 1
                if kind == "job":
                    yield f"{prev}:bench:L{layer - 1}_{(i + 1) % width}", f"{kind}:bench:L{layer}_{i}"
                    count += 1
            if count >= total_edges:
                return
        layer += 1
