"""Parse and validate one OpenLineage event into openlineage-python's models.

`parse_event` accepts exactly what the spec's JSON Schema (core 2-0-2 plus the standard facet
schemas named by each facet's `_schemaURL`) accepts, without shipping those schemas: the structure
comes from the client's generated attrs classes (see structure.py and structure_facets.py).
The first problem found is reported with its JSON path, e.g. `$.run.runId: not a UUID: 'abc'`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from openlineage.client.event_v2 import BaseEvent, DatasetEvent, JobEvent, RunEvent

from governance.errors import InputError
from governance.lineage.structure import Structurer
from governance.lineage.structure_convert import StructureError, describe
from governance.lineage.structure_facets import FACET_BASES, FacetMaps
from governance.lineage.structure_formats import parse_date_time

EventKind = Literal["RunEvent", "DatasetEvent", "JobEvent"]
AnyEvent = RunEvent | DatasetEvent | JobEvent

__all__ = ["AnyEvent", "EventKind", "EventValidationError", "ParsedEvent", "parse_event"]


class EventValidationError(InputError):
    """An event the OpenLineage spec rejects; `json_path` locates the first problem, `reason` says it."""

    def __init__(self, json_path: str, reason: str, *, hint: str | None = None, where: str | None = None) -> None:
        super().__init__(f"{json_path}: {reason}", where=where, hint=hint)
        self.json_path = json_path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """One valid event: its kind, the client's model of it, its time, and the JSON it came from.

    `event` shares custom facets (kept as plain dicts) with `raw`; treat both as read-only.
    """

    kind: EventKind
    event: AnyEvent
    event_time: datetime  # timezone-aware, in the offset the event was written with
    raw: dict[str, Any]


_lock = threading.Lock()
_structurer: Structurer | None = None


def _get_structurer() -> Structurer:
    """The one Structurer, with every plan built up front so concurrent parses never see half a plan."""
    global _structurer
    if _structurer is None:
        with _lock:
            if _structurer is None:
                maps = FacetMaps()
                structurer = Structurer(facet_bases=FACET_BASES, facet_map=maps)
                for cls in (RunEvent, JobEvent, DatasetEvent, BaseEvent, *maps.index.all_classes):
                    structurer.plan(cls)
                _structurer = structurer
    return _structurer


def parse_event(obj: Any, *, text: str | None = None) -> ParsedEvent:
    """Validate one decoded OpenLineage event and structure it; EventValidationError at the first problem.

    `text`, if given, is `obj` serialised by json.dumps with ensure_ascii=False (any key order and
    separators, e.g. the canonical form ingestion hashes): the NUL/surrogate check reads it instead
    of serialising the event a second time (~6 µs an event). The outcome is the same either way.
    """
    structurer = _get_structurer()
    if not isinstance(obj, dict):
        raise EventValidationError("$", f"expected a JSON object, got {describe(obj)}")
    try:
        kind, event = _structure_event(structurer, obj)
    except StructureError as exc:
        raise EventValidationError(exc.json_path(), exc.reason, hint=exc.hint) from None
    except RecursionError:
        # json.loads nests deeper than our per-level frames allow; no real event comes close
        raise EventValidationError("$", "nested too deeply to validate") from None
    _check_storable_text(obj, text)
    event_time = parse_date_time(event.eventTime)
    if event_time is None:  # cannot happen: eventTime was checked as a date-time above
        raise EventValidationError("$.eventTime", f"not an RFC 3339 date-time: {event.eventTime!r}")
    return ParsedEvent(kind, event, event_time, obj)


def _check_storable_text(obj: dict[str, Any], text: str | None = None) -> None:
    """JSON allows NUL and lone UTF-16 surrogates in strings; the spec does not forbid them, but no
    database stores them and no UTF-8 file can hold a lone surrogate. Refuse them here, with a path,
    rather than fail a whole batch at the database."""
    import json

    if text is None:
        text = json.dumps(obj, ensure_ascii=False)  # NUL comes out as the escape \u0000
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        if "\\u0000" not in text:
            return
    path, reason = _find_bad_text(obj, "$")
    if path:
        safe = path.encode("utf-8", "backslashreplace").decode("utf-8")
        raise EventValidationError(safe, reason)


def _find_bad_text(value: Any, path: str) -> tuple[str, str]:
    """The first string (or key) holding a NUL or a lone surrogate, depth first."""
    if isinstance(value, str):
        if "\x00" in value:
            return path, "contains a NUL character (\\u0000), which cannot be stored"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path, "contains a lone UTF-16 surrogate, which is not valid Unicode text"
        return "", ""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        child = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
        found = _find_bad_text(key, child) if isinstance(key, str) else ("", "")
        if not found[0]:
            found = _find_bad_text(item, child)
        if found[0]:
            return found
    return "", ""


def _structure_event(structurer: Structurer, obj: dict[str, Any]) -> tuple[EventKind, AnyEvent]:
    """The core schema's `oneOf` RunEvent / DatasetEvent / JobEvent, decided as JSON Schema would.

    RunEvent requires `run` and `job`; JobEvent requires `job` and forbids `run`; DatasetEvent
    requires `dataset` and forbids having both `job` and `run`. Only `job` + `dataset` without
    `run` can satisfy two branches, and then exactly one of them may validate.
    """
    has_run, has_job, has_dataset = "run" in obj, "job" in obj, "dataset" in obj
    if has_run and has_job:
        return "RunEvent", structurer.structure(RunEvent, obj)
    if has_job and has_dataset:
        return _job_or_dataset_event(structurer, obj)
    if has_job:
        return "JobEvent", structurer.structure(JobEvent, obj)
    if has_dataset:
        return "DatasetEvent", structurer.structure(DatasetEvent, obj)
    structurer.structure(BaseEvent, obj)  # problems with eventTime/producer/schemaURL come first
    if has_run:
        raise StructureError("missing required field", segment="job")
    raise StructureError(
        "missing required field: 'run' and 'job' (RunEvent), 'job' (JobEvent) or 'dataset' (DatasetEvent)"
    )


def _job_or_dataset_event(structurer: Structurer, obj: dict[str, Any]) -> tuple[EventKind, AnyEvent]:
    results: list[tuple[EventKind, AnyEvent]] = []
    errors: list[StructureError] = []
    for kind, cls in (("JobEvent", JobEvent), ("DatasetEvent", DatasetEvent)):
        try:
            results.append((kind, structurer.structure(cls, obj)))  # type: ignore[arg-type]
        except StructureError as exc:
            errors.append(exc)
    if len(results) == 1:
        return results[0]
    if results:
        raise StructureError(
            "valid both as a JobEvent ('job') and as a DatasetEvent ('dataset'); the spec allows one",
            hint="send the job and the dataset as two events",
        )
    raise max(errors, key=lambda e: len(e.segments))
