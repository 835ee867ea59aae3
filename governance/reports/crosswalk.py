"""Control crosswalk, per model version: each framework control a policy maps to, and its status for
that version from that version's own verdicts.

Frameworks are `policies/frameworks/FRAMEWORK.yaml`, read and validated by governance.policy.frameworks
(the same loader `gov policy lint` uses): each holds the framework's complete list of controls, so
coverage is counted against the framework, never against the pack's own selection. A policy maps to a
control with a strength, `full` or `partial`; a mapping to a finer part of a control (an article's
paragraph) counts for the control as partial. A control's status for one version:

- fail: a mapping policy failed for the version (fail, an audit-mode warn, or a failure under a waiver);
- pass: every full mapping passed with evidence (a verdict citing at least one piece of evidence);
- partial: some mapping passed with evidence, but not every full one (or there is no full mapping);
- not_evaluated: no mapping policy passed or failed for the version (none ran, none was in scope, the
  evidence was missing or the evaluation ended in error).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from governance.reports.model import (
    ControlMapping,
    CrosswalkRow,
    FrameworkCoverage,
    FrameworkResult,
    VersionCrosswalk,
)

if TYPE_CHECKING:
    from governance.policy.frameworks import Framework
    from governance.reports.model import DecisionView, VersionView

# A policy's verdicts for one version over its decisions (one per target), worst first.
POLICY_ORDER = (
    "fail",
    "warn",
    "waived",
    "error",
    "inconclusive",
    "not_evaluated",
    "pass without evidence",
    "pass",
    "not in scope",
    "no decision",
)
FAILED = frozenset({"fail", "warn", "waived"})
CONTROL_STATUSES = ("pass", "partial", "fail", "not_evaluated")

Mapping = str | tuple[str, str]  # "FW:ID" (strength unstated: partial) or ("FW:ID", "full" | "partial")


def policy_status(policy_id: str, decisions: Sequence[DecisionView]) -> str:
    """The worst verdict of one policy over one version's (latest) decisions; a pass that cites no
    evidence is "pass without evidence"."""
    seen: list[str] = []
    for d in decisions:
        for v in d.verdicts:
            if v.policy_id == policy_id:
                seen.append("pass without evidence" if v.verdict == "pass" and not v.evidence else v.verdict)
        if policy_id in d.out_of_scope:
            seen.append("not in scope")
    ranked = [s for s in seen if s in POLICY_ORDER]
    return min(ranked, key=POLICY_ORDER.index) if ranked else "no decision"


def control_status(mappings: Sequence[ControlMapping]) -> tuple[str, str]:
    """(status, why) of one control from its mappings' statuses (module docstring)."""
    failed = [m for m in mappings if m.status in FAILED]
    if failed:
        return "fail", "; ".join(f"{m.policy_id} {m.status.replace('_', ' ')}" for m in failed)
    full = [m for m in mappings if m.strength == "full"]
    passed = [m for m in mappings if m.status == "pass"]
    if full and all(m.status == "pass" for m in full):
        return "pass", "every full mapping passed with evidence"
    if passed:
        missing = [m.policy_id for m in full if m.status != "pass"]
        if missing:
            return "partial", f"full mapping not passed: {', '.join(missing)}"
        return "partial", "only partial mappings support it"
    return "not_evaluated", "no mapping policy passed or failed with evidence for this version"


