"""Issue 12: nothing heavy runs on the event loop, including what the first event imports.

Small events are validated on the event loop (cheaper than a thread hop). The first one carrying a
fairness facet used to import the OpenLineage client, numpy and jsonschema and build the facet
validators there (~1 s; /health stalled 0.7-2 s in tests/test_fairness_intervals.py). The server now
does that in a thread before it serves (governance.lineage.validate.warm_up, called by the app's
lifespan): after startup, validating any event imports nothing. A fresh interpreter shows it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import json, sys, time, uuid
from fastapi.testclient import TestClient
from governance.api.app import Settings, create_app
from governance.store.db import make_engine
from governance.store.migrate import upgrade
from governance.lineage.sources import SourceItem

engine = make_engine(sys.argv[1]); upgrade(engine)
with TestClient(create_app(engine, Settings(auth=False)), base_url="http://127.0.0.1") as client:
    assert client.get("/health").status_code == 200
    from governance.lineage.validate import validate_item
    events = json.loads(sys.argv[2])
    before = set(sys.modules)
    started = time.perf_counter()
    kinds = [type(validate_item(SourceItem("http", "[0]", json.dumps(e)))).__name__ for e in events]
    took = time.perf_counter() - started
    print(json.dumps({"kinds": kinds, "new": sorted(set(sys.modules) - before), "ms": took * 1000}))
"""


def test_after_startup_the_first_events_import_nothing_on_the_loop(tmp_path: Path) -> None:
    from governance.evidence.custom_facets import FAIRNESS, VALIDATION
    from tests.test_trust_submissions import _event, _fairness_facet, _results

    facets = {FAIRNESS.key: _fairness_facet(), VALIDATION.key: _results(0.9)}
    legacy = {FAIRNESS.legacy_key: {**_fairness_facet(), "_schemaURL": FAIRNESS.schema_url("1-0-0")}}
    events = [
        _event("5f1d1c9e-2b7a-4c1e-9a53-0f6f0f0f0f01"),
        _event("5f1d1c9e-2b7a-4c1e-9a53-0f6f0f0f0f02", run_facets=facets),
        _event("5f1d1c9e-2b7a-4c1e-9a53-0f6f0f0f0f03", run_facets=legacy),
    ]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, f"sqlite:///{tmp_path / 'gov.db'}", json.dumps(events)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["kinds"] == ["Accepted"] * 3, out
    assert out["new"] == [], f"first events imported {out['new'][:20]} on the event loop"
    print(f"first three events validated in {out['ms']:.0f} ms after startup")
