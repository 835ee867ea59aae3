"""parse_event keeps agreeing with the OpenLineage JSON Schemas on mutations of valid events.

Many hand-written mutations of every valid event (corpus, completed templates, repaired files)
must get the same accept/reject decision (and the same event kind) from parse_event and the
oracle (tests/ol_oracle.py); a random-mutation test looks for the cases the hand-written
mutations miss.

One allowance: openlineage-python has one class per facet, the newest version. A facet that
declares an older version whose schema lacked a property the newer one types (e.g.
SchemaDatasetFacet 1-0-0 has no nested `fields`) is held to the newer class, so there the parser
must agree with the oracle deciding at the client's facet versions instead (`disagreement`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ol_helpers import (
    BAD_RUN_IDS,
    CORPUS,
    DELETE,
    ORACLE,
    UUID,
    Path_,
    get_at,
    oracle,
    ours,
    strict_oracle,
    with_change,
)
from tests.ol_oracle import Verdict, complete, facet_maps


def _same(expected: Verdict, got: Verdict) -> bool:
    return (expected.valid, expected.kind if expected.valid else None) == (got.valid, got.kind)


def disagreement(event: Any, *, strict_too: bool = True) -> tuple[str | None, bool]:
    """(why ours and the oracle disagree, or None; whether only an older facet version explains it).

    openlineage-python has one class per facet, the newest version; a facet that declares an
    older version is held to that class. When that is the only cause of a difference, our decision
    equals the oracle's on the same event with its facets moved to the client's versions.
    """
    by_version = False
    # Default mode; and strict mode when mutating an event the strict oracle accepts. (A base valid only
    # without formats, e.g. a real dbt event with `"uri": "bigquery"`, reaches a known difference in
    # strict mode: parse_event checks facets while choosing JobEvent or DatasetEvent, the schema after.)
    modes = ((False, oracle()), (True, strict_oracle())) if strict_too else ((False, oracle()),)
    for strict, judge in modes:
        expected, got = judge.decide(event), ours(event, strict=strict)
        if _same(expected, got):
            continue
        if _same(judge.decide(judge.at_client_versions(event)), got):
            by_version = True
            continue
        mode = "strict: " if strict else ""
        return f"{mode}oracle={expected.valid} ({expected.reason}) ours={got.valid} ({got.reason})", False
    return None, by_version


def repair_time(event: Any) -> Any:
    """A NONCONFORMING event whose only fault is a naive eventTime, with `+00:00` added."""
    event = copy.deepcopy(event)
    time = event.get("eventTime")
    if isinstance(time, str) and time[-1:].isdigit() and "+" not in time[10:]:
        event["eventTime"] = time + "+00:00"
    return event


def _bases() -> list[tuple[str, Any]]:
    """The valid events mutations start from: corpus, completed templates, repaired files."""
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


# ---- mutations ----------------------------------------------------------------------------------


def exists(event: Any, path: Path_) -> bool:
    try:
        get_at(event, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


TIMES = [
    "2024-05-01",
    "2024-05-01t12:00:00z",
    "2024-05-01T12:00:00+05:30",
    "2024-05-01T12:00:00.123456789Z",
    "2024-02-30T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2024-05-01 12:00:00Z",
    "2024-05-01T12:00:00Z\n",
    "2024-05-01T24:00:00Z",
    "2024-05-01T12:00:60Z",
    "0000-01-01T00:00:00Z",
    "2024-05-01T12:00:00+24:00",
    "2024-05-01T12:00Z",
    1714564800,
    None,
]
PRODUCERS = [
    "producer",
    "",
    "http://exa mple.com",
    "urn:x",
    "//host/path",
    "mailto:a@b.c",
    "https://x.org/%zz",
    "https://例え.jp/",
    None,
]


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
    for path, value in [
        (("inputs",), {}),
        (("outputs",), "x"),
        (("run",), []),
        (("job",), "x"),
        (("inputs",), [1]),
        (("job", "facets"), []),
        (("run", "facets"), "x"),
        (("job", "name"), 5),
        (("job", "namespace"), None),
        (("run", "extra"), 1),
        (("dataset",), {"namespace": "n", "name": "d"}),
        (("dataset",), {"name": 1}),
        (("dataset", "facets"), {"x": 1}),
        (("dataset", "name"), DELETE),
    ]:
        yield f"{path}={value!r}", path, value
    for value in BAD_RUN_IDS:
        yield f"runId={value!r}", ("run", "runId"), value
    for side in ("inputs", "outputs", "dataset"):
        prefix: Path_ = (side, 0) if side != "dataset" else (side,)
        for key, value in [
            ("name", DELETE),
            ("namespace", 1),
            ("facets", []),
            ("inputFacets", "x"),
            ("outputFacets", {"f": {}}),
        ]:
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


WRONG: dict[type, list[Any]] = {
    str: [5, None],
    bool: ["true", 0],
    int: [True, 1.0, 1.5, "1"],
    float: ["1.5", False],
    list: [{}, "x"],
    dict: [[], "x"],
}


def facet_mutations(event: dict[str, Any], kind: str) -> Iterator[tuple[str, Any]]:
    """Faults in facets: base fields, then wrong types and missing properties throughout standard ones."""
    for json_path, base, facets in facet_maps(event, kind):
        map_path = _to_path(json_path)
        for key, facet in facets.items():
            here = (*map_path, key)
            label = f"{json_path}.{key}"
            for sub, value in [
                (("_producer",), DELETE),
                (("_schemaURL",), DELETE),
                (("_producer",), ""),
                (("_schemaURL",), "not a uri"),
                ((), "x"),
                ((), []),
                ((), {}),
                (("_deleted",), "yes"),
                (("_deleted",), True),
            ]:
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
    strict_valid = strict_oracle().decide(event).valid
    mismatches = []
    for label, mutated in all_mutations(event):
        why, _by_version = disagreement(mutated, strict_too=strict_valid)
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
    st.none(),
    st.booleans(),
    st.integers(-3, 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        BAD_RUN_IDS
        + TIMES
        + PRODUCERS
        + [UUID, "2024-05-01T12:00:00Z", "https://example.com/x", "START", "COMPLETE", "DATASET", "JOB", "ALTER"]
    ),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "namespace", "_producer", "_schemaURL", "fields", "type", "runId", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)
_tweaks: dict[str, Callable[[str], str]] = {
    "drop last": lambda s: s[:-1],
    "append space": lambda s: s + " ",
    "upper": str.upper,
    "lower": str.lower,
    "strip Z": lambda s: s.removesuffix("Z"),
    "prefix": lambda s: "x" + s,
    "empty": lambda s: "",
}


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_random_mutations_decision_equals_oracle(data: st.DataObject) -> None:
    assert BASES, "no valid base events in the corpus (tests/data/openlineage/events)"
    _name, event = data.draw(st.sampled_from(BASES), label="base")
    strict_valid = strict_oracle().decide(event).valid
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
    why, by_version = disagreement(event, strict_too=strict_valid)
    note = " (decided at the client's facet versions)" if by_version else ""
    hypothesis.event(f"valid: {ours(event).valid}{note}")
    assert why is None, why
