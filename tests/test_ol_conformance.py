"""parse_event accepts exactly what the published OpenLineage JSON Schemas accept.

The oracle (tests/ol_oracle.py) is jsonschema over the spec folder. Every corpus event, every
completed template, and many mutations of the valid ones must get the same accept/reject decision
(and the same event kind) from both; a random-mutation test looks for the cases the hand-written
mutations miss.

One allowance, for mutations only: openlineage-python has one class per facet, the newest version.
A facet that declares an older version whose schema lacked a property the newer one types (e.g.
SchemaDatasetFacet 1-0-0 has no nested `fields`) is held to the newer class, so there the parser
must agree with the oracle deciding at the client's facet versions instead (`disagreement`).
KNOWN_DIFFERENCES lists the published schema quirks where the two knowingly differ.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openlineage.client.event_v2 import DatasetEvent, JobEvent, RunEvent
from openlineage.client.generated.column_lineage_dataset import ColumnLineageDatasetFacet
from openlineage.client.generated.parent_run import ParentRunFacet
from openlineage.client.generated.schema_dataset import SchemaDatasetFacet

from governance.errors import InputError
from governance.lineage.parse import EventValidationError, ParsedEvent, parse_event
from tests.ol_oracle import (
    CorpusEvent,
    Oracle,
    Verdict,
    complete,
    facet_maps,
    load_corpus,
    missing_data_reason,
    openlineage_dir,
)

MISSING = missing_data_reason()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")

ORACLE = Oracle(openlineage_dir() / "spec") if MISSING is None else None
CORPUS: list[CorpusEvent] = load_corpus() if MISSING is None else []
DELETE = object()
Path_ = tuple[str | int, ...]


def oracle() -> Oracle:
    assert ORACLE is not None
    return ORACLE


def ours(event: Any) -> Verdict:
    try:
        parsed = parse_event(event)
    except EventValidationError as exc:
        return Verdict(False, None, exc.message)
    return Verdict(True, parsed.kind, None)


def _same(expected: Verdict, got: Verdict) -> bool:
    return (expected.valid, expected.kind if expected.valid else None) == (got.valid, got.kind)


def disagreement(event: Any) -> tuple[str | None, bool]:
    """(why ours and the oracle disagree, or None; whether only an older facet version explains it).

    openlineage-python has one class per facet, the newest version; a facet that declares an
    older version is held to that class. When that is the only cause of a difference, our decision
    equals the oracle's on the same event with its facets moved to the client's versions.
    """
    expected, got = oracle().decide(event), ours(event)
    if _same(expected, got):
        return None, False
    if _same(oracle().decide(oracle().at_client_versions(event)), got):
        return None, True
    return f"oracle={expected.valid} ({expected.reason}) ours={got.valid} ({got.reason})", False


def repair_time(event: Any) -> Any:
    """A NONCONFORMING event whose only fault is a naive eventTime, with `+00:00` added."""
    event = copy.deepcopy(event)
    time = event.get("eventTime")
    if isinstance(time, str) and time[-1:].isdigit() and "+" not in time[10:]:
        event["eventTime"] = time + "+00:00"
    return event


def _bases() -> list[tuple[str, Any]]:
    """The valid events mutations start from: corpus, completed templates, repaired files."""
    if ORACLE is None:
        return []
    out = []
    for item in CORPUS:
        candidates = [(item.name, item.event)]
        completed = complete(item.event, ORACLE, seed=item.name) if item.template else item.event
        if completed != item.event:
            candidates.append((f"completed {item.name}", completed))
        if item.name.startswith("NONCONFORMING-"):
            candidates.append((f"repaired {item.name}", repair_time(item.event)))
        out += [(name, event) for name, event in candidates if ORACLE.decide(event).valid]
    return out


BASES = _bases()
# Templates repeat one shape many times; mutating one event per distinct set of facet keys is enough.
_seen: set[tuple[str, frozenset[str]]] = set()
MUTATION_BASES = []
for _name, _event in BASES:
    _maps = facet_maps(_event, ours(_event).kind or "")
    _shape = (_name.split("[")[0], frozenset(str(sorted(facets)) for _p, _b, facets in _maps))
    if _shape not in _seen:
        _seen.add(_shape)
        MUTATION_BASES.append((_name, _event))


# ---- the corpus ---------------------------------------------------------------------------------

@pytest.mark.parametrize("item", CORPUS, ids=[c.name for c in CORPUS])
def test_corpus_decision_equals_oracle(item: CorpusEvent) -> None:
    expected, got = oracle().decide(item.event), ours(item.event)
    assert got.valid == expected.valid, f"ours: {got.reason}; oracle: {expected.reason}"
    assert got.kind == expected.kind or not expected.valid


@pytest.mark.parametrize("item", [c for c in CORPUS if c.template], ids=lambda c: c.name)
def test_completed_template_decision_equals_oracle(item: CorpusEvent) -> None:
    event = complete(item.event, oracle(), seed=item.name)
    expected, got = oracle().decide(event), ours(event)
    assert got.valid == expected.valid, f"ours: {got.reason}; oracle: {expected.reason}"


def test_corpus_labels_hold() -> None:
    """SOURCES.md labels: FULL files are valid, NONCONFORMING ones are not (for the stated reasons)."""
    for item in CORPUS:
        if item.name.startswith("NONCONFORMING-"):
            assert not ours(item.event).valid, item.name
        elif not item.template:
            assert ours(item.event).valid, item.name
    reasons = {c.name: ours(c.event).reason or "" for c in CORPUS if c.name.startswith("NONCONFORMING-")}
    assert reasons["NONCONFORMING-minimal-simple_run_event.json"].startswith("$.producer: not a URI")
    assert reasons["NONCONFORMING-client-python-serde_job_event.json"].startswith("$.eventTime:")
    assert reasons["NONCONFORMING-marquez-event_full.json"] == (
        "$.inputs[0].inputFacets.dataQualityMetrics.columnMetrics: missing required field")


# ---- mutations ----------------------------------------------------------------------------------

def get_at(event: Any, path: Path_) -> Any:
    for step in path:
        event = event[step]
    return event


def with_change(event: Any, path: Path_, value: Any) -> Any:
    out = copy.deepcopy(event)
    parent = get_at(out, path[:-1])
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return out


def exists(event: Any, path: Path_) -> bool:
    try:
        get_at(event, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


UUID = "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
BAD_RUN_IDS = ["abc", UUID.replace("-", ""), "{" + UUID + "}", "urn:uuid:" + UUID, UUID.upper(), UUID + "}",
               UUID + "-0", "", 42]
TIMES = ["2024-05-01", "2024-05-01t12:00:00z", "2024-05-01T12:00:00+05:30", "2024-05-01T12:00:00.123456789Z",
         "2024-02-30T00:00:00Z", "2024-02-29T00:00:00Z", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00Z\n",
         "2024-05-01T24:00:00Z", "2024-05-01T12:00:60Z", "0000-01-01T00:00:00Z", "2024-05-01T12:00:00+24:00",
         "2024-05-01T12:00Z", 1714564800, None]
PRODUCERS = ["producer", "", "http://exa mple.com", "urn:x", "//host/path", "mailto:a@b.c", "https://x.org/%zz",
             "https://例え.jp/", None]


def event_mutations(event: dict[str, Any]) -> Iterator[tuple[str, Path_, Any]]:
    """(label, path, new value or DELETE) for the event-level faults the spec must catch."""
    for key in ("eventTime", "producer", "schemaURL", "eventType", "run", "job", "inputs", "outputs"):
        yield f"drop {key}", (key,), DELETE
    time = event["eventTime"]
    yield "naive eventTime", ("eventTime",), time[:19]
    for value in TIMES:
        yield f"eventTime={value!r}", ("eventTime",), value
    for value in ["BOGUS", "start", 1, None, "OTHER", "FAIL"]:
        yield f"eventType={value!r}", ("eventType",), value
    for value in PRODUCERS:
        yield f"producer={value!r}", ("producer",), value
    yield "schemaURL not a URI", ("schemaURL",), "OpenLineage.json#/$defs/RunEvent"
    for path, value in [(("inputs",), {}), (("outputs",), "x"), (("run",), []), (("job",), "x"),
                        (("inputs",), [1]), (("job", "facets"), []), (("run", "facets"), "x"),
                        (("job", "name"), 5), (("job", "namespace"), None), (("run", "extra"), 1),
                        (("dataset",), {"namespace": "n", "name": "d"}), (("dataset",), {"name": 1}),
                        (("dataset", "facets"), {"x": 1}), (("dataset", "name"), DELETE)]:
        yield f"{path}={value!r}", path, value
    for value in BAD_RUN_IDS:
        yield f"runId={value!r}", ("run", "runId"), value
    for side in ("inputs", "outputs", "dataset"):
        prefix: Path_ = (side, 0) if side != "dataset" else (side,)
        for key, value in [("name", DELETE), ("namespace", 1), ("facets", []), ("inputFacets", "x"),
                           ("outputFacets", {"f": {}})]:
            yield f"{side} {key}={value!r}", (*prefix, key), value


def compound_mutations(event: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Changes of kind: the core schema's oneOf only lets exactly one branch match."""
    dataset = {"namespace": "n", "name": "d"}
    no_run = {k: v for k, v in event.items() if k != "run"}
    yield "JobEvent (no run)", no_run
    yield "JobEvent + dataset", {**no_run, "dataset": dataset}
    yield "JobEvent + bad dataset", {**no_run, "dataset": {"name": 1}}
    yield "JobEvent + eventType BOGUS", {**no_run, "eventType": "BOGUS"}
    yield "DatasetEvent + run", {**{k: v for k, v in event.items() if k != "job"}, "dataset": dataset}
    yield "RunEvent + dataset", {**event, "dataset": dataset}
    base = {k: event[k] for k in ("eventTime", "producer", "schemaURL") if k in event}
    yield "base only", base
    yield "not an object", [base]


