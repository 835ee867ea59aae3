"""The one JSON decoder for untrusted input (HTTP bodies, event files): RFC 8259, bounded.

Python's `json.loads` accepts more than JSON and fails in ways a server must not: `NaN`, `Infinity`
and `-Infinity` are decoded (they are not JSON); `1e400` becomes an infinite float; an integer of
more than 4,300 digits raises ValueError and a document nested ~1,000 deep raises RecursionError
(both were HTTP 500s); an integer of 2**63 or more decodes, then fails at the database. Here every one
of these is an `UnsafeJSON` (an InputError: exit 2, HTTP 400) naming the JSON path of the value:

- nesting deeper than `MAX_DEPTH` (128) arrays/objects;
- integers outside the signed 64-bit range (-2**63 .. 2**63-1), whatever their digit count;
- numbers that do not fit a finite double (`1e400`), and `NaN` / `Infinity` / `-Infinity`.

Cost: numbers are checked by the decoder's own hooks as they are parsed (about 2 µs on a typical
2 KB event); the depth is checked only when the text has more brackets than `MAX_DEPTH`. Paths are
worked out only for a refused text (a second, slower decode, or a walk of the decoded value).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from governance.errors import InputError

MAX_DEPTH = 128
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?|[\[\]{},]|NaN|-?Infinity', re.DOTALL)


class UnsafeJSON(InputError):
    """Text that is not JSON, or JSON beyond the bounds above; `json_path` locates it, `reason` says why."""

    def __init__(self, json_path: str | None, reason: str, *, lineno: int | None = None) -> None:
        super().__init__(reason, where=json_path)
        self.json_path = json_path
        self.reason = reason
        self.lineno = lineno  # for malformed text: the line of the syntax error


class _OutOfBounds(ValueError):
    """Raised by the fast decoder's hooks; the slow decoder then finds where (see _locate)."""


class _Marker:
    """Stands in for an out-of-bounds value in the slow decode, so the walk can report its path."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _int_reason(digits: str) -> str | None:
    if len(digits) > 20 or not INT_MIN <= int(digits) <= INT_MAX:
        return f"integer outside the 64-bit range {INT_MIN}..{INT_MAX}"
    return None


def _float_reason(text: str) -> str | None:
    return None if math.isfinite(float(text)) else "number is not a finite double (beyond 1.8e308)"


def _constant_reason(name: str) -> str:
    return f"{name} is not JSON (RFC 8259 has no NaN or Infinity)"


def _fast_int(digits: str) -> int:
    if len(digits) > 18 and _int_reason(digits):
        raise _OutOfBounds
    return int(digits)


def _fast_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _OutOfBounds
    return value


def _fast_constant(name: str) -> Any:
    raise _OutOfBounds


def _slow_int(digits: str) -> Any:
    reason = _int_reason(digits)
    return _Marker(reason) if reason else int(digits)


def _slow_float(text: str) -> Any:
    reason = _float_reason(text)
    return _Marker(reason) if reason else float(text)


_DECODER = json.JSONDecoder(parse_int=_fast_int, parse_float=_fast_float, parse_constant=_fast_constant)
_LOCATOR = json.JSONDecoder(
    parse_int=_slow_int, parse_float=_slow_float, parse_constant=lambda name: _Marker(_constant_reason(name))
)


def loads(text: str | bytes) -> Any:
    """Decode untrusted JSON text; UnsafeJSON (with the JSON path when there is one) if it is not safe.

    Malformed text is an UnsafeJSON too, its json_path None and its reason naming line and column."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnsafeJSON(None, f"not UTF-8 (byte {exc.start})") from None
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise UnsafeJSON(None, reason, lineno=exc.lineno) from None
    except _OutOfBounds:
        raise UnsafeJSON(*_locate(text)) from None
    except RecursionError:
        raise UnsafeJSON(_too_deep_path(text), f"nested deeper than {MAX_DEPTH} arrays/objects") from None
    # The hooks above checked every number, so only the depth is left to check, and only a text with
    # more brackets than MAX_DEPTH can be too deep. A batch body always has that many, so the test that
    # runs then is `_within_depth`, which visits containers only (4x cheaper than `check`, 1-2 µs an
    # event); the full walk runs only for a text that is too deep, to find the path.
    if text.count("[") + text.count("{") > MAX_DEPTH and not _within_depth(value, MAX_DEPTH - 1):
        check(value)
    return value


