"""Custom run facets that carry evidence (e.g. fairness evaluations from pipelines).

Each is validated with the event (a bad facet rejects the whole event, naming its JSON path)
and stored by its own module inside the event's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class EvidenceFacet:
    validate: Callable[[Any], None]
    store: Callable[..., None]


@cache
def evidence_facets() -> dict[str, EvidenceFacet]:
    """Facet key -> handlers. Imported on first use, so plain ingestion pays nothing at import time."""
    from governance.evidence.fairness_facet import FACET_KEY, ingest_fairness_facet, validate_fairness_facet

    return {FACET_KEY: EvidenceFacet(validate_fairness_facet, ingest_fairness_facet)}


def validate_run_facets(obj: dict[str, Any]) -> None:
    """Raise InputError (with the facet's JSON path) if an evidence facet in the run is invalid."""
    facets = (obj.get("run") or {}).get("facets") or {}
    if not facets:
        return
    handlers = evidence_facets()
    for key, value in facets.items():
        if key in handlers:
            handlers[key].validate(value)