def _leaf_paths(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key), inner
            yield from _leaf_paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:2]):
            yield (*path, index), inner
            yield from _leaf_paths(inner, (*path, index))


WRONG: dict[type, list[Any]] = {str: [5, None], bool: ["true", 0], int: [True, 1.0, 1.5, "1"],
                                float: ["1.5", False], list: [{}, "x"], dict: [[], "x"]}


def facet_mutations(event: dict[str, Any], kind: str) -> Iterator[tuple[str, Any]]:
    """Faults in facets: base fields, then wrong types and missing properties throughout standard ones."""
    for json_path, base, facets in facet_maps(event, kind):
        map_path = _to_path(json_path)
        for key, facet in facets.items():
            here = (*map_path, key)
            label = f"{json_path}.{key}"
            for sub, value in [(("_producer",), DELETE), (("_schemaURL",), DELETE), (("_producer",), ""),
                               (("_schemaURL",), "not a uri"), ((), "x"), ((), []), ((), {}),
                               (("_deleted",), "yes"), (("_deleted",), True)]:
                yield f"{label}{sub}={value!r}", with_change(event, (*here, *sub), value)
            target = oracle().facet_schema(key, facet)
            if target is None:
                promoted = oracle().latest_facet_urls.get(key, {}).get(base)
                if promoted:
                    yield f"{label} promoted", with_change(event, (*here, "_schemaURL"), promoted)
                continue
            renamed = with_change(event, here, DELETE)
            yield f"{label} renamed", with_change(renamed, (*map_path, "x_" + key), facet)
            url = facet["_schemaURL"]
            if "#" in url:
                unfragmented = url.split("#")[0]
                yield f"{label} without fragment", with_change(event, (*here, "_schemaURL"), unfragmented)
                for name in oracle().required_properties(url):
                    yield f"{label} drop {name}", with_change(event, (*here, name), DELETE)
            yield f"{label} custom URL", with_change(event, (*here, "_schemaURL"), "https://example.com/f.json")
            count = 0
            for leaf, value in _leaf_paths(facet):
                if str(leaf[-1]).startswith("_") or count > 40:
                    continue
                count += 1
                yield f"{label}{leaf} deleted", with_change(event, (*here, *leaf), DELETE)
                for wrong in WRONG.get(type(value), []):
                    yield f"{label}{leaf}={wrong!r}", with_change(event, (*here, *leaf), wrong)


