"""Security headers on every response of `gov serve`, in one place.

`X-Content-Type-Options: nosniff` on every response (JSON, errors, explorer files, report downloads), so
a browser never guesses a type other than the one sent. `Cache-Control: no-store` on every /api/
response: each one answers an authenticated caller (or refuses one), so no shared or browser cache may
keep it. A header a response already sets is not repeated (the explorer sets nosniff itself).
"""

from __future__ import annotations

from governance.api.security import API_PREFIX, ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """ASGI middleware: adds the headers to the `http.response.start` of every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith(API_PREFIX)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", ())]
                names = {name.lower() for name, _ in headers}
                if NOSNIFF[0] not in names:
                    headers.append(NOSNIFF)
                if api:
                    headers = [(name, value) for name, value in headers if name.lower() != NO_STORE[0]]
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
