"""The audit report's crosswalk views: how a version's policy verdicts map to the controls of regulatory
frameworks, and how much of each framework the policy bundle covers (filled by `governance.reports.crosswalk`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ControlMapping:
    policy_id: str
    strength: str  # full | partial (a mapping to a part of the control, or with no stated strength, is partial)
    via: str | None  # the part of the control the policy names ("Art. 10(2)(g)"), if not the control itself
    status: str  # the policy's worst verdict for the version; "pass without evidence" does not count as a pass


@dataclass(frozen=True)
class CrosswalkRow:
    framework: str
    control: str
    title: str
    mappings: tuple[ControlMapping, ...]
    status: str  # pass | partial | fail | not_evaluated (governance.reports.crosswalk)
    reason: str


@dataclass(frozen=True)
class FrameworkResult:
    """One version's control statuses in one framework, counted against the framework's complete list."""

    framework: str
    passed: int
    partial: int
    failed: int
    not_evaluated: int
    total: int  # controls in the framework's complete list
    text: str  # "2 of 113 articles of Regulation (EU) 2024/1689 pass; ..."


@dataclass(frozen=True)
class VersionCrosswalk:
    model: str
    version: str
    anchor: str
    frameworks: tuple[FrameworkResult, ...]
    rows: tuple[CrosswalkRow, ...]


@dataclass(frozen=True)
class FrameworkCoverage:
    """How much of a framework's complete control list the policy bundle maps to."""

    framework: str
    title: str
    document: str
    unit: str
    source: str
    scope: str
    covered: int  # listed controls some policy maps to (directly or through a part)
    full: int  # of those, controls with a full mapping
    total: int  # controls in the framework's complete list
    uncovered: tuple[str, ...]
    text: str  # "14 of 113 articles of Regulation (EU) 2024/1689 mapped by a policy (2 by a full mapping)"