def build_crosswalk(
    policies: Sequence[tuple[str, Sequence[Mapping]]],
    frameworks: Sequence[Framework],
    versions: Sequence[VersionView],
) -> tuple[tuple[VersionCrosswalk, ...], tuple[FrameworkCoverage, ...]]:
    """The crosswalk of every version (rows for every control some policy maps to, in framework file
    order), and the pack's coverage of each framework's complete list."""
    # (framework, listed control) -> [(policy, strength, via part)]; unknown ids keep their own key
    by_control: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    known = {f.id: f for f in frameworks}
    for pid, mappings in policies:
        for item in mappings:
            ref, strength = (item, "") if isinstance(item, str) else item
            fw_id, _, cid = ref.partition(":")
            fw = known.get(fw_id)
            listed = fw.control_of(cid) if fw else None
            if fw is not None and listed is not None and listed != cid:
                by_control.setdefault((fw_id, listed), []).append((pid, "partial", cid))
            else:
                by_control.setdefault((fw_id, cid), []).append((pid, "full" if strength == "full" else "partial", None))
    coverage = tuple(_coverage(fw, by_control) for fw in frameworks)
    unknown = sorted(k for k in by_control if k[0] not in known or k[1] not in known[k[0]].controls)
    out = []
    for view in versions:
        rows: list[CrosswalkRow] = []
        results: list[FrameworkResult] = []
        for fw in frameworks:
            fw_rows = [
                _row(fw.id, cid, title, by_control[(fw.id, cid)], view.decisions)
                for cid, title in fw.controls.items()
                if (fw.id, cid) in by_control
            ]
            rows += fw_rows
            results.append(_result(fw, fw_rows))
        rows += [_row(f, c, "not in the framework file", by_control[(f, c)], view.decisions) for f, c in unknown]
        out.append(VersionCrosswalk(view.model, view.version, view.anchor, tuple(results), tuple(rows)))
    return tuple(out), coverage


def _row(
    fw: str, cid: str, title: str, mapped: list[tuple[str, str, str | None]], decisions: Sequence[DecisionView]
) -> CrosswalkRow:
    mappings = tuple(
        ControlMapping(pid, strength, via, policy_status(pid, decisions))
        for pid, strength, via in sorted(mapped, key=lambda m: (m[1] != "full", m[0], m[2] or ""))
    )
    status, why = control_status(mappings)
    return CrosswalkRow(fw, cid, title, mappings, status, why)


def _result(fw: Framework, rows: list[CrosswalkRow]) -> FrameworkResult:
    counts = {s: sum(1 for r in rows if r.status == s) for s in CONTROL_STATUSES}
    text = (
        f"{counts['pass']} of {fw.list_name} pass; {counts['partial']} partial, {counts['fail']} fail, "
        f"{counts['not_evaluated']} not evaluated; {len(fw.controls) - len(rows)} not mapped by any policy"
    )
    return FrameworkResult(
        fw.id, counts["pass"], counts["partial"], counts["fail"], counts["not_evaluated"], len(fw.controls), text
    )


def _coverage(fw: Framework, by_control: dict[tuple[str, str], list[tuple[str, str, str | None]]]) -> FrameworkCoverage:
    mapped = [c for c in fw.controls if (fw.id, c) in by_control]
    full = [c for c in mapped if any(s == "full" for _, s, _ in by_control[(fw.id, c)])]
    uncovered = tuple(c for c in fw.controls if (fw.id, c) not in by_control)
    text = f"{len(mapped)} of {fw.list_name} mapped by a policy ({len(full)} by a full mapping)"
    return FrameworkCoverage(
        fw.id,
        fw.title,
        fw.document,
        fw.unit,
        fw.source,
        fw.scope,
        len(mapped),
        len(full),
        len(fw.controls),
        uncovered,
        text,
    )


@dataclass(frozen=True)
class CrosswalkGroup:
    """Model versions whose controls all have the same statuses (for the same reasons): the audit report
    shows the statuses once for them, so 50 versions of one bundle do not repeat the same table 50 times."""

    versions: tuple[VersionCrosswalk, ...]
    frameworks: tuple[FrameworkResult, ...]
    by_status: tuple[tuple[str, tuple[CrosswalkRow, ...]], ...]  # fail, partial, not evaluated, pass; no empty ones


def group_crosswalk(crosswalk: Sequence[VersionCrosswalk]) -> tuple[CrosswalkGroup, ...]:
    """The versions of `crosswalk` grouped by identical control statuses, in order of first appearance."""
    groups: dict[tuple[object, ...], list[VersionCrosswalk]] = {}
    for vc in crosswalk:
        key = tuple((r.framework, r.control, r.status, r.reason, tuple(m.status for m in r.mappings)) for r in vc.rows)
        groups.setdefault(key, []).append(vc)
    out = []
    for members in groups.values():
        rows = members[0].rows
        by_status = tuple(
            (status, tuple(r for r in rows if r.status == status))
            for status in ("fail", "partial", "not_evaluated", "pass")
            if any(r.status == status for r in rows)
        )
        out.append(CrosswalkGroup(tuple(members), members[0].frameworks, by_status))
    return tuple(out)