def _to_path(json_path: str) -> Path_:
    out: list[str | int] = []
    for part in json_path.removeprefix("$.").replace("]", "").replace("[", ".").split("."):
        out.append(int(part) if part.isdigit() else part)
    return tuple(out)


def all_mutations(event: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for label, path, value in event_mutations(event):
        if exists(event, path[:-1]) and isinstance(get_at(event, path[:-1]), (dict, list)):
            if value is DELETE and not exists(event, path):
                continue
            yield label, with_change(event, path, value)
    yield from compound_mutations(event)
    yield from facet_mutations(event, ours(event).kind or "")


@pytest.mark.parametrize(("name", "event"), MUTATION_BASES, ids=[n for n, _ in MUTATION_BASES])
def test_mutations_decision_equals_oracle(name: str, event: dict[str, Any]) -> None:
    mismatches = []
    for label, mutated in all_mutations(event):
        why, _by_version = disagreement(mutated)
        if why is not None:
            mismatches.append(f"{label}: {why}")
    assert not mismatches, "\n".join(mismatches[:20])


def test_mutations_cover_both_outcomes() -> None:
    """The mutations are not all rejected (or all accepted): both sides of the boundary are tested."""
    name, event = next((n, e) for n, e in MUTATION_BASES if n.startswith("airflow"))
    decisions = [oracle().decide(m).valid for _label, m in all_mutations(event)]
    assert decisions.count(False) > 50 and decisions.count(True) > 20, name


# ---- random mutations ---------------------------------------------------------------------------

def _paths(value: Any, path: Path_ = ()) -> list[Path_]:
    out = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            out += _paths(inner, (*path, index))
    return out


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 2**40), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(BAD_RUN_IDS + TIMES + PRODUCERS + [UUID, "2024-05-01T12:00:00Z", "https://example.com/x",
                                                       "START", "COMPLETE", "DATASET", "JOB", "ALTER"]),
)
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["name", "namespace", "_producer", "_schemaURL", "fields", "type", "runId", "x"]), inner,
    max_size=3), max_leaves=6)
