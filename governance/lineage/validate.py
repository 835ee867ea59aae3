"""Validation of one candidate event: the OpenLineage models and our evidence facets; its digest.

The types an event passes through on its way to the store (Valid, Problem, Rejection) live here, so that
ingest, the validation worker (pipeline.py), group commit and the projection share them without importing
each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from governance import jsonsafe
from governance.digest import canonical_digest, canonical_text
from governance.errors import InputError
from governance.lineage.collect import Accepted, facts
from governance.lineage.sources import SourceItem
from governance.timeutil import to_utc

if TYPE_CHECKING:
    from governance.lineage.parse import ParsedEvent


@dataclass(frozen=True)
class Rejection:
    where: str
    json_path: str | None
    reason: str

    def line(self) -> str:
        path = f"{self.json_path}: " if self.json_path else ""
        return f"{self.where}: {path}{self.reason}"


class Valid(NamedTuple):
    digest: str
    kind: str
    event_time: datetime  # aware, UTC
    warnings: tuple[Any, ...]  # parse.FormatWarning


class Problem(NamedTuple):
    json_path: str | None
    reason: str


def decode_text(text: str) -> Any:
    """Decode untrusted text (jsonsafe.loads); malformed or hostile JSON is a Problem (returned, not raised)."""
    try:
        return jsonsafe.loads(text)
    except jsonsafe.UnsafeJSON as exc:
        return Problem(exc.json_path, exc.reason)


@cache
def _checkers() -> tuple[Callable[..., ParsedEvent], Callable[[dict[str, Any]], None]]:
    """parse.parse_event and evidence_facets.validate_run_facets, imported on first use (the OpenLineage
    models are a heavy import), then held: two import statements in check_value cost ~1.4 µs an event."""
    from governance.lineage.evidence_facets import validate_run_facets
    from governance.lineage.parse import parse_event

    return parse_event, validate_run_facets


def check_value(obj: Any, *, strict: bool = False) -> Valid | Problem:
    """Validate one decoded event to the spec (and its evidence facets); take its digest.

    `strict` rejects a value breaking its declared format; otherwise it is accepted with a warning."""
    parse_event, validate_run_facets = _checkers()
    try:
        # The canonical text is what the digest hashes; parse_event checks it for NUL and lone surrogates
        # too, instead of serialising the event again. A Python caller's object that cannot be
        # serialised (or nests too deeply) is left to parse_event to reject.
        text: str | None = canonical_text(obj)
    except (TypeError, ValueError, RecursionError):
        text = None
    try:
        parsed = parse_event(obj, text=text, strict=strict)
        if parsed.kind == "RunEvent":
            validate_run_facets(obj)
    except InputError as exc:
        return Problem(getattr(exc, "json_path", None), getattr(exc, "reason", exc.message))
    digest = canonical_digest(obj) if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Valid(digest, parsed.kind, to_utc(parsed.event_time), parsed.warnings)


def validate_item(item: SourceItem, *, strict: bool = False) -> Accepted | Rejection:
    """Parse one candidate with the OpenLineage models; a problem becomes a Rejection."""
    if item.error is not None:
        return Rejection(item.where, None, item.error)
    # File lines arrive undecoded (obj None), so that a worker process can decode them (pipeline.py).
    obj = item.obj if item.obj is not None else decode_text(item.text)
    if isinstance(obj, Problem):
        return Rejection(item.where, *obj)
    outcome = check_value(obj, strict=strict)
    if isinstance(outcome, Problem):
        return Rejection(item.where, *outcome)
    digest, kind, event_time, warnings = outcome
    return Accepted(item, digest, kind, event_time, facts(obj, kind), warnings)


def warm_up() -> bool:
    """Validate one canned event carrying every evidence facet (prefixed keys, then the 1-0-0 keys), so
    that what the first real event would import and build on first use (the OpenLineage client models
    and their transports, numpy for fairness facets, the facets' JSON Schema validators: about 1 s) is
    ready. The server runs this in a thread before it answers requests (governance.api.app): small
    events are validated on the event loop, where that first use held /health for 0.7-1.4 s (issue 12).
    True when both events validated."""
    import contextlib
    import json

    from governance.evidence.custom_facets import AUTHORS, FAIRNESS, LEGACY_VERSION, VALIDATION, VERSION

    producer = "https://example.com/gov-warm-up"
    ok = True

    def head(facet: Any, version: str) -> dict[str, str]:
        return {"_producer": producer, "_schemaURL": facet.schema_url(version)}

    def key(facet: Any, version: str) -> str:
        return str(facet.key if version == VERSION else facet.legacy_key)

    for version in (VERSION, LEGACY_VERSION):
        fairness = {
            **head(FAIRNESS, version),
            "model": {"name": "warm-up", "version": "1"},
            "data": {"digest": "sha256:" + "0" * 64},
            "label": "y",
            "prediction": "p",
            "sensitive": ["s"],
            "favorableLabel": "1",
            "privilegedGroup": "s=a",
            "bootstrap": {"resamples": 10, "seed": 1},
            "groups": [{"values": {"s": v}, "tp": 1, "fp": 1, "fn": 1, "tn": 1} for v in ("a", "b")],
        }
        results = {
            **head(VALIDATION, version),
            "results": [{"stage": "model_performance", "name": "auc", "value": 0.5, "success": True}],
        }
        authors = {**head(AUTHORS, version), "authors": [{"name": "gov"}]}
        event = {
            "eventType": "COMPLETE",
            "eventTime": "2026-01-01T00:00:00Z",
            "run": {
                "runId": "00000000-0000-4000-8000-000000000000",
                "facets": {
                    key(FAIRNESS, version): fairness,
                    key(VALIDATION, version): results,
                    key(AUTHORS, version): authors,
                },
            },
            "job": {"namespace": "gov", "name": "warm-up"},
            "inputs": [],
            "outputs": [],
            "producer": producer,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        }
        ok = isinstance(validate_item(SourceItem("warm-up", "[0]", json.dumps(event))), Accepted) and ok
    from governance.lineage.evidence_facets import evidence_facets

    for handler in evidence_facets().values():  # every other evidence facet's validator, built now
        with contextlib.suppress(Exception):  # an empty facet is invalid: only the building matters
            handler.validate({})
    return ok
