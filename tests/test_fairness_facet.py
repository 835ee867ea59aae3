"""The gov_fairnessEvaluation run facet: schema, offline validation with JSON paths, storage like the CLI's;
the 1-0-0 key `fairnessEvaluation` is still accepted."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from sqlalchemy.engine import Engine
from sqlmodel import select

from governance.errors import InputError, NotFoundError
from governance.evidence.fairness_facet import (
    FACET_KEY,
    LEGACY_KEY,
    OPENLINEAGE_BASE,
    SCHEMA_URL,
    facet_schema,
    ingest_fairness_facet,
    to_facet,
    validate_fairness_facet,
)
from governance.evidence.intervals import completed_results
from governance.evidence.queries import fairness_evaluations
from governance.evidence.tables import FairnessEvaluation
from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope
from tests.conftest import DATA, data_path
from tests.helpers import gov

SPEC = DATA / "openlineage" / "spec"
ROOT = "$.run.facets.gov_fairnessEvaluation"
PRODUCER = "https://github.com/acme/pipelines/tree/v3/fairness"
WHEN = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit", owner="team")
        register_version(session, "credit", VersionSpec("1", "s3://m/1", "cd" * 32, "alice"))
    return sqlite_engine


@pytest.fixture
def evaluated(store: Engine, tmp_path: Path) -> dict[str, Any]:
    """A CLI evaluation (with a score, intersectional) and its facet."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(4)
    n = 500
    y = rng.integers(0, 2, n)
    frame = pd.DataFrame(
        {
            "race": rng.choice(["a", "b", "c"], n),
            "sex": rng.choice(["f", "m"], n),
            "y": y,
            "p": np.where(rng.random(n) < 0.75, y, 1 - y),
            "s": rng.random(n),
        }
    )
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    result = gov(
        "evidence",
        "fairness",
        "credit",
        "1",
        "--data",
        str(path),
        "--label",
        "y",
        "--prediction",
        "p",
        "--sensitive",
        "race,sex",
        "--privileged",
        "race=a",
        "--score",
        "s",
        "--bootstrap",
        "200",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    return {"doc": doc, "facet": to_facet(doc, PRODUCER)}


def published_registry() -> Registry:
    resources = []
    for path in data_path("openlineage", "spec").rglob("*.json"):
        contents = json.loads(path.read_text())
        if isinstance(contents, dict) and "$id" in contents:
            resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def test_schema_is_draft_2020_12_and_extends_the_published_run_facet() -> None:
    schema = facet_schema()
    Draft202012Validator.check_schema(schema)
    assert FACET_KEY == "gov_fairnessEvaluation" and LEGACY_KEY == "fairnessEvaluation"
    assert schema["$id"] == "https://gov-audit.dev/spec/facets/2-0-0/FairnessEvaluationRunFacet.json"
    assert schema["$id"] + "#/$defs/FairnessEvaluationRunFacet" == SCHEMA_URL
    parts = schema["$defs"]["FairnessEvaluationRunFacet"]["allOf"]
    assert parts[0] == {"$ref": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunFacet"}
    assert schema["properties"] == {FACET_KEY: {"$ref": "#/$defs/FairnessEvaluationRunFacet"}}
    # The 1-0-0 schema stays as published (stored events were written to it); only the key differs.
    legacy = facet_schema("1-0-0")
    Draft202012Validator.check_schema(legacy)
    assert legacy["$id"] == "https://gov-audit.dev/spec/facets/1-0-0/FairnessEvaluationRunFacet.json"
    assert legacy["properties"] == {LEGACY_KEY: {"$ref": "#/$defs/FairnessEvaluationRunFacet"}}
    assert legacy["$defs"] == schema["$defs"]


def test_offline_base_matches_the_published_spec() -> None:
    published = json.loads((SPEC / "2-0-2" / "OpenLineage.json").read_text())["$defs"]
    local = OPENLINEAGE_BASE["$defs"]
    assert local["BaseFacet"]["required"] == published["BaseFacet"]["required"]
    for name, prop in local["BaseFacet"]["properties"].items():
        assert {k: published["BaseFacet"]["properties"][name][k] for k in ("type", "format")} == prop
    assert published["RunFacet"]["allOf"] == local["RunFacet"]["allOf"]


def _mutations(facet: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    def change(edit: Any) -> dict[str, Any]:
        copied = copy.deepcopy(facet)
        edit(copied)
        return copied

    return {
        "no producer": (change(lambda f: f.pop("_producer")), "._producer"),
        "no model": (change(lambda f: f.pop("model")), ".model"),
        "no model version": (change(lambda f: f["model"].pop("version")), ".model.version"),
        "bad digest": (change(lambda f: f["data"].update(digest="md5:abc")), ".data.digest"),
        "negative count": (change(lambda f: f["groups"][0].update(tp=-1)), ".groups[0].tp"),
        "fractional count": (change(lambda f: f["groups"][2].update(fn=1.5)), ".groups[2].fn"),
        "no groups": (change(lambda f: f.update(groups=[])), ".groups"),
        "unknown group field": (change(lambda f: f["groups"][1].update(extra=1)), ".groups[1]"),
        "sensitive not a list": (change(lambda f: f.update(sensitive="race")), ".sensitive"),
        "bad confidence": (change(lambda f: f["bootstrap"].update(confidence=1.0)), ".bootstrap.confidence"),
    }


def test_offline_validation_agrees_with_the_published_spec(evaluated: dict[str, Any]) -> None:
    schema = facet_schema()
    registry = published_registry().with_resource(schema["$id"], Resource.from_contents(schema))
    oracle = Draft202012Validator(
        {"$ref": SCHEMA_URL}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    facet = evaluated["facet"]
    assert oracle.is_valid(facet)
    validate_fairness_facet(facet)
    for name, (bad, _) in _mutations(facet).items():
        assert not oracle.is_valid(bad), name
        with pytest.raises(InputError):
            validate_fairness_facet(bad)


def test_the_first_problem_is_named_by_its_json_path(evaluated: dict[str, Any]) -> None:
    for name, (bad, path) in _mutations(evaluated["facet"]).items():
        with pytest.raises(InputError) as caught:
            validate_fairness_facet(bad)
        assert isinstance(caught.value, InputError) and caught.value.where == ROOT + path, name
        assert caught.value.one_line().startswith(ROOT + path + ": "), name


def test_ingested_facet_is_stored_like_the_cli_evaluation(store: Engine, evaluated: dict[str, Any]) -> None:
    run_id = str(uuid.uuid4())
    with session_scope(store) as session:
        ingest_fairness_facet(session, run_id=run_id, facet=evaluated["facet"], producer=PRODUCER, event_time=WHEN)
        ingest_fairness_facet(session, run_id=run_id, facet=evaluated["facet"], producer=PRODUCER, event_time=WHEN)
    with session_scope(store) as session:
        rows = session.exec(select(FairnessEvaluation).where(FairnessEvaluation.run_id == run_id)).all()
        assert len(rows) == 1  # the same facet twice in one run (START and COMPLETE) is one evaluation
        row = rows[0]
        assert row.producer == PRODUCER and row.digest_scope == "reported" and row.evaluated_at == WHEN
        stored, doc = row.results, evaluated["doc"]
        # Ingest stores counts and point estimates; the bootstrap intervals are pending (#12 item 3)
        assert row.intervals_pending and stored["bootstrap"]["method"] == "pending"
        assert all(m["ci"] is None for m in stored["metrics"].values())
        assert {k: m["value"] for k, m in stored["metrics"].items()} == {
            k: m["value"] for k, m in doc["metrics"].items()
        }
        assert fairness_evaluations(session, row.model_version_id, with_intervals=True)  # the gate's read
        assert not row.intervals_pending
    with session_scope(store) as session:
        row = session.exec(select(FairnessEvaluation).where(FairnessEvaluation.run_id == run_id)).one()
        assert not row.intervals_pending  # stored by the read, not just used
        stored = row.results
    assert "intervals_pending" not in stored and stored["bootstrap"] == doc["bootstrap"]
    assert stored["metrics"] == doc["metrics"]
    assert stored["groups"] == doc["groups"] and stored["four_fifths"] == doc["four_fifths"]
    assert stored["pairwise"] == doc["pairwise"]
    assert stored["reported_metrics"] == {k: v["value"] for k, v in doc["metrics"].items()}
    assert stored["data"]["digest"] == doc["data"]["digest"] and stored["run_id"] == run_id
    listed = gov("evidence", "list", "credit", "--format", "json")
    assert sorted(e["producer"] for e in json.loads(listed.stdout)) == sorted([PRODUCER, "gov-cli"])


@pytest.mark.parametrize(
    ("edit", "path", "error"),
    [
        (lambda f: f["model"].update(name="nope"), ".model", NotFoundError),
        (lambda f: f["model"].update(version="7"), ".model", NotFoundError),
        (lambda f: f.update(privilegedGroup="race=zz"), ".privilegedGroup", InputError),
        (lambda f: f["groups"][1]["values"].pop("sex"), ".groups[1].values", InputError),
        (lambda f: f["groups"][1]["values"].update(f["groups"][0]["values"]), ".groups[1]", InputError),
        (lambda f: f["groups"][0].pop("scoreSum"), ".groups[0]", InputError),
    ],
)
def test_semantic_problems_name_their_path_and_store_nothing(
    store: Engine, evaluated: dict[str, Any], edit: Any, path: str, error: type
) -> None:
    facet = copy.deepcopy(evaluated["facet"])
    edit(facet)
    with pytest.raises(error) as caught, session_scope(store) as session:
        ingest_fairness_facet(session, run_id=str(uuid.uuid4()), facet=facet, producer=PRODUCER, event_time=WHEN)
    assert isinstance(caught.value, InputError) and caught.value.where == ROOT + path
    if error is InputError:  # everything but the registry lookup is found without the store
        with pytest.raises(InputError) as early:
            validate_fairness_facet(facet)
        assert early.value.where == ROOT + path
    with session_scope(store) as session:
        assert len(session.exec(select(FairnessEvaluation)).all()) == 1  # only the fixture's CLI evaluation


def test_facet_in_an_openlineage_event_is_ingested(store: Engine, evaluated: dict[str, Any]) -> None:
    ingest = pytest.importorskip("governance.lineage.ingest")
    run_id = str(uuid.uuid4())
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-27T12:00:00Z",
        "run": {"runId": run_id, "facets": {FACET_KEY: evaluated["facet"]}},
        "job": {"namespace": "pipelines", "name": "fairness-check"},
        "inputs": [],
        "outputs": [],
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    report = ingest.ingest_objects(store, [event], source="test")
    assert report.accepted == 1, report.rejected
    with session_scope(store) as session:
        row = session.exec(select(FairnessEvaluation).where(FairnessEvaluation.run_id == run_id)).one()
        assert row.producer == PRODUCER and row.intervals_pending
    # `gov evidence finish` computes the deferred intervals: the same as the CLI evaluation's
    finished = gov("evidence", "finish")
    assert finished.exit_code == 0 and finished.stdout.startswith("1 evaluation(s) completed"), finished.stdout
    with session_scope(store) as session:
        row = session.exec(select(FairnessEvaluation).where(FairnessEvaluation.run_id == run_id)).one()
        assert not row.intervals_pending
        assert row.results["metrics"] == evaluated["doc"]["metrics"]
    assert gov("evidence", "finish").stdout.startswith("0 evaluation(s) completed")


def test_the_1_0_0_key_is_still_ingested_and_named_in_errors(store: Engine, evaluated: dict[str, Any]) -> None:
    """Stored events carry `fairnessEvaluation`: ingest keeps accepting it, and its errors name that key."""
    ingest = pytest.importorskip("governance.lineage.ingest")
    legacy = copy.deepcopy(evaluated["facet"])
    legacy["_schemaURL"] = "https://gov-audit.dev/spec/facets/1-0-0/FairnessEvaluationRunFacet.json"
    run_id = str(uuid.uuid4())
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-27T12:00:00Z",
        "run": {"runId": run_id, "facets": {LEGACY_KEY: legacy}},
        "job": {"namespace": "pipelines", "name": "fairness-check"},
        "inputs": [],
        "outputs": [],
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    report = ingest.ingest_objects(store, [event], source="test")
    assert report.accepted == 1, report.rejected
    with session_scope(store) as session:
        row = session.exec(select(FairnessEvaluation).where(FairnessEvaluation.run_id == run_id)).one()
        assert completed_results(row)["metrics"] == evaluated["doc"]["metrics"]
    bad = copy.deepcopy(event)
    bad["run"]["runId"] = str(uuid.uuid4())
    bad["run"]["facets"][LEGACY_KEY]["groups"][0]["tp"] = -1
    report = ingest.ingest_objects(store, [bad], source="test")
    assert report.accepted == 0
    assert [r.json_path for r in report.rejected] == [f"$.run.facets.{LEGACY_KEY}.groups[0].tp"]


def test_when_both_keys_are_present_the_prefixed_one_is_stored(store: Engine, evaluated: dict[str, Any]) -> None:
    ingest = pytest.importorskip("governance.lineage.ingest")
    other = copy.deepcopy(evaluated["facet"])
    for group in other["groups"]:  # a different evaluation under the old key
        group["tp"] += 5
    run_id = str(uuid.uuid4())
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-27T12:00:00Z",
        "run": {"runId": run_id, "facets": {FACET_KEY: evaluated["facet"], LEGACY_KEY: other}},
        "job": {"namespace": "pipelines", "name": "fairness-check"},
        "inputs": [],
        "outputs": [],
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    report = ingest.ingest_objects(store, [event], source="test")
    assert report.accepted == 1, report.rejected
    with session_scope(store) as session:
        rows = session.exec(select(FairnessEvaluation).where(FairnessEvaluation.run_id == run_id)).all()
        assert [completed_results(r)["metrics"] for r in rows] == [evaluated["doc"]["metrics"]]
