"""The approvals and waivers of an evaluation context, each with its canonical form (governance.policy.context)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from governance.policy.context_values import read_ts
from governance.serial import to_jsonable
from governance.timeutil import iso


@dataclass(frozen=True)
class ApprovalRecord:
    id: int
    role: str
    approver: str
    artifact_digest: str
    created_at: datetime | None
    comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ApprovalRecord:
        return cls(
            int(d.get("id", 0)),
            str(d["role"]),
            str(d["approver"]),
            str(d["artifact_digest"]),
            read_ts(d.get("created_at")),
            d.get("comment"),
        )


@dataclass(frozen=True)
class WaiverRecord:
    id: int
    policy_id: str
    reason: str
    ticket: str
    approver: str
    expires_at: datetime
    created_at: datetime | None = None
    model_glob: str = "*"
    version: str | None = None
    target: str | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    needs_cosign: bool = False  # a second person must co-sign before it is in force
    cosigned_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # The co-signature keys appear only when a second person is needed, so contexts stored before
        # they existed serialise (and replay) byte-identically.
        cosign = {"needs_cosign": True, "cosigned_by": self.cosigned_by} if self.needs_cosign else {}
        return {
            **cosign,
            "id": self.id,
            "policy_id": self.policy_id,
            "model_glob": self.model_glob,
            "version": self.version,
            "target": self.target,
            "reason": self.reason,
            "ticket": self.ticket,
            "approver": self.approver,
            "expires_at": iso(self.expires_at),
            "created_at": iso(self.created_at),
            "revoked_at": iso(self.revoked_at),
            "revoked_by": self.revoked_by,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WaiverRecord:
        expires = read_ts(d.get("expires_at"))
        if expires is None:
            raise ValueError(f"waiver {d.get('id')} has no expires_at")
        return cls(
            int(d.get("id", 0)),
            str(d["policy_id"]),
            str(d.get("reason", "")),
            str(d.get("ticket", "")),
            str(d.get("approver", "")),
            expires,
            read_ts(d.get("created_at")),
            str(d.get("model_glob") or "*"),
            d.get("version"),
            d.get("target"),
            read_ts(d.get("revoked_at")),
            d.get("revoked_by"),
            bool(d.get("needs_cosign", False)),
            d.get("cosigned_by"),
        )
