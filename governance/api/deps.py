"""Request helpers shared by the routers."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request
from sqlmodel import Session

from governance.errors import GovernanceError, InputError
from governance.store.db import session_scope
from governance.store.retry import RETRY_ATTEMPTS, is_transient, retry_transient  # noqa: F401 (re-exported)


class PayloadTooLarge(GovernanceError):
    exit_code = 2
    http_status = 413
    code = "payload_too_large"


def session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises."""
    with session_scope(request.app.state.engine) as s:
        yield s


async def read_body(request: Request, limit: int) -> bytes:
    """The body, gunzipped when Content-Encoding says so, never more than `limit` bytes either way.

    Read as a stream so an oversized upload is refused when it crosses the limit, not after.
    """
    encoding = request.headers.get("content-encoding", "").lower().strip()
    if encoding not in ("", "identity", "gzip"):
        raise InputError(f"unsupported Content-Encoding {encoding!r}; use gzip or none", where="Content-Encoding")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    out = bytearray()
    async for chunk in request.stream():
        if inflater is None:
            out += chunk
        else:
            try:
                out += inflater.decompress(chunk, limit + 1 - len(out))
            except zlib.error as exc:
                raise InputError(f"corrupt gzip body: {exc}", where="body") from exc
            if inflater.unconsumed_tail:
                raise PayloadTooLarge(f"decompressed body larger than {limit} bytes")
        if len(out) > limit:
            raise PayloadTooLarge(f"{'decompressed ' if inflater else ''}body larger than {limit} bytes")
    if inflater is not None and not inflater.eof:
        raise InputError("truncated gzip body", where="body")
    return bytes(out)


# scope="function": the transaction commits when the route returns, BEFORE the response is sent, so
# a 2xx always means committed (the default scope would send the response first).
DB: Any = Depends(session, scope="function")
