"""The bundled example streams are valid OpenLineage by the official JSON Schemas, and we accept them."""

from __future__ import annotations

import json

from governance.lineage.parse import parse_event
from tests.helpers import EXAMPLES
from tests.ol_oracle import Oracle, openlineage_dir


def _events() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if line.strip():
                out.append((f"{path.name}:{number}", json.loads(line)))
    return out


def test_examples_pass_the_official_schemas() -> None:
    oracle = Oracle(openlineage_dir() / "spec")
    events = _events()
    assert len(events) >= 9
    for where, event in events:
        verdict = oracle.decide(event)
        assert verdict.valid, f"{where}: {verdict.reason}"
        parse_event(event)
