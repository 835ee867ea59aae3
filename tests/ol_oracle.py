"""Test helpers for OpenLineage: the JSON Schema oracle, the example-event corpus, placeholders.

The oracle is the published spec itself (tests/data/openlineage/spec, test data only: the
product never reads it). An event is valid when it passes the core schema (2-0-2, Draft 2020-12,
with format checking) and every facet in the event's facet maps passes the schema its
`_schemaURL` names, when that schema is in the spec folder:

- `.../X.json#/$defs/Y` (or any resolvable fragment): the facet is validated against that subschema;
- `.../facets/<v>/X.json` (no fragment): that file's root schema describes `{"<key>": <facet>}`,
  so `{key: facet}` is validated against it (as OpenLineage's own compatibility tests do);
- any other URL (custom facets, unpublished versions, unresolvable fragments): not checked.

By default the oracle validates as OpenLineage's own validator does (its compatibility tests:
`Draft202012Validator` without a format checker, so `format` is an annotation), plus what a store needs,
as Marquez requires it: the RunEvent's `run.runId` is a UUID and `eventTime` is an RFC 3339 date-time,
with or without its offset. One more allowance mirrors what real producers send: a facet whose
`_schemaURL` names the schema of another kind of facet (a job facet's schema in a run's facets, as the
Flink integration 1.34 sends `flink_job`) is not held to it. `Oracle(..., assert_formats=True)` reads
`format` as an assertion and has no allowance: the decision of `parse_event(..., strict=True)`.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from tests.conftest import data_path

CORE_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
# a published standard schema: a facet file (with or without a $def) or a definition in a core file
_STANDARD_URL = re.compile(
    r"https://openlineage\.io/spec/(?:facets/)?[\d-]+/(\w+)\.json(?:#/(?:\$defs|definitions)/(\w+))?$"
)
KINDS = ("RunEvent", "DatasetEvent", "JobEvent")
FACET_BASE_NAMES = ("RunFacet", "JobFacet", "DatasetFacet", "InputDatasetFacet", "OutputDatasetFacet")


def openlineage_dir() -> Path:
    """tests/data/openlineage: the spec and the event corpus (missing data raises, never skips)."""
    data_path("openlineage", "spec", "2-0-2", "OpenLineage.json")
    data_path("openlineage", "events")
    return data_path("openlineage")


# ---- the oracle -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    valid: bool
    kind: str | None
    reason: str | None


def facet_maps(event: dict[str, Any], kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(json path, base facet type, facet map) for each facet map the event's kind declares."""

    def maps_of(dataset: Any, path: str, extra: tuple[tuple[str, str], ...]) -> Iterator[Any]:
        if isinstance(dataset, dict):
            for key, base in (("facets", "DatasetFacet"), *extra):
                if isinstance(dataset.get(key), dict):
                    yield f"{path}.{key}", base, dataset[key]

    if kind == "DatasetEvent":
        yield from maps_of(event.get("dataset"), "$.dataset", ())
        return
    if kind == "RunEvent" and isinstance(event["run"].get("facets"), dict):
        yield "$.run.facets", "RunFacet", event["run"]["facets"]
    if isinstance(event["job"].get("facets"), dict):
        yield "$.job.facets", "JobFacet", event["job"]["facets"]
    for side, extra in (
        ("inputs", ("inputFacets", "InputDatasetFacet")),
        ("outputs", ("outputFacets", "OutputDatasetFacet")),
    ):
        for i, dataset in enumerate(event.get(side) or []):
            yield from maps_of(dataset, f"$.{side}[{i}]", (extra,))


