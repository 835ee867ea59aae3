"""The approval rules, in one place: separation of duties, waiver validity and scope, targets, roles.

Every face (CLI, API), the rule kinds, the scorecard and the reports call these functions; none
restates them. Decisions (docs/approvals.md):

- Separation of duties: the creator of a version and the authors of its training run may neither
  approve it nor waive a policy for it. The services refuse (CLI exit 2, API 403, same message); the
  `approval` rule kind keeps its own check as defence in depth for approvals recorded before the refusal.
- Identities compare after normalisation (governance.identity): case, NFKC, surrounding whitespace.
- A waiver is in force while `created_at <= now < expires_at` and, when revoked, `now < revoked_at`:
  both bounds are exclusive, so a waiver expiring (or revoked) exactly now is no longer in force.
- A waiver covers a check when its policy id is the policy's, the model name matches its model glob,
  its version (if any) is the version's, and its target glob (if any) matches the target.
- A waiver's scope is no wider than its policy's `waiver_scope` allows: `version` (the default) names
  one model and one version, `model` one model (any version), `any` admits model globs.
- Targets are a closed set: GOV_TARGETS (comma list) or development, staging, production; compared
  after normalisation (NFKC, trimmed, case folded). An unknown target is an input error.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from governance.errors import InputError
from governance.identity import same_identity

DEFAULT_TARGETS = ("development", "staging", "production")
DEFAULT_MAX_WAIVER_DAYS = 90
SECOND_PERSON_SEVERITIES = frozenset({"critical"})
WAIVER_SCOPES = ("version", "model", "any")  # narrowest first
DEFAULT_WAIVER_SCOPE = "version"
GLOB_CHARS = frozenset("*?[")


# ---- separation of duties ------------------------------------------------------------------------


def duty_conflict(person: str, *, created_by: str | None, authors: Iterable[str] = ()) -> str | None:
    """Why `person` may not approve or waive for a version (None: independent).

    The one separation-of-duties rule: not the version's creator, not an author of its training run."""
    if same_identity(person, created_by):
        return "created the version"
    if any(same_identity(person, a) for a in authors):
        return "authored the training run"
    return None


def refuse_conflict(person: str, model: str, version: str, *, created_by: str | None, authors: Iterable[str]) -> None:
    """Raise PermissionDenied (CLI exit 2, API 403) when `person` is not independent of the version."""
    from governance.auth.errors import PermissionDenied

    why = duty_conflict(person, created_by=created_by, authors=authors)
    if why is not None:
        raise PermissionDenied(
            f"{model} {version}: {person} {why}, so may not approve it or waive its policies",
            where="as",
            hint="separation of duties: another person must do it",
        )


# ---- waivers -------------------------------------------------------------------------------------


def waiver_covers(w: Any, policy_id: str | None, model: str, version: str | None, target: str | None) -> bool:
    """Whether the waiver's scope names this policy (None: any), model, version (None: any) and target
    (None: any; a waiver without a target covers every target), whatever its status."""
    if policy_id is not None and w.policy_id != policy_id:
        return False
    if not fnmatchcase(model, w.model_glob):
        return False
    if version is not None and w.version is not None and w.version != version:
        return False
    return target is None or w.target is None or target_matches(target, w.target)


def waiver_scope(policy: Any) -> str:
    """How wide a waiver of `policy` may be (`version`, `model` or `any`); the default for None."""
    scope = getattr(policy, "waiver_scope", None) if policy is not None else None
    return scope if scope in WAIVER_SCOPES else DEFAULT_WAIVER_SCOPE


def check_waiver_scope(policy: Any, policy_id: str, model_glob: str, version: str | None) -> None:
    """InputError (field `model_glob` or `version`) when the waiver is wider than the policy's
    `waiver_scope` allows: `version` needs one model and one version, `model` one model, `any` anything."""
    scope = waiver_scope(policy)
    if scope == "any":
        return
    owner = getattr(policy, "owner", None)
    hint = (
        f"name one model{' and one version' if scope == 'version' else ''}, or ask the policy's owner"
        f"{f' ({owner})' if owner else ''} to widen waiver_scope"
    )
    if GLOB_CHARS & set(model_glob):
        raise InputError(
            f"{policy_id} may be waived for one model only (waiver_scope: {scope}), not the glob {model_glob!r}",
            where="model_glob",
            hint=hint,
        )
    if scope == "version" and (version is None or not version.strip()):
        raise InputError(
            f"{policy_id} may be waived for one version only (waiver_scope: {scope}); name the version of {model_glob}",
            where="version",
            hint=hint,
        )