_tweaks: dict[str, Callable[[str], str]] = {
    "drop last": lambda s: s[:-1], "append space": lambda s: s + " ", "upper": str.upper, "lower": str.lower,
    "strip Z": lambda s: s.removesuffix("Z"), "prefix": lambda s: "x" + s, "empty": lambda s: "",
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
@given(data=st.data())
def test_random_mutations_decision_equals_oracle(data: st.DataObject) -> None:
    if not BASES:
        pytest.skip(MISSING or "no valid events")
    _name, event = data.draw(st.sampled_from(BASES), label="base")
    for _ in range(data.draw(st.integers(1, 3), label="steps")):
        paths = _paths(event)[1:]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        current = get_at(event, path)
        action = data.draw(st.sampled_from(["delete", "replace", "tweak"]), label="action")
        if action == "delete":
            event = with_change(event, path, DELETE)
        elif action == "tweak" and isinstance(current, str):
            tweak = data.draw(st.sampled_from(sorted(_tweaks)), label="tweak")
            event = with_change(event, path, _tweaks[tweak](current))
        else:
            event = with_change(event, path, data.draw(_json, label="value"))
    why, by_version = disagreement(event)
    note = " (decided at the client's facet versions)" if by_version else ""
    hypothesis.event(f"valid: {ours(event).valid}{note}")
    assert why is None, why


# ---- error messages and the parsed result -------------------------------------------------------

def _airflow(line: str = "01") -> dict[str, Any]:
    return copy.deepcopy(next(c.event for c in CORPUS if c.name == f"airflow-bq-gcs-line_{line}.json"))


def _minimal() -> dict[str, Any]:
    return {"eventType": "START", "eventTime": "2024-05-01T12:00:00Z", "producer": "https://example.com/p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": UUID}, "job": {"namespace": "ns", "name": "train"},
            "inputs": [{"namespace": "s3://b", "name": "in.parquet"}],
            "outputs": [{"namespace": "s3://b", "name": "out.parquet", "facets": {"schema": {
                "_producer": "https://example.com/p",
                "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                "fields": [{"name": "a", "type": "int"}]}}}]}


ERROR_CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("empty", lambda: {}, "$.eventTime", "missing required field"),
    ("runId", lambda: with_change(_minimal(), ("run", "runId"), "abc"), "$.run.runId", "not a UUID: 'abc'"),
    ("naive time", lambda: with_change(_minimal(), ("eventTime",), "2024-05-01T12:00:00"), "$.eventTime",
     "not an RFC 3339 date-time"),
    ("eventType", lambda: with_change(_minimal(), ("eventType",), "BOGUS"), "$.eventType", "must be one of"),
    ("inputs", lambda: with_change(_minimal(), ("inputs",), {}), "$.inputs", "expected an array, got object"),
    ("producer", lambda: with_change(_minimal(), ("producer",), "producer"), "$.producer", "not a URI"),
    ("nested facet", lambda: with_change(_minimal(), ("outputs", 0, "facets", "schema", "fields", 0, "name"),
                                         DELETE), "$.outputs[0].facets.schema.fields[0].name",
     "missing required field"),
    ("custom facet", lambda: with_change(_airflow(), ("run", "facets", "airflowDagRun", "_producer"), DELETE),
     "$.run.facets.airflowDagRun._producer", "missing required field"),
    ("facet key", lambda: with_change(_minimal(), ("run", "facets"), {"my-facet": 1}),
     "$.run.facets['my-facet']", "expected an object, got integer"),
    ("no kind", lambda: {k: v for k, v in _minimal().items() if k not in ("run", "job")}, "$",
     "missing required field: 'run' and 'job'"),
    ("run without job", lambda: with_change(_minimal(), ("job",), DELETE), "$.job", "missing required field"),
    ("not an object", lambda: [], "$", "expected a JSON object, got array"),
]


@pytest.mark.parametrize(("case", "make", "path", "reason"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_error_names_json_path(case: str, make: Callable[[], Any], path: str, reason: str) -> None:
    with pytest.raises(EventValidationError) as info:
        parse_event(make())
    error = info.value
    assert isinstance(error, InputError) and error.exit_code == 2
    assert error.json_path == path
    assert error.reason.startswith(reason), error.reason
    assert error.message == f"{path}: {error.reason}"


def test_parsed_event_carries_models_time_and_raw() -> None:
    raw = _airflow("03")
    before = copy.deepcopy(raw)
    parsed = parse_event(raw)
    assert isinstance(parsed, ParsedEvent)
    assert parsed.kind == "RunEvent" and isinstance(parsed.event, RunEvent)
    assert parsed.raw is raw and raw == before
    assert parsed.event_time.tzinfo is not None and parsed.event_time.utcoffset() == timedelta(0)
    assert parsed.event_time == datetime.fromisoformat(raw["eventTime"].replace("Z", "+00:00"))
    facets = parsed.event.run.facets or {}
    assert isinstance(facets["parent"], ParentRunFacet)
    assert facets["parent"].run.runId == raw["run"]["facets"]["parent"]["run"]["runId"]
    assert facets["airflow"] is raw["run"]["facets"]["airflow"]  # custom facets stay as they came
    outputs = parsed.event.outputs or []
    schema = (outputs[0].facets or {})["schema"]
    assert isinstance(schema, SchemaDatasetFacet) and schema.fields and schema.fields[0].name
    assert isinstance((outputs[0].facets or {})["columnLineage"], ColumnLineageDatasetFacet)
    assert parsed.event.schemaURL == raw["schemaURL"] and parsed.event.producer == raw["producer"]
    assert parsed.event.run.runId == raw["run"]["runId"]


def test_event_kinds_and_offsets() -> None:
    job_event = {k: v for k, v in _minimal().items() if k not in ("run", "eventType")}
    parsed = parse_event(job_event)
    assert parsed.kind == "JobEvent" and isinstance(parsed.event, JobEvent)
    dataset_event = {**{k: _minimal()[k] for k in ("producer", "schemaURL")},
                     "eventTime": "2024-05-01T14:00:00.5+02:00", "dataset": {"namespace": "n", "name": "d"}}
    parsed = parse_event(dataset_event)
    assert parsed.kind == "DatasetEvent" and isinstance(parsed.event, DatasetEvent)
    assert parsed.event_time.utcoffset() == timedelta(hours=2) and parsed.event_time.microsecond == 500000
    with pytest.raises(EventValidationError, match="valid both as a JobEvent"):
        parse_event({**job_event, "dataset": {"namespace": "n", "name": "d"}})


def test_run_ids_follow_the_uuid_format() -> None:
    """The `uuid` format as jsonschema checks it: UUID() must parse it and hyphens sit at 8-4-4-4-12.

    UUID() strips braces and hyphens, so a stray trailing brace passes; the oracle agrees.
    """
    accepted = {UUID, UUID.upper(), UUID + "}", str(uuid.uuid4())}
    for run_id in [*BAD_RUN_IDS, *accepted]:
        event = with_change(_minimal(), ("run", "runId"), run_id)
        assert ours(event).valid == (run_id in accepted) == oracle().decide(event).valid, run_id


# ---- corners of the spec the corpus does not reach ----------------------------------------------

F = "https://openlineage.io/spec/facets"
CORE = "https://openlineage.io/spec"
SUBSET = f"{F}/1-0-0/BaseSubsetDatasetFacet.json#/$defs/InputSubsetInputDatasetFacet"
LINEAGE = f"{F}/1-0-0/LineageFacet.json#/$defs/LineageJobFacet"
JOB_TYPE = f"{F}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
PARAMS = f"{F}/1-0-0/ExecutionParametersRunFacet.json#/$defs/ExecutionParametersRunFacet"
LIFECYCLE = f"{F}/1-0-1/LifecycleStateChangeDatasetFacet.json#/$defs/LifecycleStateChangeDatasetFacet"
METRICS = f"{F}/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet"
LOCATION = {"type": "location", "locations": ["s3://a"]}
PARTITION = {"type": "partition"}
COMPARE = {"type": "compare", "comparison": "EQUAL", "left": {"type": "field", "field": "a"},
           "right": {"type": "literal", "value": "1"}}
PLACES: dict[str, Path_] = {"run": ("run", "facets"), "job": ("job", "facets"),
                            "input": ("inputs", 0, "inputFacets"), "output": ("outputs", 0, "facets")}
CORNERS: list[tuple[str, str, str, dict[str, Any]]] = [
    # (facet map, key, _schemaURL, facet body)
    ("input", "subset", SUBSET, {"inputCondition": LOCATION}),
    ("input", "subset", SUBSET, {"inputCondition": {**LOCATION, "locations": "s3://a"}}),
    ("input", "subset", SUBSET, {"inputCondition": {"locations": ["s3://a"]}}),
    ("input", "subset", SUBSET, {"inputCondition": {"type": "bogus"}}),
    ("input", "subset", SUBSET, {"inputCondition": {**PARTITION, "partitions": [{"dimensions": {}}]}}),
    ("input", "subset", SUBSET, {"inputCondition": {**PARTITION, "partitions": [{"identifier": "p"}]}}),
    ("input", "subset", SUBSET, {"inputCondition": {"type": "binary", "operator": "AND", "left": LOCATION,
                                                    "right": COMPARE}}),
    ("input", "subset", SUBSET, {"inputCondition": {"type": "binary", "operator": "AND", "left": LOCATION,
                                                    "right": {**COMPARE, "left": {"type": "literal"}}}}),
    ("input", "subset", SUBSET, {}),
    ("job", "lineage", LINEAGE, {"entries": []}),
    ("job", "lineage", LINEAGE, {"entries": [{"type": "JOB"}]}),
    ("job", "lineage", LINEAGE, {"entries": [{"type": "JOB", "name": "x"}]}),
    ("job", "lineage", LINEAGE, {"entries": [{"type": "TABLE"}]}),
    ("job", "lineage", LINEAGE, {"entries": [{"type": "DATASET", "namespace": "n", "name": "d",
                                              "inputs": [{"type": "JOB", "runId": "abc"}]}]}),
    ("job", "lineage", LINEAGE, {"entries": [{"type": "DATASET", "namespace": "n", "name": "d", "fields": {
        "a": {"inputs": [{"type": "DATASET", "namespace": "n", "name": "s", "field": "b",
                          "transformations": [{"type": "DIRECT"}]}]}}}]}),
    ("job", "lineage", LINEAGE, {}),
    ("job", "jobType", JOB_TYPE, {"processingType": "BATCH", "integration": "SPARK", "emissionPattern": {
        "eventTrigger": "PERIODIC", "eventContentMode": "COMPLETE_SNAPSHOT", "windowDuration": 300}}),
    ("job", "jobType", JOB_TYPE, {"processingType": "BATCH", "integration": "SPARK", "emissionPattern": {
        "eventTrigger": "PERIODIC", "eventContentMode": "COMPLETE_SNAPSHOT", "windowDuration": 0}}),
    ("job", "jobType", JOB_TYPE, {"processingType": "BATCH", "integration": "SPARK", "emissionPattern": {
        "eventTrigger": "PERIODIC", "eventContentMode": "COMPLETE_SNAPSHOT", "windowDuration": 1.0}}),
    ("job", "jobType", JOB_TYPE, {"processingType": "BATCH", "integration": "SPARK",
                                  "emissionPattern": {"eventTrigger": "PERIODIC"}}),
    ("run", "executionParameters", PARAMS, {"parameters": [{"key": "a", "value": "1"}]}),
    ("run", "executionParameters", PARAMS, {"parameters": [{"key": "a", "value": "1", "extra": 1}]}),
    ("run", "executionParameters", PARAMS, {"parameters": [{"key": "a", "value": 3600}]}),
    ("output", "lifecycleStateChange", LIFECYCLE, {"lifecycleStateChange": "CREATE"}),
    ("output", "lifecycleStateChange", LIFECYCLE, {"lifecycleStateChange": "create"}),
    ("output", "lifecycleStateChange", LIFECYCLE, {"lifecycleStateChange": "RENAME",
                                                   "previousIdentifier": {"name": "a"}}),
    ("input", "dataQualityMetrics", METRICS, {"columnMetrics": {"a": {"quantiles": {"q": 2}}}}),
    ("input", "dataQualityMetrics", METRICS, {"columnMetrics": {"a": {"quantiles": {"0.5": "x"}}}}),
    ("input", "dataQualityMetrics", METRICS, {"columnMetrics": {}, "rowCount": 1.5}),
    ("input", "dataQualityMetrics", METRICS, {"columnMetrics": {}, "lastUpdated": "2024-05-01T12:00:00"}),
    # a URL may name any definition, not only a facet; the key does not matter then
    ("run", "x", f"{F}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacetFields", {}),
    ("run", "x", f"{F}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacetFields", {"name": "a"}),
    ("run", "x", f"{CORE}/2-0-2/OpenLineage.json#/$defs/Run", {}),
    ("run", "x", f"{CORE}/2-0-2/OpenLineage.json#/$defs/Run", {"runId": UUID}),
    ("run", "x", f"{CORE}/2-0-2/OpenLineage.json#/$defs/NominalTimeRunFacet", {}),  # no such $def
    ("run", "x", f"{CORE}/1-0-0/OpenLineage.json#/definitions/NominalTimeRunFacet",
     {"nominalStartTime": "2024-05-01T12:00:00"}),
    ("run", "x", f"{CORE}/1-0-0/OpenLineage.json#/definitions/NominalTimeRunFacet",
     {"nominalStartTime": "2024-05-01T12:00:00Z"}),
    # without a fragment the file's root schema applies, and it only constrains its own key
    ("output", "schema", f"{F}/1-1-1/SchemaDatasetFacet.json", {"fields": [{"type": "int"}]}),
    ("output", "other", f"{F}/1-1-1/SchemaDatasetFacet.json", {"fields": [{"type": "int"}]}),
    ("run", "nominalTime", f"{F}/1-0-1/NominalTimeRunFacet.json", {}),
    # a version newer than any published one is not checked
    ("output", "schema", f"{F}/9-9-9/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet", {"fields": 1}),
    # a standard facet in another facet map than its own: checked, plus that map's base (_deleted)
    ("output", "x", METRICS, {"columnMetrics": {}, "_deleted": "no"}),
    ("output", "x", METRICS, {"columnMetrics": {}, "_deleted": True}),
]


def _with_facet(place: str, key: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    facet = {"_producer": "https://example.com/p", "_schemaURL": url, **body}
    event = _minimal()
    get_at(event, PLACES[place][:-1]).setdefault(PLACES[place][-1], {})[key] = facet
    return event


@pytest.mark.parametrize(("place", "key", "url", "body"), CORNERS,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(CORNERS)])
def test_spec_corner_decision_equals_oracle(place: str, key: str, url: str, body: dict[str, Any]) -> None:
    event = _with_facet(place, key, url, body)
    expected, got = oracle().decide(event), ours(event)
    assert got.valid == expected.valid, f"ours: {got.reason}; oracle: {expected.reason}"


def test_spec_corners_cover_both_outcomes() -> None:
    decisions = [oracle().decide(_with_facet(*corner)).valid for corner in CORNERS]
    assert decisions.count(True) >= 15 and decisions.count(False) >= 15


# Where we knowingly differ from the oracle. The client has one class per facet (its newest); the
# oracle knows every published version, so for versions whose published schema disagrees with
# the newest one, or that were never published, the two can disagree.
ENGINE_1_0_0 = f"{F}/1-0-0/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet"
STATS_1_0_0 = f"{F}/1-0-0/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
KNOWN_DIFFERENCES: list[tuple[str, str, str, str, dict[str, Any], bool]] = [
    # (why, facet map, key, _schemaURL, body, our decision); the oracle decides the opposite
    ("1-0-0 required the misspelt 'engine_version'", "run", "processing_engine", ENGINE_1_0_0,
     {"version": "1", "name": "x"}, True),
    ("1-0-0 required the misspelt 'engine_version'", "run", "processing_engine", ENGINE_1_0_0,
     {"engine_version": "1", "name": "x"}, False),
    ("1-0-0 required rowCount", "output", "outputStatistics", STATS_1_0_0, {"size": 1}, True),
    ("SchemaDatasetFacet 1-0-1 was never published", "output", "schema",
     f"{F}/1-0-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet", {"fields": 1}, False),
]


@pytest.mark.parametrize(("why", "place", "key", "url", "body", "decision"), KNOWN_DIFFERENCES,
                         ids=[f"{c[2]}-{i}" for i, c in enumerate(KNOWN_DIFFERENCES)])
def test_known_differences_from_oracle(why: str, place: str, key: str, url: str, body: dict[str, Any],
                                       decision: bool) -> None:
    event = _with_facet(place, key, url, body)
    assert ours(event).valid is decision, why
    assert oracle().decide(event).valid is not decision, why


def test_events_built_with_the_client_round_trip() -> None:
    """What openlineage-python's transports send parses, and serialises back to the same JSON."""
    import json

    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunState
    from openlineage.client.facet_v2 import (
        column_lineage_dataset,
        data_quality_assertions_dataset,
        nominal_time_run,
        output_statistics_output_dataset,
        parent_run,
        schema_dataset,
        sql_job,
    )
    from openlineage.client.serde import Serde

    assertion = data_quality_assertions_dataset.Assertion(assertion="not_null", success=False, column="a")
    source = column_lineage_dataset.InputField("s3://b", "in", "a")
    lineage = column_lineage_dataset.Fields(inputFields=[source])
    stats = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=3)
    event = RunEvent(
        eventType=RunState.FAIL, eventTime="2024-05-01T12:00:00.250+02:00",
        run=Run(runId=str(uuid.uuid4()), facets={
            "parent": parent_run.ParentRunFacet(run=parent_run.Run(runId=str(uuid.uuid4())),
                                                job=parent_run.Job(namespace="n", name="p")),
            "nominalTime": nominal_time_run.NominalTimeRunFacet(nominalStartTime="2024-05-01T00:00:00Z")}),
        job=Job(namespace="ns", name="job", facets={"sql": sql_job.SQLJobFacet(query="select 1")}),
        inputs=[InputDataset("s3://b", "in", facets={"schema": schema_dataset.SchemaDatasetFacet(
            fields=[schema_dataset.SchemaDatasetFacetFields(name="a", type="int")])}, inputFacets={
            "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                assertions=[assertion])})],
        outputs=[OutputDataset("s3://b", "out", facets={
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields={"a": lineage})},
            outputFacets={"outputStatistics": stats})])
    sent = json.loads(Serde.to_json(event))
    parsed = parse_event(sent)
    assert json.loads(Serde.to_json(parsed.event)) == sent
    assert oracle().decide(sent).valid
