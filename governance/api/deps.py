"""Request helpers shared by the routers."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from fastapi import Request
from sqlmodel import Session

from governance.errors import GovernanceError, InputError
from governance.store.db import session_scope


class PayloadTooLarge(GovernanceError):
    exit_code = 2
    http_status = 413
    code = "payload_too_large"


def session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.engine) as s:
        yield s


async def read_body(request: Request, limit: int) -> bytes:
    """The body, gunzipped when Content-Encoding says so, never more than `limit` bytes."""
    body = await request.body()
    encoding = request.headers.get("content-encoding", "").lower().strip()
    if encoding in ("", "identity"):
        if len(body) > limit:
            raise PayloadTooLarge(f"body larger than {limit} bytes")
        return body
    if encoding != "gzip":
        raise InputError(f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InputError(f"corrupt gzip body: {exc}") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"decompressed body larger than {limit} bytes")
    return out
