"""The outcome of a verification: named checks, what was found, and plain-words problems."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Check:
    """One named verification step."""

    name: str
    passed: bool
    message: str
    unchecked: bool = False  # could not be checked (e.g. no attestation): not passed, not tampering


@dataclass
class VerifyResult:
    """All checks for one report; `ok` only when every check passed."""

    pdf: Path
    attestation: Path | None
    checks: list[Check] = field(default_factory=list)
    signer: str | None = None
    signed_at: dt.datetime | None = None
    timestamped_at: dt.datetime | None = None
    certified: str | None = None  # DocMDP permission of a certification signature, e.g. "NO_CHANGES"
    notes: list[str] = field(default_factory=list)  # informative lines (no timestamp, embedded validation data)
    problems: list[str] = field(default_factory=list)  # plain-words sentences for failed checks

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        """Checks that failed (the file or its attestation do not hold), not counting unchecked ones."""
        return [c for c in self.checks if not c.passed and not c.unchecked]

    @property
    def cannot_check(self) -> bool:
        """Nothing failed, but something could not be checked."""
        return not self.failed and any(c.unchecked for c in self.checks)

    def explain(self) -> list[str]:
        """What went wrong, in plain words, most important first (empty when verified)."""
        lines = list(self.problems)
        if not lines and self.failed:  # every failing check records a problem; never say nothing
            lines = [f"{c.name}: {c.message}" for c in self.failed]
        lines += [c.message for c in self.checks if c.unchecked]
        return list(dict.fromkeys(lines))

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def add(self, name: str, passed: bool, message: str, *, unchecked: bool = False) -> None:
        self.checks.append(Check(name, passed, message, unchecked))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "pdf": str(self.pdf),
            "attestation": str(self.attestation) if self.attestation else None,
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "timestamped_at": self.timestamped_at.isoformat() if self.timestamped_at else None,
            "certified": self.certified,
            "cannot_check": self.cannot_check,
            "explanation": self.explain(),
            "notes": list(self.notes),
            "checks": [
                {"name": c.name, "passed": c.passed, "unchecked": c.unchecked, "message": c.message}
                for c in self.checks
            ],
        }


UNTRUSTED = "signed by a key this verifier does not trust"
NO_MATCH = "the signature does not match the document"
