"""Parse and validate one OpenLineage event into openlineage-python's models.

`parse_event` accepts what the spec's JSON Schema (core 2-0-2 plus the standard facet schemas named
by each facet's `_schemaURL`) accepts, without shipping those schemas: the structure comes from the
client's generated attrs classes (see structure.py and structure_facets.py).
The first problem found is reported with its JSON path, e.g. `$.run.runId: not a UUID: 'abc'`.

Formats (`uri`, `uuid`, `date-time`) are checked as OpenLineage's own validator and the reference
consumers (Marquez) do: not asserted. A value breaking its format is accepted with a FormatWarning
naming its JSON path (real producers send `"uri": "file"`, times without an offset...). What the store
needs stays an error: `run.runId` must be a UUID and `eventTime` must be an instant; an `eventTime`
without an offset is read as UTC, with a warning. `strict=True` asserts every format, as the schema's
`format` keyword read as an assertion would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from openlineage.client.event_v2 import BaseEvent, DatasetEvent, JobEvent, RunEvent

from governance.errors import InputError
from governance.lineage.structure import Structurer
from governance.lineage.structure_convert import LENIENT_FORMATS, StructureError, describe, json_path, short
from governance.lineage.structure_facets import FACET_BASES, FacetMaps
from governance.lineage.structure_formats import parse_date_time, parse_naive_date_time

EventKind = Literal["RunEvent", "DatasetEvent", "JobEvent"]
AnyEvent = RunEvent | DatasetEvent | JobEvent

__all__ = ["AnyEvent", "EventKind", "EventValidationError", "FormatWarning", "ParsedEvent", "parse_event"]

# Warning codes: a value breaking the format its schema declares, and an eventTime read as UTC.
NAIVE_EVENT_TIME = "event-time-without-offset"
SCHEMA_MISMATCH = "schema-url-mismatch"
_FORMAT_MESSAGES = {
    "uri": "not a URI (RFC 3986, with a scheme)",
    "uuid": "not a UUID (8-4-4-4-12 hex)",
    "date-time": "not an RFC 3339 date-time with a timezone offset",
}


class EventValidationError(InputError):
    """An event the OpenLineage spec rejects; `json_path` locates the first problem, `reason` says it."""

    def __init__(self, json_path: str, reason: str, *, hint: str | None = None, where: str | None = None) -> None:
        super().__init__(f"{json_path}: {reason}", where=where, hint=hint)
        self.json_path = json_path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FormatWarning:
    """A value accepted although it breaks the format its schema declares (code, JSON path, message)."""

    code: str  # "uri-format", "uuid-format", "date-time-format", "event-time-without-offset", "schema-url-mismatch"
    json_path: str
    message: str


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """One valid event: its kind, the client's model of it, its time, and the JSON it came from.

    `event` shares custom facets (kept as plain dicts) with `raw`; treat both as read-only.
    """

    kind: EventKind
    event: AnyEvent
    event_time: datetime  # timezone-aware, in the offset the event was written with (UTC if none)
    raw: dict[str, Any]
    warnings: tuple[FormatWarning, ...] = ()


_lock = threading.Lock()
_structurer: Structurer | None = None
_lenient: Structurer | None = None


def _get_structurer() -> Structurer:
    """The strict Structurer, with every plan built up front so concurrent parses never see half a plan."""
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


def _get_lenient() -> Structurer:
    """The Structurer that does not assert formats; built on first use (an event the strict one refused)."""
    global _lenient
    strict = _get_structurer()
    if _lenient is None:
        with _lock:
            if _lenient is None:
                maps = FacetMaps(strict._facet_map.index, lenient=True)  # type: ignore[attr-defined]
                structurer = Structurer(facet_bases=FACET_BASES, facet_map=maps, formats=LENIENT_FORMATS)
                for cls in (RunEvent, JobEvent, DatasetEvent, BaseEvent, *maps.index.all_classes):
                    structurer.plan(cls)
                _lenient = structurer
    return _lenient


def parse_event(obj: Any, *, text: str | None = None, strict: bool = False) -> ParsedEvent:
    """Validate one decoded OpenLineage event and structure it; EventValidationError at the first problem.

    `strict` asserts every `format`; otherwise a value breaking its format is accepted with a warning
    (ParsedEvent.warnings), except where the store needs it: `run.runId` and `eventTime` (module doc).
    `text`, if given, is `obj` serialised by json.dumps with ensure_ascii=False (any key order and
    separators, e.g. the canonical form ingestion hashes): the NUL/surrogate check reads it instead
    of serialising the event a second time (~6 µs an event). The outcome is the same either way.
    """
    structurer = _get_structurer()
    if not isinstance(obj, dict):
        raise EventValidationError("$", f"expected a JSON object, got {describe(obj)}")
    warnings: tuple[FormatWarning, ...] = ()
    try:
        # Most events keep every format: the strict pass decides them alone, at no extra cost. Not an
        # event with `job` and `dataset` but no `run`: a format problem can decide that `oneOf` in
        # strict mode (only one kind fits) where the lenient reading finds it ambiguous.
        if not strict and "run" not in obj and "job" in obj and "dataset" in obj:
            raise StructureError("job and dataset: decided without asserting formats")
        kind, event = _structure_event(structurer, obj)
    except StructureError as exc:
        if strict:
            raise EventValidationError(exc.json_path(), exc.reason, hint=exc.hint) from None
        kind, event, warnings = _lenient_parse(obj)
    except RecursionError:
        # json.loads nests deeper than our per-level frames allow; no real event comes close
        raise EventValidationError("$", "nested too deeply to validate") from None
    _check_storable_text(obj, text)
    event_time = parse_date_time(event.eventTime)
    if event_time is None:
        # only in the lenient pass, which checked that the time parses without an offset (read as UTC)
        event_time = parse_naive_date_time(event.eventTime)
        if event_time is None:  # cannot happen: checked in _lenient_parse
            raise EventValidationError("$.eventTime", f"not an RFC 3339 date-time: {event.eventTime!r}")
    return ParsedEvent(kind, event, event_time, obj, warnings)


def _lenient_parse(obj: dict[str, Any]) -> tuple[EventKind, AnyEvent, tuple[FormatWarning, ...]]:
    """Structure without asserting formats; each format problem becomes a warning, or an error where
    the store needs the value (`run.runId`, `eventTime`)."""
    structurer = _get_lenient()
    try:
        kind, event = _structure_event(structurer, obj)
    except StructureError as exc:
        raise EventValidationError(exc.json_path(), exc.reason, hint=exc.hint) from None
    warnings = []
    for segments, fmt, value in structurer.format_problems(event):
        if segments == ["run", "runId"]:
            raise EventValidationError(
                "$.run.runId",
                f"not a UUID: {short(value)}",
                hint="runs are stored by UUID (use the 8-4-4-4-12 hex form)",
            )
        if segments == ["eventTime"]:
            if parse_naive_date_time(value) is None:
                raise EventValidationError(
                    "$.eventTime",
                    f"not an RFC 3339 date-time: {short(value)}",
                    hint="write it like 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00",
                )
            warnings.append(
                FormatWarning(NAIVE_EVENT_TIME, "$.eventTime", f"no timezone offset, read as UTC: {short(value)}")
            )
            continue
        path = json_path(segments)
        if fmt == "schema":
            message = f"names {value}, a schema for another kind of facet; checked as a custom facet"
            warnings.append(FormatWarning(SCHEMA_MISMATCH, path, message))
            continue
        warnings.append(FormatWarning(f"{fmt}-format", path, f"{_FORMAT_MESSAGES[fmt]}: {short(value)}"))
    return kind, event, tuple(warnings)


def _check_storable_text(obj: dict[str, Any], text: str | None = None) -> None:
    """JSON allows NUL and lone UTF-16 surrogates in strings; the spec does not forbid them, but no
    database stores them and no UTF-8 file can hold a lone surrogate. Refuse them here, with a path,
    rather than fail a whole batch at the database."""
    if text is None:
        import json

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
