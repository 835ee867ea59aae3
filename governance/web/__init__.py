"""The auditor's explorer: the built browser bundle (web/ is its npm source) served at /ui.

A face like api/: it serves static files only; every datum the page shows comes from the public
API with the caller's own token. Every /ui response carries a strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

STATIC = Path(__file__).parent / "static"
PREFIX = "/ui"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-cache"),
)
# What the page may load: the built files only (no listing, no other path).
FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/explorer.js": ("explorer.js", "text/javascript; charset=utf-8"),
    "/explorer.css": ("explorer.css", "text/css; charset=utf-8"),
    "/LICENSES.txt": ("LICENSES.txt", "text/plain; charset=utf-8"),
}

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def bundle_present() -> bool:
    """Whether the built explorer ships with this installation."""
    return all((STATIC / name).is_file() for name in ("index.html", "explorer.js", "explorer.css"))


async def explorer(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
    """ASGI app mounted at /ui: GET/HEAD of the built files, with the security headers."""
    sub = scope["path"][len(PREFIX) :] if scope["path"].startswith(PREFIX) else scope["path"]
    found = FILES.get(sub)
    method = scope.get("method", "GET")
    if found is None or not (STATIC / found[0]).is_file():
        status, body, ctype = (
            404,
            b'{"error":{"code":"not_found","message":"no such explorer file"}}',
            "application/json",
        )
    elif method not in ("GET", "HEAD"):
        status, body, ctype = 405, b'{"error":{"code":"method_not_allowed","message":"GET only"}}', "application/json"
    else:
        status, body, ctype = 200, (STATIC / found[0]).read_bytes(), found[1]
    headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()), *HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