class Oracle:
    """Accept/reject decisions of the published JSON Schemas, resolved offline from the spec folder."""

    def __init__(self, spec_dir: Path, *, assert_formats: bool = False) -> None:
        self.assert_formats = assert_formats
        resources = []
        for path in sorted(spec_dir.rglob("*.json")):
            contents = json.loads(path.read_text(encoding="utf-8"))
            resource = Resource.from_contents(contents, default_specification=DRAFT202012)
            resources.append((contents["$id"], resource))
        self.registry: Registry[Any] = Registry().with_resources(resources)  # type: ignore[call-arg]
        if CORE_URL not in self.registry:
            raise FileNotFoundError(f"the core schema {CORE_URL} is not in {spec_dir} (see tests/data/SOURCES.md)")
        self._validators: dict[str, Draft202012Validator] = {}

    def validator(self, ref: str) -> Draft202012Validator:
        if ref not in self._validators:
            checker = Draft202012Validator.FORMAT_CHECKER if self.assert_formats else None
            self._validators[ref] = Draft202012Validator({"$ref": ref}, registry=self.registry, format_checker=checker)
        return self._validators[ref]

    def first_error(self, ref: str, instance: Any) -> str | None:
        error = best_match(self.validator(ref).iter_errors(instance))
        if error is None:
            return None
        while error.context:  # a failed oneOf/anyOf: say what failed inside the likeliest branch
            error = best_match(error.context)
        return f"{error.json_path}: {error.message[:200]}"

    def facet_schema(self, key: str, facet: dict[str, Any]) -> tuple[str, Any] | None:
        """(schema ref, instance to validate) for a facet whose `_schemaURL` the spec folder defines."""
        url = facet["_schemaURL"]
        base, fragment = urldefrag(url)
        if base not in self.registry:
            return None
        if fragment:
            try:
                self.registry.resolver().lookup(url)
            except Unresolvable:
                return None
            return url, facet
        if "/spec/facets/" not in base:
            return None
        return base, {key: facet}

    def decide(self, event: Any) -> Verdict:
        """Valid or not, the oneOf branch matched, and the first reason when invalid."""
        error = self.first_error(CORE_URL, event)
        if error is not None:
            return Verdict(False, None, error)
        kind = next(k for k in KINDS if self.validator(f"{CORE_URL}#/$defs/{k}").is_valid(event))
        if not self.assert_formats:
            error = self.store_error(event, kind)
            if error is not None:
                return Verdict(False, kind, error)
        for path, base, facets in facet_maps(event, kind):
            for key, facet in facets.items():
                target = self.facet_schema(key, facet)
                if target is None:
                    continue
                error = self.first_error(*target)
                if error is not None and not self.assert_formats and self.facet_base(target[0]) not in (None, base):
                    continue  # a schema of another kind of facet: not held to it (module doc)
                if error is not None:
                    return Verdict(False, kind, f"{path}.{key} ({facet['_schemaURL']}): {error}")
        return Verdict(True, kind, None)

    @staticmethod
    def store_error(event: dict[str, Any], kind: str) -> str | None:
        """What the store needs, checked with jsonschema's own format checks: runId, eventTime."""
        checker = Draft202012Validator.FORMAT_CHECKER
        if kind == "RunEvent" and not checker.conforms(event["run"]["runId"], "uuid"):
            return "$.run.runId: not a uuid"
        time = event["eventTime"]
        if not (checker.conforms(time, "date-time") or checker.conforms(time + "Z", "date-time")):
            return "$.eventTime: not a date-time, even read as UTC"
        return None

    def facet_base(self, ref: str) -> str | None:
        """The facet base type (RunFacet, JobFacet...) the facet definition `ref` extends, if it names one."""
        if "#" not in ref:
            return None
        try:
            definition = self.registry.resolver().lookup(ref).contents
        except Unresolvable:
            return None
        if not isinstance(definition, dict):
            return None
        for part in definition.get("allOf", []):
            name = part.get("$ref", "").rpartition("/")[2] if isinstance(part, dict) else ""
            if name in FACET_BASE_NAMES:
                return str(name)
        return None

    @cached_property
    def latest_facet_urls(self) -> dict[str, dict[str, str]]:
        """key -> {base facet type -> newest facet schema URL}, read from the facet schemas' roots."""
        found: dict[str, dict[str, tuple[tuple[int, ...], str]]] = {}
        for uri in self.registry:
            match = re.search(r"/spec/facets/(\d+)-(\d+)-(\d+)/(\w+)\.json$", uri)
            if not match:
                continue
            contents = self.registry.contents(uri)
            version = tuple(int(x) for x in match.groups()[:3])
            for key, prop in contents.get("properties", {}).items():
                def_name = prop.get("$ref", "").rpartition("/")[2]
                definition = contents["$defs"].get(def_name, {})
                bases = [part.get("$ref", "").rpartition("/")[2] for part in definition.get("allOf", [])]
                base = next((b for b in bases if b in FACET_BASE_NAMES), "")
                url = f"{uri}#/$defs/{def_name}"
                current = found.setdefault(key, {}).get(base)
                if current is None or current[0] < version:
                    found[key][base] = (version, url)
        return {key: {base: url for base, (_v, url) in by_base.items()} for key, by_base in found.items()}

    @cached_property
    def client_schema_urls(self) -> dict[str, str]:
        """Facet file stem and `file#def` -> the schema URL of openlineage-python's class for it."""
        import importlib
        import pkgutil

        import openlineage.client.generated as generated

        found: dict[str, str] = {}
        for info in pkgutil.iter_modules(generated.__path__):
            module = importlib.import_module(f"{generated.__name__}.{info.name}")
            for obj in vars(module).values():
                getter = getattr(obj, "__dict__", {}).get("_get_schema")
                url = getter.__func__() if getter else ""
                match = _STANDARD_URL.match(url)
                if match and "/facets/" in url and urldefrag(url)[0] in self.registry:
                    found[f"{match[1]}#{match[2]}"] = found[match[1]] = url
        return found

    def at_client_versions(self, event: Any) -> Any:
        """`event` with each facet `_schemaURL` moved to the version openlineage-python implements.

        The client has one class per facet, its newest; where an older version's schema differs
        (a property added later, with a type), the parser follows the class. Deciding on this
        copy is what the parser is expected to agree with then.
        """
        event = copy.deepcopy(event)
        for kind in KINDS:
            if self.validator(f"{CORE_URL}#/$defs/{kind}").is_valid(event):
                break
        else:
            return event
        for _path, _base, facets in facet_maps(event, kind):
            for facet in facets.values():
                match = _STANDARD_URL.match(facet["_schemaURL"])
                if not match:
                    continue
                stem, def_name = match[1], match[2]
                newer: str | None
                if stem == "OpenLineage" and def_name:
                    urls = self.client_schema_urls.items()
                    newer = next((u for k, u in urls if k.endswith(f"#{def_name}")), None)
                elif def_name:
                    newer = self.client_schema_urls.get(f"{stem}#{def_name}")
                else:
                    newer = self.client_schema_urls.get(stem)
                    newer = newer and urldefrag(newer)[0]
                if newer:
                    facet["_schemaURL"] = newer
        return event

    def required_properties(self, url: str) -> list[str]:
        """The non-base required properties of the facet definition a fragment URL names."""
        definition = self.registry.resolver().lookup(url).contents
        required: list[str] = list(definition.get("required", []))
        for part in definition.get("allOf", []):
            required += part.get("required", []) if "$ref" not in part else []
        return [name for name in required if not name.startswith("_")]


