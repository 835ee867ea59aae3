"""Roles and what each may do: the whole access policy of the API, as data.

Every API route names exactly one Permission; a role is the set of permissions it holds.
docs/api.md shows the same matrix as a table, and a test checks the two agree.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INGEST = "ingest"  # pipelines emitting OpenLineage events (their evidence is kept, not trusted by default)
    EVIDENCE = "evidence"  # trusted evidence producers: events whose evidence gates count by default
    CHECKER = "checker"  # pipelines running the deployment gate
    AUDITOR = "auditor"  # read-only, everything
    APPROVER = "approver"  # records approvals and waivers, reads everything
    ADMIN = "admin"  # everything


class Permission(StrEnum):
    LINEAGE_WRITE = "lineage:write"
    LINEAGE_READ = "lineage:read"
    REGISTRY_READ = "registry:read"
    REGISTRY_WRITE = "registry:write"
    CHECK_RUN = "check:run"
    DECISION_READ = "decision:read"
    LEDGER_READ = "ledger:read"
    APPROVAL_READ = "approval:read"
    APPROVAL_WRITE = "approval:write"
    WAIVER_READ = "waiver:read"
    WAIVER_WRITE = "waiver:write"
    REPORT_READ = "report:read"
    FINDING_READ = "finding:read"
    FINDING_WRITE = "finding:write"  # assign, start remediation, resolve (with evidence or a waiver)
    EVIDENCE_READ = "evidence:read"  # validation-stage evidence and its history
    EVIDENCE_WRITE = "evidence:write"  # submit validation-stage evidence a pipeline computed (trusted producers)
    SERVICE_READ = "service:read"  # operational counters for monitoring
    SELF_READ = "self:read"  # who am I: every role, so any token can test its own set-up


READS = frozenset(
    {
        Permission.LINEAGE_READ,
        Permission.REGISTRY_READ,
        Permission.DECISION_READ,
        Permission.LEDGER_READ,
        Permission.APPROVAL_READ,
        Permission.WAIVER_READ,
        Permission.REPORT_READ,
        Permission.FINDING_READ,
        Permission.EVIDENCE_READ,
        Permission.SERVICE_READ,
        Permission.SELF_READ,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.INGEST: frozenset({Permission.LINEAGE_WRITE, Permission.SELF_READ}),
    # Ingest's routes, and submitting stage evidence; gates count its evidence (trusted_producers).
    Role.EVIDENCE: frozenset({Permission.LINEAGE_WRITE, Permission.EVIDENCE_WRITE, Permission.SELF_READ}),
    # A pipeline gate reads what explains its verdict: the version, the decision, approvals, waivers, lineage.
    Role.CHECKER: frozenset(
        {
            Permission.CHECK_RUN,
            Permission.REGISTRY_READ,
            Permission.DECISION_READ,
            Permission.APPROVAL_READ,
            Permission.WAIVER_READ,
            Permission.LINEAGE_READ,
            Permission.SELF_READ,
        }
    ),
    Role.AUDITOR: READS,
    Role.APPROVER: READS | {Permission.APPROVAL_WRITE, Permission.WAIVER_WRITE, Permission.FINDING_WRITE},
    Role.ADMIN: frozenset(Permission),
}


def allows(role: Role | str, permission: Permission) -> bool:
    """Whether `role` holds `permission` (an unknown role holds nothing)."""
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def parse_role(text: str) -> Role:
    """A role name as typed by a user; InputError naming the valid ones otherwise."""
    from governance.errors import InputError

    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InputError(
            f"unknown role {text!r}; choose one of {', '.join(r.value for r in Role)}", where="role"
        ) from None
