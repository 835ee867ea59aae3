"""Structure decoded JSON into openlineage-python's generated attrs classes, checking as the spec does.

openlineage-python can serialise its models but has no JSON-to-object parser. This module walks the
attrs fields of a generated class (types resolved once with `typing.get_type_hints`) and turns a
JSON value into an instance, rejecting what the spec's JSON Schema rejects:

- JSON types as JSON Schema sees them (`true` is not an integer, `1.0` is; `null` is never allowed,
  because the spec has no nullable property: `X | None` in the models means "may be absent");
- required fields: attrs fields without a default, plus fields whose default is a string, which is
  how the generator spells the client-filled `producer`/`schemaURL`/`_producer`/`_schemaURL` and
  JSON Schema `const` discriminators (`type: str = "binary"`);
- `format`s: the generator turns `uuid`, `date-time` and `uri` into validators calling `UUID`,
  `isoparse` and `urlparse`; we recognise them and apply the strict checks of structure_formats
  instead. Any other attrs validator (e.g. `dependentRequired`) runs as generated.

Instances are made with `cls.__new__` and `object.__setattr__`, not `cls(...)`: the generated
`__attrs_post_init__` would overwrite the incoming `schemaURL`/`producer` with the client's own,
and the lax validators would run twice. Per-class plans are built once and cached.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable
from typing import Any

import attr

from governance.lineage.structure_convert import (
    FORMAT_CHECKS,
    FORMATS,
    LEAVES,
    Converter,
    StructureError,
    at_least,
    const,
    dict_of,
    enum_of,
    identity,
    list_of,
    literal,
    one_of,
    type_error,
)

# Builds the converter of a `dict[str, <facet base>]` field; `core` says whether the field belongs
# to the core model (Run, Job, Dataset...) rather than sits inside a facet.
FacetMapFactory = Callable[[type, bool, "Structurer"], Converter]

_set = object.__setattr__
_NO_DEFAULT = attr.NOTHING

# The generator drops `minimum` and `additionalProperties: false`; these are the only two places
# the current spec uses them, so they are listed here rather than lost.
_MINIMUM: dict[tuple[str, str], int] = {("EmissionPattern", "windowDuration"): 1}
_CLOSED_CLASSES = frozenset({"ExecutionParameter"})


def _validator_format(validator: Any) -> str | None:
    """The JSON Schema format a generated validator stands for, read from the names its code uses."""
    code = getattr(validator, "__code__", None)
    if code is None:
        return None
    names = set(code.co_names)
    if "UUID" in names:
        return "uuid"
    if "isoparse" in names:
        return "date-time"
    if "urlparse" in names:
        return "uri"
    return None


def _validators(field: attr.Attribute) -> list[Any]:  # type: ignore[type-arg]
    validator = field.validator
    if validator is None:
        return []
    inner = getattr(validator, "_validators", None)  # attrs' and_() wrapper
    return list(inner) if inner is not None else [validator]


# ---- class plans ----------------------------------------------------------------------------------


@attr.define
class ClassPlan:
    """What structuring one attrs class needs, computed once per class."""

    cls: type
    # (json key == attribute name, converter, default): default is _REQUIRED, a _Fresh factory
    # for mutable defaults, or the immutable default value itself
    fields: tuple[tuple[str, Converter, Any], ...] = ()
    # validators we cannot replace with a format check; they run on the finished instance
    post: tuple[tuple[Any, Any], ...] = ()
    allowed: frozenset[str] | None = None  # set when the schema forbids other properties
    # (attribute, format) of the fields declaring a string format, for `format_problems`
    formats: tuple[tuple[str, str], ...] = ()
    # facet map attribute -> its facet base type: plain-dict (custom) facets carry `_producer`/`_schemaURL` URIs
    facet_maps: dict[str, type] = attr.Factory(dict)


_REQUIRED = object()
_ABSENT = object()


@attr.define(frozen=True)
class _Fresh:
    """A default made anew for each instance (attrs' `factory=list`)."""

    factory: Callable[[], Any]


def _default_of(field: attr.Attribute) -> Any:  # type: ignore[type-arg]
    default = field.default
    if isinstance(default, attr.Factory):  # type: ignore[arg-type]
        return _Fresh(default.factory)  # type: ignore[union-attr]
    return default


class Structurer:
    """Builds and caches converters for generated classes; one instance serves every event."""

    def __init__(
        self,
        *,
        facet_bases: tuple[type, ...],
        facet_map: FacetMapFactory,
        formats: dict[str, Converter] | None = None,
    ) -> None:
        """`dict[str, B]` fields with B in `facet_bases` are facet maps, converted by `facet_map`.

        `formats` converts the values of fields declaring a format (default: FORMATS, which reject a
        value breaking its format); the lenient structurer passes converters that only check the type,
        and reads the format problems afterwards with `format_problems`.
        """
        self._facet_map = facet_map
        self._facet_bases = facet_bases
        self._formats = FORMATS if formats is None else formats
        self._plans: dict[type, ClassPlan] = {}

    def structure(self, cls: type, value: Any) -> Any:
        """An instance of `cls` from the JSON `value`, or StructureError at the first problem."""
        return self._build(self.plan(cls), value)

    def plan(self, cls: type) -> ClassPlan:
        """The cached plan of `cls`; registered before its fields are built so recursion ends."""
        plan = self._plans.get(cls)
        if plan is None:
            plan = ClassPlan(cls)
            self._plans[cls] = plan
            self._fill(plan)
        return plan

    def _fill(self, plan: ClassPlan) -> None:
        cls = plan.cls
        hints = typing.get_type_hints(cls)
        core = cls.__module__.endswith(".generated.base")
        fields = []
        post = []
        formats = []
        facet_maps: dict[str, type] = {}
        for field in attr.fields(cls):
            default = field.default
            required = default is _NO_DEFAULT or isinstance(default, str)
            fmt = None
            for validator in _validators(field):
                found = _validator_format(validator)
                if found is None:
                    post.append((field, validator))
                else:
                    fmt = found
            if fmt is not None:
                convert = self._formats[fmt]
                formats.append((field.name, fmt))
            elif isinstance(default, str) and default and field.init and field.validator is None:
                convert = const(default)
            else:
                convert = self.converter(hints[field.name], core=core)
            minimum = _MINIMUM.get((cls.__name__, field.name))
            if minimum is not None:
                convert = at_least(convert, minimum)
            fields.append((field.name, convert, _REQUIRED if required else _default_of(field)))
            facet_base = self._facet_base(hints[field.name])
            if facet_base is not None:
                facet_maps[field.name] = facet_base
        plan.fields = tuple(fields)
        plan.post = tuple(post)
        plan.formats = tuple(formats)
        plan.facet_maps = facet_maps
        if cls.__name__ in _CLOSED_CLASSES:
            plan.allowed = frozenset(name for name, _convert, _default in fields)

    def _facet_base(self, tp: Any) -> type | None:
        """B when `tp` is `dict[str, B]` (or `... | None`) with B a facet base: a facet map."""
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = options[0] if len(options) == 1 else None
        args = typing.get_args(tp)
        if typing.get_origin(tp) is dict and len(args) == 2 and args[1] in self._facet_bases:
            return args[1]  # type: ignore[no-any-return]
        return None

    def format_problems(self, obj: Any) -> list[tuple[list[str | int], str, str]]:
        """(path segments, format, value) of every string in a structured `obj` that breaks its format.

        Walks what `structure` built: format fields of generated classes, and the `_producer` /
        `_schemaURL` of facets kept as plain dicts (custom facets), which the base facet types as URIs.
        """
        out: list[tuple[list[str | int], str, str]] = []
        self._walk(obj, [], out)
        return out

    def _walk(self, value: Any, path: list[str | int], out: list[tuple[list[str | int], str, str]]) -> None:
        plan = self._plans.get(type(value))
        if plan is not None:
            for name, fmt in plan.formats:
                item = getattr(value, name, None)
                if isinstance(item, str) and not FORMAT_CHECKS[fmt](item):
                    out.append(([*path, name], fmt, item))
            for name, _convert, _default in plan.fields:
                item = getattr(value, name, None)
                container = plan.facet_maps.get(name)
                if container is not None and isinstance(item, dict):
                    misplaced = getattr(self._facet_map, "misplaced", None)
                    for key, facet in item.items():
                        if isinstance(facet, dict):
                            for base_key in ("_producer", "_schemaURL"):
                                text = facet.get(base_key)
                                if isinstance(text, str) and not FORMAT_CHECKS["uri"](text):
                                    out.append(([*path, name, key, base_key], "uri", text))
                            named = misplaced(facet.get("_schemaURL"), key, container) if misplaced else None
                            if named is not None:
                                out.append(([*path, name, key, "_schemaURL"], "schema", named.__name__))
                        else:
                            self._walk(facet, [*path, name, key], out)
                elif isinstance(item, (list, dict)) or type(item) in self._plans:
                    self._walk(item, [*path, name], out)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, (list, dict)) or type(item) in self._plans:
                    self._walk(item, [*path, index], out)
        elif isinstance(value, dict):
            for key, item in value.items():
                if type(item) in self._plans:
                    self._walk(item, [*path, key], out)

    def converter(self, tp: Any, *, core: bool = False) -> Converter:
        """The converter for one (resolved) type annotation."""
        leaf = LEAVES.get(tp)
        if leaf is not None:
            return leaf
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in args if a is not type(None)]
            if len(options) == 1:
                return self.converter(options[0], core=core)
            return one_of([self.converter(a, core=core) for a in options], options)
        if origin is typing.Literal:
            return literal(args)
        if origin is list:
            return list_of(self.converter(args[0], core=core) if args else identity)
        if origin is dict:
            value_tp = args[1] if args else Any
            if value_tp in self._facet_bases:
                return self._facet_map(value_tp, core, self)
            return dict_of(self.converter(value_tp, core=core))
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return enum_of(tp)
        if isinstance(tp, type) and attr.has(tp):
            return functools.partial(self._build, self.plan(tp))
        raise TypeError(f"no converter for annotation {tp!r}")

    def _build(self, plan: ClassPlan, value: Any) -> Any:
        if not isinstance(value, dict):
            raise type_error("an object", value)
        cls: Any = plan.cls
        obj = cls.__new__(cls)
        get = value.get
        for name, convert, default in plan.fields:
            item = get(name, _ABSENT)
            if item is not _ABSENT:
                try:
                    _set(obj, name, convert(item))
                except StructureError as exc:
                    exc.segments.append(name)
                    raise
            elif default is _REQUIRED:
                raise StructureError("missing required field", segment=name)
            else:
                _set(obj, name, default.factory() if default.__class__ is _Fresh else default)
        if plan.allowed is not None:
            for key in value:
                if key not in plan.allowed:
                    raise StructureError("property not allowed here", segment=key)
        for field, validator in plan.post:
            try:
                validator(obj, field, getattr(obj, field.name))
            except (ValueError, TypeError) as exc:
                raise StructureError(str(exc), segment=field.name) from None
        return obj