def waiver_status(w: Any, now: datetime) -> str:
    """active, expired, revoked, not_yet_valid or awaiting_second_person at `now` (bounds exclusive:
    see the module doc)."""
    from governance.timeutil import to_utc

    now = to_utc(now)
    if w.revoked_at is not None and now >= to_utc(w.revoked_at):
        return "revoked"
    if now >= to_utc(w.expires_at):
        return "expired"
    if w.created_at is not None and to_utc(w.created_at) > now:
        return "not_yet_valid"
    if getattr(w, "needs_cosign", False):
        cosigned_at = getattr(w, "cosigned_at", None)
        if not getattr(w, "cosigned_by", None) or (cosigned_at is not None and to_utc(cosigned_at) > now):
            return "awaiting_second_person"
    return "active"


def waiver_in_force(w: Any, now: datetime) -> bool:
    return waiver_status(w, now) == "active"


# ---- targets -------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def configured_targets(environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """GOV_TARGETS (comma list), else development, staging, production; normalised."""
    env = os.environ if environ is None else environ
    raw = env.get("GOV_TARGETS") or ""
    names = tuple(dict.fromkeys(_norm(t) for t in raw.split(",") if _norm(t)))
    return names or DEFAULT_TARGETS


def normalise_target(text: str, *, field: str = "target", environ: dict[str, str] | None = None) -> str:
    """The configured target `text` names (`Production ` is production); InputError for any other."""
    known = configured_targets(environ)
    name = _norm(str(text))
    if name not in known:
        raise InputError(
            f"unknown target {str(text).strip()!r}; targets are {', '.join(known)}",
            where=field,
            hint="set GOV_TARGETS to configure them",
        )
    return name


def normalise_target_glob(text: str, *, field: str = "target", environ: dict[str, str] | None = None) -> str:
    """A waiver's target glob, normalised; refused when it matches no configured target."""
    pattern = _norm(str(text))
    known = configured_targets(environ)
    if not pattern or not any(fnmatchcase(t, pattern) for t in known):
        raise InputError(
            f"target {str(text).strip()!r} matches none of the targets {', '.join(known)}",
            where=field,
            hint="set GOV_TARGETS to configure them",
        )
    return pattern


def target_matches(target: str, pattern: str) -> bool:
    """Whether `target` matches a target glob (both compared normalised)."""
    return fnmatchcase(_norm(target), _norm(pattern))


# ---- roles and waiver limits from the policies ---------------------------------------------------


def approval_roles(policies: Iterable[Any]) -> frozenset[str]:
    """Every role an `approval` policy (or a data-retention approval role) of the bundle names."""
    roles: set[str] = set()
    for p in policies:
        rule = getattr(p, "rule", None)
        for req in getattr(rule, "required", ()) or ():
            roles.add(str(req.role))
        for restriction in getattr(rule, "restricted", ()) or ():
            role = getattr(restriction, "approval_role", None)
            if isinstance(role, str) and role:
                roles.add(role)
    return frozenset(roles)


def check_role(role: str, policies: Iterable[Any], *, field: str = "role") -> str:
    """The role, trimmed; InputError when no loaded policy names it."""
    name = role.strip()
    if not name:
        raise InputError("the role must not be empty", where=field)
    known = approval_roles(policies)
    if name not in known:
        raise InputError(
            f"no policy names the approval role {name!r}; roles are {', '.join(sorted(known)) or 'none'}",
            where=field,
        )
    return name


def needs_second_person(policy: Any) -> bool:
    """A waiver of this policy needs a second person: critical severity, or marked `waivable: false`."""
    return policy.severity in SECOND_PERSON_SEVERITIES or not getattr(policy, "waivable", True)


def max_waiver_duration(policy: Any) -> timedelta:
    return timedelta(days=int(getattr(policy, "max_waiver_days", DEFAULT_MAX_WAIVER_DAYS)))
