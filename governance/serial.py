"""One serializer for the frozen dataclasses that have a JSON form (contexts, outcomes, scorecard facts).

`to_jsonable(obj)` walks dataclasses (fields in declaration order), enums (their value), datetimes (`iso`),
tuples and lists (lists), dicts (values converted). A field's `metadata` may say `omit="none"` (the key is
written only when the value is not None) or `omit="empty"` (only when truthy): the keys that newer code
added without changing what older contexts serialise to. `from_jsonable(cls, data)` is the inverse for
the same dataclasses: a missing key (or a null for a non-optional collection) takes the field's default,
values are coerced to the annotated type (str, int, float, bool, datetime, enums, nested dataclasses,
tuples, dicts). Classes whose form is not field-for-field keep their own `to_dict`/`from_dict`.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import datetime
from typing import Any, TypeVar

from governance.timeutil import iso, parse_timestamp

T = TypeVar("T")
OMIT_NONE: dict[str, Any] = {"omit": "none"}  # dataclasses.field(default=None, metadata=OMIT_NONE)
OMIT_EMPTY: dict[str, Any] = {"omit": "empty"}


def to_jsonable(obj: Any) -> Any:
    """The JSON form of a dataclass value (recursively); other values pass through converted."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            omit = f.metadata.get("omit")
            if (omit == "none" and value is None) or (omit == "empty" and not value):
                continue
            out[f.name] = to_jsonable(value)
        return out
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, datetime):
        return iso(obj)
    if isinstance(obj, (tuple, list)):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    return obj


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def from_jsonable(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild a dataclass from its JSON form (see the module docstring for defaults and coercion)."""
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue  # the field's default, or TypeError when it has none
        kwargs[f.name] = _coerce(hints[f.name], data[f.name])
    return cls(**kwargs)


def _coerce(tp: Any, value: Any) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if value is None:
            return None
        return _coerce(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        return tuple(_coerce(args[0], x) for x in value or ())
    if origin is dict:
        return {k: _coerce(args[1], v) for k, v in (value or {}).items()}
    if tp is datetime:
        return parse_timestamp(str(value))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_jsonable(tp, value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if tp in (str, int, float, bool):
        return tp(value)
    return value
