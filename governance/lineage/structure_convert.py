"""Converters from decoded JSON values to model values, and the error they raise.

A converter takes one JSON value and returns what the attrs model holds (a str, an int, an Enum
member, a list of instances...) or raises StructureError. The checks follow JSON Schema's rules,
which is what the spec's validation means: `true` is not an integer, `1.0` is, `null` matches no
type the spec uses.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from governance.lineage.structure_formats import is_date_time, is_uri, is_uuid

Converter = Callable[[Any], Any]


class StructureError(Exception):
    """A problem at a JSON path; the path is collected innermost-first while the stack unwinds."""

    def __init__(self, reason: str, *, hint: str | None = None, segment: str | int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.segments: list[str | int] = [] if segment is None else [segment]

    def json_path(self) -> str:
        """`$.run.facets.parent.run.runId`, `$.inputs[0].name`, `$.job.facets['my-facet']`."""
        return json_path(list(reversed(self.segments)))


def json_path(segments: list[str | int]) -> str:
    """The JSON path of segments outermost first: `$.inputs[0].facets['my-facet']`."""
    parts = ["$"]
    for seg in segments:
        if isinstance(seg, int):
            parts.append(f"[{seg}]")
        elif seg.isidentifier():
            parts.append(f".{seg}")
        else:
            parts.append(f"[{seg!r}]")
    return "".join(parts)


def describe(value: Any) -> str:
    """The JSON type of a decoded value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def short(value: Any, limit: int = 80) -> str:
    """A repr that keeps error messages one line long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def type_error(expected: str, value: Any) -> StructureError:
    """`expected a string, got integer`."""
    return StructureError(f"expected {expected}, got {describe(value)}")


# ---- leaf converters ------------------------------------------------------------------------------


def identity(value: Any) -> Any:
    """Any JSON value is accepted as is (`Any` in the models)."""
    return value


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise type_error("a string", value)


def _to_int(value: Any) -> int:
    # JSON Schema's "integer" is any number with a zero fractional part, and never a boolean.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise type_error("an integer", value)


def _to_float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise type_error("a number", value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise type_error("a boolean", value)


def _to_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise type_error("an object", value)


def _to_uuid(value: Any) -> str:
    if not isinstance(value, str):
        raise type_error("a string", value)
    if is_uuid(value):
        return value
    raise StructureError(f"not a UUID: {short(value)}", hint="use the 8-4-4-4-12 hex form")


def _to_date_time(value: Any) -> str:
    if not isinstance(value, str):
        raise type_error("a string", value)
    if is_date_time(value):
        return value
    raise StructureError(
        f"not an RFC 3339 date-time with a timezone offset: {short(value)}",
        hint="write it like 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00",
    )


def _to_uri(value: Any) -> str:
    if not isinstance(value, str):
        raise type_error("a string", value)
    if is_uri(value):
        return value
    raise StructureError(f"not a URI (RFC 3986, with a scheme): {short(value)}")


LEAVES: dict[Any, Converter] = {
    str: _to_str,
    int: _to_int,
    float: _to_float,
    bool: _to_bool,
    Any: identity,
    dict: _to_object,
}
FORMATS: dict[str, Converter] = {"uuid": _to_uuid, "date-time": _to_date_time, "uri": _to_uri}
# The lenient structurer's: a string is enough, as for OpenLineage's own validator, which does not
# assert `format`; what breaks its format becomes a warning (parse.py), not a rejection.
LENIENT_FORMATS: dict[str, Converter] = {"uuid": _to_str, "date-time": _to_str, "uri": _to_str}
FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {"uuid": is_uuid, "date-time": is_date_time, "uri": is_uri}


# ---- composite converters -------------------------------------------------------------------------


def const(expected: str) -> Converter:
    """JSON Schema `const` (the generator writes it as a string default)."""

    def convert(value: Any) -> str:
        if value == expected and isinstance(value, str):
            return value
        raise StructureError(f"must be {expected!r}, got {short(value)}")

    return convert


def at_least(inner: Converter, minimum: int) -> Converter:
    """`inner`, then JSON Schema `minimum`."""

    def convert(value: Any) -> Any:
        result = inner(value)
        if result < minimum:
            raise StructureError(f"must be at least {minimum}, got {short(value)}")
        return result

    return convert


def literal(allowed: tuple[Any, ...]) -> Converter:
    """A string `enum` the generator wrote as `Literal[...]`."""

    def convert(value: Any) -> Any:
        if isinstance(value, str) and value in allowed:
            return value
        raise StructureError(f"must be one of {', '.join(map(str, allowed))}; got {short(value)}")

    return convert


def enum_of(enum_cls: type[enum.Enum]) -> Converter:
    """A string `enum` the generator wrote as an Enum class; gives the member."""
    members = {member.value: member for member in enum_cls}
    names = ", ".join(map(str, members))

    def convert(value: Any) -> enum.Enum:
        if isinstance(value, str):
            member = members.get(value)
            if member is not None:
                return member
            raise StructureError(f"must be one of {names}; got {short(value)}")
        raise type_error("a string", value)

    return convert


def list_of(item: Converter) -> Converter:
    """A JSON array, each element through `item`."""

    def convert(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise type_error("an array", value)
        out = []
        for index, element in enumerate(value):
            try:
                out.append(item(element))
            except StructureError as exc:
                exc.segments.append(index)
                raise
        return out

    return convert


def dict_of(item: Converter) -> Converter:
    """A JSON object (`additionalProperties`), each value through `item`."""
    if item is identity:
        return _to_object

    def convert(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise type_error("an object", value)
        out = {}
        for key, element in value.items():
            try:
                out[key] = item(element)
            except StructureError as exc:
                exc.segments.append(key)
                raise
        return out

    return convert


def one_of(options: list[Converter], types_: list[Any]) -> Converter:
    """JSON Schema `oneOf`: exactly one alternative must accept the value."""
    names = " or ".join(getattr(t, "__name__", str(t)) for t in types_)

    def convert(value: Any) -> Any:
        results: list[Any] = []
        errors: list[StructureError] = []
        for option in options:
            try:
                results.append(option(value))
            except StructureError as exc:
                errors.append(exc)
        if len(results) == 1:
            return results[0]
        if results:
            raise StructureError(f"matches more than one of {names}")
        # The alternative that got furthest into the value is the one the author meant.
        raise max(errors, key=lambda e: len(e.segments))

    return convert