# ---- the corpus -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusEvent:
    name: str  # file name, with [index] for arrays
    event: Any  # concrete: placeholders substituted
    template: bool


_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\$\{json-unit\.[^}]*\}")
RUN_START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def substitute(value: Any, *, seed: str, key: str = "") -> Any:
    """`value` with every matcher placeholder replaced by a plausible concrete value for its key."""
    if isinstance(value, dict):
        return {k: substitute(v, seed=f"{seed}.{k}", key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, seed=f"{seed}[{i}]", key=key) for i, v in enumerate(value)]
    if not isinstance(value, str) or not _PLACEHOLDER.search(value):
        return value
    minutes = re.search(r"RUN_END_TIME_AFTER_(\d+)_MINUTES", value)
    if minutes:
        return (RUN_START + timedelta(minutes=int(minutes.group(1)))).isoformat().replace("+00:00", "Z")
    if "RUN_START_TIME" in value or "is_datetime" in value or key.endswith("Time"):
        return RUN_START.isoformat().replace("+00:00", "Z")
    if key.lower().endswith("runid"):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
    if key in ("producer", "_producer"):
        return "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/dbt"
    if key == "version":
        return "1.0.0"
    return "any-string"


def load_corpus() -> list[CorpusEvent]:
    """Every event of the corpus, concrete, in file order."""
    out = []
    paths = sorted((openlineage_dir() / "events").glob("*.json"))
    assert paths, f"no events in {openlineage_dir() / 'events'} (see tests/data/SOURCES.md)"
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        events = data if path.name.endswith(".array.json") else [data]
        for i, event in enumerate(events):
            name = f"{path.name}[{i}]" if path.name.endswith(".array.json") else path.name
            out.append(CorpusEvent(name, substitute(event, seed=name), path.name.startswith("TEMPLATE-")))
    return out


def complete(event: dict[str, Any], oracle: Oracle, *, seed: str) -> dict[str, Any]:
    """A template event with the fields its matcher left out filled in, so its facets get checked.

    Templates omit what their tests did not compare (eventTime, producer, facets' _producer and
    _schemaURL); a standard key gets the newest published schema URL for its facet map.
    """
    event = copy.deepcopy(event)
    event.setdefault("eventTime", RUN_START.isoformat())
    event.setdefault("producer", "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/dbt")
    kind = "RunEvent" if "run" in event else "JobEvent" if "job" in event else "DatasetEvent"
    event.setdefault("schemaURL", f"{CORE_URL}#/$defs/{kind}")
    if kind == "RunEvent":
        event["run"].setdefault("runId", str(uuid.uuid5(uuid.NAMESPACE_URL, seed)))
    for _path, base, facets in facet_maps(event, kind):
        for key, facet in facets.items():
            if not isinstance(facet, dict):
                continue
            facet.setdefault("_producer", event["producer"])
            by_base = oracle.latest_facet_urls.get(key, {})
            url = by_base.get(base) or next(iter(by_base.values()), f"{CORE_URL}#/$defs/{base}")
            facet.setdefault("_schemaURL", url)
    return event
