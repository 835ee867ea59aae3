"""Custom run facets that carry evidence: fairness evaluations, validation results, run authors.

Each is validated with the event against its JSON Schema in `lineage/facets/` (a bad facet rejects
the whole event, naming its JSON path). Facets with a store hook are also written by their own
module inside the event's transaction; the others are read from the run's facets when a policy
is evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from governance.assets import asset_path

FACETS_DIR = asset_path("lineage", "facets")
SCHEMA_BASE = "https://gov-audit.dev/spec/facets/1-0-0/"


def _kept_in_run_facets(*_: Any, **__: Any) -> None:
    """Nothing extra to store: the facet stays in the run's facets, where policies read it."""


@dataclass(frozen=True)
class EvidenceFacet:
    validate: Callable[[Any], None]
    store: Callable[..., None] = _kept_in_run_facets


def _schema_validator(key: str, schema_file: str, definition: str) -> Callable[[Any], None]:
    """A validator for one of our facet schemas, resolving the OpenLineage base facet offline."""

    @cache
    def validator() -> Any:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        from governance.errors import ConfigError
        from governance.evidence.fairness_facet import OPENLINEAGE_BASE, OPENLINEAGE_SPEC

        try:
            schema = json.loads((FACETS_DIR / schema_file).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"facet schema missing: {FACETS_DIR / schema_file}") from exc
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
    """Facet key -> handlers. Imported on first use, so plain ingestion pays nothing at import time."""
    from governance.evidence.fairness_facet import FACET_KEY, ingest_fairness_facet, validate_fairness_facet

    return {
        FACET_KEY: EvidenceFacet(validate_fairness_facet, ingest_fairness_facet),
        "validationResults": EvidenceFacet(
            _schema_validator("validationResults", "ValidationResultsRunFacet.json", "ValidationResultsRunFacet")
        ),
        "runAuthors": EvidenceFacet(_schema_validator("runAuthors", "RunAuthorsRunFacet.json", "RunAuthorsRunFacet")),
    }


def validate_run_facets(obj: dict[str, Any]) -> None:
    """Raise InputError (with the facet's JSON path) if an evidence facet in the run is invalid."""
    facets = (obj.get("run") or {}).get("facets") or {}
    if not facets:
        return
    handlers = evidence_facets()
    for key, value in facets.items():
        if key in handlers:
            handlers[key].validate(value)
