"""Who is acting, and when two names are the same person.

An identity is normalised where it is created (token names, `--as`/GOV_USER, approvals, waivers,
version creators) and compared the same way everywhere: Unicode NFKC (so the fullwidth `ａｌｉｃｅ` is
`alice`), surrounding whitespace trimmed, case folded; control characters are refused, not stripped.
The API binds identity from its token instead of GOV_USER.
"""

from __future__ import annotations

import getpass
import os
import unicodedata


def normalise_identity(text: str, *, field: str = "as") -> str:
    """The canonical spelling of a person's name; InputError naming `field` when it is empty or holds a
    control character (`alice\n` is trimmed to alice; `al\nice` is refused)."""
    from governance.errors import InputError

    name = unicodedata.normalize("NFKC", str(text)).strip()
    if not name:
        raise InputError("the identity must not be empty", where=field)
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if bad is not None:
        raise InputError(f"the identity contains the control character U+{ord(bad):04X}", where=field)
    return name.casefold()


def identity_key(text: str | None) -> str:
    """The comparison key of a stored name, never raising (stored names predate normalisation)."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def same_identity(a: str | None, b: str | None) -> bool:
    """Whether two names are the same person (both non-empty, equal after normalisation)."""
    ka, kb = identity_key(a), identity_key(b)
    return bool(ka) and ka == kb


def current_user() -> str:
    """GOV_USER, else the OS user (not yet normalised: the service normalises and names the field)."""
    user = os.environ.get("GOV_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


CI_VARIABLES = (
    "GITHUB_RUN_ID",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "GITHUB_ACTOR",
    "GITHUB_WORKFLOW",
    "CI_JOB_ID",
    "CI_PIPELINE_ID",
    "CI_PROJECT_PATH",
    "CI_COMMIT_SHA",
    "GITLAB_USER_LOGIN",  # the person who started a GitLab pipeline (as reported by the pipeline)
    "BUILD_ID",
    "BUILD_URL",
    "JENKINS_URL",
    "BUILD_REQUESTEDFOR",  # Azure Pipelines: the person the run was requested for
    "GOV_PIPELINE_ID",
)


def ci_context(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The CI variables present in the environment (who or which pipeline asked)."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in CI_VARIABLES if env.get(k)}


# ---- who submitted a piece of evidence ---------------------------------------------------------------
# Recorded with every event and fairness evaluation: `token:<role>:<name>` for the API (the token's
# identity and role), `cli:<user>` for a local command. A gate counts evidence only from submitters
# its policy trusts (`trusted_producers`, else GOV_TRUSTED_PRODUCERS, else the default below).
DEFAULT_TRUSTED_PRODUCERS = ("role:evidence", "role:admin", "cli")


def token_submitter(name: str, role: str) -> str:
    """The submitter of evidence sent with an API token."""
    return f"token:{identity_key(role)}:{identity_key(name)}"[:512]


def cli_submitter(user: str | None = None) -> str:
    """The submitter of evidence stored by a local command (GOV_USER, else the OS user)."""
    return f"cli:{identity_key(user or current_user()) or 'unknown'}"[:512]


def trusted_producers_from_env() -> tuple[str, ...]:
    """GOV_TRUSTED_PRODUCERS (comma-separated entries), else the default."""
    text = os.environ.get("GOV_TRUSTED_PRODUCERS", "")
    entries = tuple(e.strip() for e in text.split(",") if e.strip())
    return entries or DEFAULT_TRUSTED_PRODUCERS


def is_trusted(submitted_by: str | None, trusted: tuple[str, ...]) -> bool:
    """Whether a submitter matches an entry: `role:<role>` (any token of that role), `cli` (any local
    user), `cli:<user>`, `token:<role>:<name>`, or a bare identity (that name, by token or CLI).
    Evidence with no recorded submitter is never trusted."""
    if not submitted_by:
        return False
    channel, _, rest = submitted_by.partition(":")
    role, name = rest.split(":", 1) if channel == "token" and ":" in rest else ("", rest)
    for entry in trusted:
        kind, _, value = entry.strip().partition(":")
        kind = kind.casefold()
        if not value and kind == "cli":
            if channel == "cli":
                return True
        elif kind == "role" and value:
            if channel == "token" and identity_key(value) == role:
                return True
        elif kind == "cli" and value:
            if channel == "cli" and same_identity(value, name):
                return True
        elif kind == "token" and value:
            if identity_key(entry) == identity_key(submitted_by):
                return True
        elif same_identity(entry, name):
            return True
    return False
