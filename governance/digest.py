"""Content digests: every input and output is named by its sha256."""

from __future__ import annotations

import hashlib
import json
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


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the form every digest is taken over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def json_sha256(obj: Any) -> str:
    return bytes_sha256(canonical_json(obj))