def _within_depth(value: Any, levels: int) -> bool:
    """True when no array/object nests more than `levels` below `value` (a decoded value: plain types).

    Recursive, but at most MAX_DEPTH frames: it stops at the first container past the limit."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return True
    for child in value.values() if kind is dict else value:
        ckind = type(child)
        if (ckind is dict or ckind is list) and (levels == 0 or not _within_depth(child, levels - 1)):
            return False
    return True


_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace (RFC 8259 section 2)


def loads_array(text: str) -> list[tuple[str, Any]] | None:
    """Each element of a JSON array, as its verbatim text and its value, decoded and checked as `loads`
    does; None when `text` is not a JSON array whose every element passes (the caller then calls
    `loads`, which says what is wrong and where).

    For batch bodies and array files: each event is kept as the producer wrote it (as single events
    and JSON Lines are), rather than re-encoded from its value, which cost as much as decoding it."""
    scan = _DECODER.raw_decode
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        return None
    pos = _skip(text, pos + 1)
    out: list[tuple[str, Any]] = []
    if text.startswith("]", pos):
        pos += 1
    else:
        while True:
            try:
                value, end = scan(text, pos)
            except (ValueError, _OutOfBounds, RecursionError):  # JSONDecodeError is a ValueError
                return None
            out.append((text[pos:end], value))
            pos = _skip(text, end)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
            elif text.startswith("]", pos):
                pos += 1
                break
            else:
                return None
    if _skip(text, pos) != len(text):
        return None
    if text.count("[") + text.count("{") > MAX_DEPTH and not _within_depth([v for _, v in out], MAX_DEPTH - 1):
        return None
    return out


def _skip(text: str, pos: int) -> int:
    """The position of the first non-whitespace character at or after `pos`."""
    match = _WHITESPACE.match(text, pos)
    return pos if match is None else match.end()


def loads_elements(text: str) -> list[Any | UnsafeJSON] | None:
    """A JSON array refused by `loads` for what some elements hold: each element, or the UnsafeJSON of
    that element (its path relative to the element), so that one bad event does not refuse a whole
    file. None when the text is not an array that can be decoded element by element."""
    try:
        value = _LOCATOR.decode(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    out: list[Any | UnsafeJSON] = []
    for element in value:
        found = _first_problem(element, with_paths=True)
        out.append(element if found is None else UnsafeJSON(*found))
    return out


def _locate(text: str) -> tuple[str | None, str]:
    """Path and reason of the first out-of-bounds number in a text the fast decoder refused."""
    try:
        found = _first_problem(_LOCATOR.decode(text), with_paths=True)
    except RecursionError:
        return _too_deep_path(text), f"nested deeper than {MAX_DEPTH} arrays/objects"
    return found if found is not None else (None, "number out of bounds")


def check(value: Any) -> None:
    """Raise UnsafeJSON for the first (depth-first) value out of bounds in an already decoded value.

    For values that did not come through `loads` (e.g. a Python caller's dict) too."""
    if _first_problem(value, with_paths=False) is not None:
        path, reason = _first_problem(value, with_paths=True) or ("$", "")
        raise UnsafeJSON(path, reason)


def _first_problem(value: Any, *, with_paths: bool) -> tuple[str, str] | None:
    """(path, reason) of the first value out of bounds; paths are built only when asked (they cost)."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    pop, push = stack.pop, stack.append
    while stack:
        item, path, depth = pop()
        kind = type(item)
        if kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                return path, f"nested deeper than {MAX_DEPTH} arrays/objects"
            pairs = list(item.items() if kind is dict else enumerate(item))
            for key, child in reversed(pairs):
                ckind = type(child)
                if ckind is str or ckind is bool or child is None:
                    continue
                child_path = (f"{path}[{key}]" if kind is list else f"{path}.{key}") if with_paths else path
                push((child, child_path, depth + 1))
        elif kind is _Marker:
            return path, item.reason
        elif kind is int:
            if not INT_MIN <= item <= INT_MAX:
                return path, f"integer outside the 64-bit range {INT_MIN}..{INT_MAX}"
        elif kind is float:
            if not math.isfinite(item):
                return path, "number is not a finite double (NaN, Infinity or beyond 1.8e308)"
        elif isinstance(item, dict | list | int | float):  # subclasses, from Python callers
            plain = dict(item) if isinstance(item, dict) else list(item) if isinstance(item, list) else item
            if plain is not item:
                push((plain, path, depth))
            elif isinstance(item, float) and not math.isfinite(item):
                return path, "number is not a finite double (NaN, Infinity or beyond 1.8e308)"
            elif isinstance(item, int) and not isinstance(item, bool) and not INT_MIN <= item <= INT_MAX:
                return path, f"integer outside the 64-bit range {INT_MIN}..{INT_MAX}"
    return None


def _token_path(text: str, found: Any) -> str | None:
    """The JSON path of the first token for which `found(token, depth)` holds, scanning the text
    without recursion (so it works where json.loads could not)."""
    frames: list[list[Any]] = []  # [kind, key-or-index]
    for match in _TOKENS.finditer(text):
        token = match.group(0)
        if token in ("{", "["):
            if found(token, len(frames) + 1):
                return _render(frames)
            frames.append([token, None if token == "{" else 0])
        elif token in ("}", "]"):
            if frames:
                frames.pop()
        elif token == ",":
            if frames and frames[-1][0] == "[":
                frames[-1][1] += 1
        elif match.group(1) is not None:  # an object key
            if frames:
                frames[-1][1] = json.loads(token[: token.rindex('"') + 1])
        elif found(token, len(frames)):
            return _render(frames)
    return None


def _render(frames: list[list[Any]]) -> str:
    path = "$"
    for kind, key in frames:
        path += f"[{key}]" if kind == "[" else f".{key}" if key is not None else ""
    return path


def _too_deep_path(text: str) -> str | None:
    return _token_path(text, lambda token, depth: token in ("{", "[") and depth > MAX_DEPTH)
