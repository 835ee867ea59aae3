"""Content digests: every input and output is named by its sha256."""

from __future__ import annotations

import hashlib
import json
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from governance.errors import InputError


def file_sha256(path: Path) -> str:
    """`sha256:<hex>` of a file, streamed."""
    h = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", where=str(path)) from exc
    return "sha256:" + h.hexdigest()


def bytes_sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False), with the C encoder built
# once instead of per call (no circular check: decoded JSON cannot be circular). Ingest calls this for
# every event, so the saving is measurable there (bench/ingest.py).
def _encoder(default: Any) -> Any:
    if c_make_encoder is None:
        return None
    return c_make_encoder(None, default, encode_basestring, None, ":", ",", True, False, True)


_strict = _encoder(json.JSONEncoder().default)  # a value JSON cannot hold raises TypeError
_lenient = _encoder(str)  # a value JSON cannot hold is written as str(value)


def canonical_text(obj: Any, *, lenient: bool = False) -> str:
    """Canonical JSON (sorted keys, no whitespace, UTF-8 kept) as text: the one form every digest in gov
    is taken over: events, decisions, ledger entries, attestations. `lenient` writes values JSON cannot
    hold (datetimes, paths) as their str(); otherwise they raise TypeError."""
    enc = _lenient if lenient else _strict
    if enc is None or isinstance(obj, str):
        return json.dumps(
            obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str if lenient else None
        )
    return "".join(enc(obj, 0))


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON as UTF-8 bytes, lenient (see canonical_text)."""
    return canonical_text(obj, lenient=True).encode()


def canonical_digest(obj: Any) -> str:
    """Bare sha256 hex over the strict canonical text (an event's digest: formatting makes no new event)."""
    return hashlib.sha256(canonical_text(obj).encode("utf-8")).hexdigest()


def json_sha256(obj: Any) -> str:
    return bytes_sha256(canonical_json(obj))
