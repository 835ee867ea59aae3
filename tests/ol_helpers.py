"""Shared by the OpenLineage conformance tests: the oracle, the corpus, our decision, event edits.

The oracle (tests/ol_oracle.py) is jsonschema over the published spec folder; `ours` is
parse_event's decision in the same shape, so each test compares the two.
"""

from __future__ import annotations

import copy
from typing import Any

from governance.lineage.parse import EventValidationError, parse_event
from tests.ol_oracle import CorpusEvent, Oracle, Verdict, load_corpus, openlineage_dir

# tests/data/openlineage; missing data raises here, so every test using it fails (never skips)
ORACLE = Oracle(openlineage_dir() / "spec")  # as OpenLineage's validator decides (no `format` assertion)
STRICT_ORACLE = Oracle(openlineage_dir() / "spec", assert_formats=True)  # parse_event(..., strict=True)
CORPUS: list[CorpusEvent] = load_corpus()
DELETE = object()
Path_ = tuple[str | int, ...]


def oracle() -> Oracle:
    """The spec oracle."""
    return ORACLE


def strict_oracle() -> Oracle:
    """The spec oracle reading `format` as an assertion (parse_event's strict mode)."""
    return STRICT_ORACLE


def ours(event: Any, *, strict: bool = False) -> Verdict:
    """parse_event's decision as a Verdict, comparable with the oracle's (strict: with STRICT_ORACLE's)."""
    try:
        parsed = parse_event(event, strict=strict)
    except EventValidationError as exc:
        return Verdict(False, None, exc.message)
    return Verdict(True, parsed.kind, None)


def get_at(event: Any, path: Path_) -> Any:
    """The value at `path` (keys and list indexes) inside `event`."""
    for step in path:
        event = event[step]
    return event


def with_change(event: Any, path: Path_, value: Any) -> Any:
    """A copy of `event` with the value at `path` replaced, or removed when `value` is DELETE."""
    out = copy.deepcopy(event)
    parent = get_at(out, path[:-1])
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return out


UUID = "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
BAD_RUN_IDS = [
    "abc",
    UUID.replace("-", ""),
    "{" + UUID + "}",
    "urn:uuid:" + UUID,
    UUID.upper(),
    UUID + "}",
    UUID + "-0",
    "",
    42,
]


def _minimal() -> dict[str, Any]:
    """A small valid RunEvent with one standard facet, to change one thing at a time."""
    return {
        "eventType": "START",
        "eventTime": "2024-05-01T12:00:00Z",
        "producer": "https://example.com/p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": UUID},
        "job": {"namespace": "ns", "name": "train"},
        "inputs": [{"namespace": "s3://b", "name": "in.parquet"}],
        "outputs": [
            {
                "namespace": "s3://b",
                "name": "out.parquet",
                "facets": {
                    "schema": {
                        "_producer": "https://example.com/p",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                        "fields": [{"name": "a", "type": "int"}],
                    }
                },
            }
        ],
    }
