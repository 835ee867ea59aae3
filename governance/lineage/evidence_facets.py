"""Custom run facets that carry evidence: fairness evaluations, stage evidence, validation results, run authors.

Each is validated with the event against its JSON Schema in `lineage/facets/` (a bad facet rejects
the whole event, naming its JSON path): the prefixed key (`gov_validationResults`, schema 2-0-0)
that gov writes, and the 1-0-0 key (`validationResults`) that stored events carry, each against the
schema of its version (governance/evidence/custom_facets.py names them). Facets with a store hook
are also written by their own module inside the event's transaction; the others are read from the
run's facets when a policy is evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from governance.assets import asset_path
from governance.evidence.custom_facets import AUTHORS, VALIDATION, CustomFacet, by_key


def _kept_in_run_facets(*_: Any, **__: Any) -> None:
    """Nothing extra to store: the facet stays in the run's facets, where policies read it."""


@dataclass(frozen=True)
class EvidenceFacet:
    validate: Callable[[Any], None]
    store: Callable[..., None] = _kept_in_run_facets


def _schema_validator(key: str) -> Callable[[Any], None]:
    """A validator for the facet under `key` (the schema of the key's version), resolving the
    OpenLineage base facet offline."""
    found = by_key(key)
    assert found is not None, key
    facet, version = found
    schema_file = asset_path("lineage", *facet.schema_parts(version))
    definition = facet.definition

    @cache
    def validator() -> Any:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        from governance.errors import ConfigError
        from governance.evidence.fairness_facet import OPENLINEAGE_BASE, OPENLINEAGE_SPEC

        try:
            schema = json.loads(schema_file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"facet schema missing: {schema_file}") from exc
        registry = Registry().with_resources(
            [
                (schema["$id"], Resource.from_contents(schema)),
                (OPENLINEAGE_SPEC, Resource.from_contents(OPENLINEAGE_BASE, default_specification=DRAFT202012)),
            ]
        )
        return Draft202012Validator(
            {"$ref": f"{schema['$id']}#/$defs/{definition}"},
            registry=registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def validate(facet: Any) -> None:
        from jsonschema.exceptions import best_match

        from governance.lineage.parse import EventValidationError

        error = best_match(validator().iter_errors(facet))
        if error is not None:
            raise EventValidationError(f"$.run.facets.{key}{error.json_path[1:]}", error.message[:300])

    return validate


@cache
def evidence_facets() -> dict[str, EvidenceFacet]:
    """Facet key (prefixed and 1-0-0) -> handlers. Imported on first use, so plain ingestion pays
    nothing at import time."""
    from governance.evidence.custom_facets import FAIRNESS
    from governance.evidence.fairness_facet import ingest_fairness_facet, validate_fairness_facet

    handlers = {
        key: EvidenceFacet(partial(validate_fairness_facet, key=key), partial(ingest_fairness_facet, key=key))
        for key in FAIRNESS.keys
    }
    from governance.evidence.stage_facet import STAGE, ingest_stage_facet, validate_stage_facet

    handlers[STAGE.key] = EvidenceFacet(validate_stage_facet, ingest_stage_facet)  # no 1-0-0 key
    facet: CustomFacet
    for facet in (VALIDATION, AUTHORS):
        handlers.update({key: EvidenceFacet(_schema_validator(key)) for key in facet.keys})
    return handlers


def validate_run_facets(obj: dict[str, Any]) -> None:
    """Raise InputError (with the facet's JSON path) if an evidence facet in the run is invalid."""
    facets = (obj.get("run") or {}).get("facets") or {}
    if not facets:
        return
    handlers = evidence_facets()
    for key, value in facets.items():
        if key in handlers:
            handlers[key].validate(value)
