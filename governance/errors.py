"""Domain errors. Library code raises these; the CLI and API translate them once, at the edge."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager


class GovernanceError(Exception):
    """Base of every error a user can cause or fix. `exit_code` follows the gate's contract."""

    exit_code = 3
    http_status = 500
    code = "internal_error"

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def one_line(self) -> str:
        """The single line the CLI prints: where, what, and what to do next."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        text = f"{text} ({self.hint})" if self.hint else text
        return " ".join(text.split())  # one line, whatever a driver or library put in the message


class InputError(GovernanceError):
    """Bad user input: a malformed file, event, argument. Exit 2, HTTP 400."""

    exit_code = 2
    http_status = 400
    code = "invalid_input"


class NotFoundError(InputError):
    """A named thing (model, version, node, decision) does not exist."""

    http_status = 404
    code = "not_found"


class ConflictError(InputError):
    """The request contradicts stored state (e.g. registering an existing version with another digest)."""

    http_status = 409
    code = "conflict"


class ConfigError(GovernanceError):
    """Configuration or environment problem (database unreachable, bad key file). Exit 3."""

    exit_code = 3
    http_status = 500
    code = "configuration_error"


@contextmanager
def spelled(fields: Mapping[str, str]) -> Iterator[None]:
    """Inside a face: re-spell the field a service error names (`role`) the face's way (`--role`,
    `body.role`). Services name fields, never a face's flags."""
    try:
        yield
    except GovernanceError as exc:
        if exc.where is not None and exc.where in fields:
            exc.where = fields[exc.where]
        raise
