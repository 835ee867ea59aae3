"""gov's custom facets follow the OpenLineage naming rule: prefixed keys, schemas at versioned URLs.

gov writes `gov_fairnessEvaluation`, `gov_validationResults`, `gov_runAuthors` (schema 2-0-0); ingest
still accepts the 1-0-0 keys without the prefix (stored events carry them), and every reader takes
the prefixed key when an event or a run holds both.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy.engine import Engine

from governance.evidence import custom_facets
from governance.evidence.custom_facets import ALL, AUTHORS, FAIRNESS, VALIDATION, by_key, shadowed
from governance.lineage.authors import authors_of
from governance.lineage.ingest import ingest_objects

REPO = Path(__file__).resolve().parents[1]
FACETS = REPO / "lineage" / "facets"
EXAMPLES = REPO / "lineage" / "examples" / "credit_platform.jsonl"
PRODUCER = "https://github.com/acme/pipelines/tree/v3/validate"
CORE = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_keys_carry_the_prefix_and_schemas_a_versioned_url() -> None:
    assert [f.key for f in ALL] == ["gov_fairnessEvaluation", "gov_validationResults", "gov_runAuthors"]
    assert [f.legacy_key for f in ALL] == ["fairnessEvaluation", "validationResults", "runAuthors"]
    assert VALIDATION.schema_url() == (
        "https://gov-audit.dev/spec/facets/2-0-0/ValidationResultsRunFacet.json#/$defs/ValidationResultsRunFacet"
    )
    assert by_key("gov_runAuthors") == (AUTHORS, "2-0-0") and by_key("runAuthors") == (AUTHORS, "1-0-0")
    assert by_key("ownership") is None and by_key("gov_ownership") is None


@pytest.mark.parametrize("facet", ALL, ids=lambda f: f.name)
def test_each_version_has_its_own_schema_file_with_the_same_definitions(facet: custom_facets.CustomFacet) -> None:
    new = json.loads(FACETS.joinpath(*facet.schema_parts()[1:]).read_text())
    old = json.loads(FACETS.joinpath(*facet.schema_parts("1-0-0")[1:]).read_text())
    for schema in (new, old):
        Draft202012Validator.check_schema(schema)
    assert new["$id"] == facet.schema_id() and facet.schema_url().startswith(new["$id"] + "#/$defs/")
    assert old["$id"] == facet.schema_id("1-0-0") != new["$id"]
    assert new["properties"] == {facet.key: {"$ref": f"#/$defs/{facet.definition}"}}
    assert old["properties"] == {facet.legacy_key: {"$ref": f"#/$defs/{facet.definition}"}}
    assert new["$defs"] == old["$defs"]  # only the key changed


def test_readers_prefer_the_prefixed_key() -> None:
    new = {"authors": [{"name": "carol"}]}
    old = {"authors": [{"name": "alice"}]}
    assert AUTHORS.read({"runAuthors": old}) == old and AUTHORS.read({"gov_runAuthors": new}) == new
    assert AUTHORS.read({"runAuthors": old, "gov_runAuthors": new}) == new
    assert AUTHORS.read({}) is None and AUTHORS.read(None) is None
    assert AUTHORS.present_key({"runAuthors": old}) == "runAuthors"
    assert AUTHORS.present_key({"runAuthors": old, "gov_runAuthors": new}) == "gov_runAuthors"
    assert shadowed("runAuthors", {"runAuthors": old, "gov_runAuthors": new})
    assert not shadowed("gov_runAuthors", {"runAuthors": old, "gov_runAuthors": new})
    assert not shadowed("runAuthors", {"runAuthors": old})
    owners = {"ownership": {"owners": [{"name": "dora"}]}}
    assert authors_of(owners, {"runAuthors": old}) == ("alice", "dora")
    assert authors_of(owners, {"gov_runAuthors": new}) == ("carol", "dora")
    assert authors_of(owners, {"runAuthors": old, "gov_runAuthors": new}) == ("carol", "dora")


def test_gov_writes_only_prefixed_keys_in_its_examples() -> None:
    """The bundled example events (and so `gov demo`) use the prefixed keys and the 2-0-0 schema URLs."""
    seen = set()
    for line in EXAMPLES.read_text().splitlines():
        facets = json.loads(line)["run"]["facets"]
        for key, value in facets.items():
            found = by_key(key)
            if found is not None:
                assert found[1] == "2-0-0", key
                assert value["_schemaURL"] == found[0].schema_url()
                seen.add(key)
    assert seen == {VALIDATION.key}


def _validation(value: float) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": VALIDATION.schema_url(),
        "results": [{"stage": "model_performance", "name": "auc", "value": value, "baseline": 0.7}],
    }


def _event(
    run: str, job: str, *, inputs: tuple[str, ...] = (), outputs: tuple[str, ...] = (), **facets: Any
) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-01T10:00:00Z",
        "producer": PRODUCER,
        "schemaURL": CORE,
        "run": {"runId": run, "facets": facets},
        "job": {"namespace": "ml", "name": job},
        "inputs": [{"namespace": "s3://m", "name": n} for n in inputs],
        "outputs": [{"namespace": "s3://m", "name": n} for n in outputs],
    }


def _context(engine: Engine, validation_facets: dict[str, Any]) -> Any:
    from governance.gate.gather import build_context
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    train, check = str(uuid.uuid4()), str(uuid.uuid4())
    model = f"m{train[:8]}"
    events = [
        _event(train, f"train-{model}", outputs=[f"models/{model}"]),
        _event(check, f"validate-{model}", inputs=[f"models/{model}"], **validation_facets),
    ]
    report = ingest_objects(engine, events, source="test")
    assert report.accepted == 2, report.rejected
    with session_scope(engine) as session:
        register_model(session, model, owner="team")
        register_version(session, model, VersionSpec("1", f"s3://m/models/{model}", "ab" * 32, "eve", train))
    with session_scope(engine) as session:
        ctx = build_context(session, model, "1", "production", evaluated_at=NOW)
        return check, [(v.name, v.value, v.source) for v in ctx.validation if v.stage == "model_performance"]


def test_the_gate_reads_validation_results_under_either_key_preferring_the_prefixed(sqlite_engine: Engine) -> None:
    run, items = _context(sqlite_engine, {"validationResults": _validation(0.81)})
    assert items == [("auc", 0.81, f"run:{run}#validationResults")]
    run, items = _context(sqlite_engine, {"gov_validationResults": _validation(0.82)})
    assert items == [("auc", 0.82, f"run:{run}#gov_validationResults")]
    run, items = _context(
        sqlite_engine, {"validationResults": _validation(0.5), "gov_validationResults": _validation(0.83)}
    )
    assert items == [("auc", 0.83, f"run:{run}#gov_validationResults")]


@pytest.mark.parametrize("key", ["gov_validationResults", "validationResults", "gov_runAuthors", "runAuthors"])
def test_an_invalid_facet_under_either_key_is_rejected_with_its_path(sqlite_engine: Engine, key: str) -> None:
    facet = _validation(0.8) if "validation" in key.lower() else {"_producer": PRODUCER, "authors": [{"name": ""}]}
    facet = copy.deepcopy(facet)
    facet["_schemaURL"] = by_key(key)[0].schema_url(by_key(key)[1])  # type: ignore[index]
    if "validation" in key.lower():
        facet["results"][0]["stage"] = "vibes"
    report = ingest_objects(sqlite_engine, [_event(str(uuid.uuid4()), "j", **{key: facet})], source="test")
    assert report.accepted == 0
    [rejection] = report.rejected
    assert rejection.json_path is not None and rejection.json_path.startswith(f"$.run.facets.{key}.")
    valid = {"_producer": PRODUCER, "_schemaURL": facet["_schemaURL"], "authors": [{"name": "alice"}]}
    good = _validation(0.8) if "validation" in key.lower() else valid
    assert ingest_objects(sqlite_engine, [_event(str(uuid.uuid4()), "j", **{key: good})], source="t").accepted == 1


def test_fairness_keys_are_both_evidence_facets() -> None:
    from governance.lineage.evidence_facets import evidence_facets

    assert set(evidence_facets()) == {k for f in ALL for k in f.keys} | {"gov_stageEvidence"}  # no 1-0-0 key
    assert FAIRNESS.key in evidence_facets() and FAIRNESS.legacy_key in evidence_facets()
