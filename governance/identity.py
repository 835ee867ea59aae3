"""Who is acting: GOV_USER, else the OS user. The API binds identity from its token instead."""

from __future__ import annotations

import getpass
import os


def current_user() -> str:
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
    "BUILD_ID",
    "BUILD_URL",
    "JENKINS_URL",
    "GOV_PIPELINE_ID",
)


def ci_context(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The CI variables present in the environment (who or which pipeline asked)."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in CI_VARIABLES if env.get(k)}
