"""`gov check --server URL`: the gate as a thin client of a warm `gov serve` (POST /api/v1/checks).

The server loads the store and the policies and binds the caller's identity to its API token; the
client only sends the request and renders the report it gets back, so it starts in a fraction of the
time a full check needs (standard library only: no database driver, no ORM, no YAML).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from governance.errors import ConfigError, ConflictError, GovernanceError, InputError, NotFoundError
from governance.gate.report import CheckReport

TIMEOUT_SECONDS = 60.0
_BY_STATUS: dict[int, type[GovernanceError]] = {400: InputError, 404: NotFoundError, 409: ConflictError}


def remote_check(
    server: str,
    token: str | None,
    model: str,
    version: str,
    target: str,
    ci: Mapping[str, str],
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> CheckReport:
    """Run the check on `server`; API errors come back as the same GovernanceError a local check raises."""
    if not server.startswith(("http://", "https://")):
        raise InputError(f"the server must be an http(s) URL, got {server!r}", where="server")
    body = json.dumps({"model": model, "version": version, "target": target, "ci": dict(ci)}).encode()
    request = urllib.request.Request(
        server.rstrip("/") + "/api/v1/checks",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only, above
            return CheckReport.from_dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        raise _api_error(exc.code, exc.read()) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConfigError(
            f"cannot reach the gov server at {server}: {reason}", where="server", hint="is `gov serve` running there?"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the server at {server} did not answer with a check report: {exc}", where="server") from exc


def _api_error(status: int, payload: bytes) -> GovernanceError:
    """The API's one error shape ({"error": {code, status, message, where, hint}}) as a GovernanceError."""
    try:
        error: dict[str, Any] = json.loads(payload)["error"]
        message, where, hint = str(error["message"]), error.get("where"), error.get("hint")
    except (ValueError, KeyError, TypeError):
        message, where, hint = f"HTTP {status}", None, None
    if status in (401, 403):
        return ConfigError(
            f"the server refused the check: {message}",
            where=where,
            hint=hint or "set GOV_TOKEN to a token whose role may run checks (`gov token create`)",
        )
    return _BY_STATUS.get(status, ConfigError)(message, where=where, hint=hint)
