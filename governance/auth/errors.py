"""Authentication and authorisation failures, translated to 401 and 403 at the API edge."""

from __future__ import annotations

from governance.errors import GovernanceError


class AuthenticationError(GovernanceError):
    """No credentials, or credentials that do not name an active token."""

    exit_code = 2
    http_status = 401
    code = "unauthorized"


class PermissionDenied(GovernanceError):
    """The caller is known but may not do this (role, or separation of duties)."""

    exit_code = 2
    http_status = 403
    code = "forbidden"
