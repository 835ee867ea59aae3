"""Control crosswalk: each framework control, the policies that implement it, and their status in the period.

Frameworks are `policies/frameworks/FRAMEWORK.yaml`, read and validated by governance.policy.frameworks
(the same loader `gov policy lint` uses); policies name controls as `FRAMEWORK:CONTROL`. A control's
status is the worst status of its policies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.reports.model import CrosswalkRow, DecisionView, FrameworkCoverage

if TYPE_CHECKING:
    from governance.policy.frameworks import Framework

# Worst first: the order in which a status dominates.
STATUS_ORDER = ("error", "fail", "not_evaluated", "warn", "waived", "pass", "not in scope", "no decision")


def worst(statuses: list[str]) -> str:
    ranked = [s for s in statuses if s in STATUS_ORDER]
    return min(ranked, key=STATUS_ORDER.index) if ranked else "no decision"


def policy_statuses(policy_ids: list[str], decisions: list[DecisionView]) -> dict[str, str]:
    """Worst effective verdict of each policy over the given (latest) decisions."""
    seen: dict[str, list[str]] = {p: [] for p in policy_ids}
    for d in decisions:
        for v in d.verdicts:
            seen.setdefault(v.policy_id, []).append(v.verdict)
        for pid in d.out_of_scope:
            seen.setdefault(pid, []).append("not in scope")
    return {p: worst(v) if v else "no decision" for p, v in seen.items()}


def build_crosswalk(
    policies: list[tuple[str, tuple[str, ...]]], frameworks: list[Framework], decisions: list[DecisionView]
) -> tuple[tuple[CrosswalkRow, ...], tuple[FrameworkCoverage, ...]]:
    """Rows for every control some policy implements (framework file order), and coverage per framework.

    `policies` is (policy id, controls) for the bundle. Controls a policy names that no framework file
    lists are still shown, titled "not in the framework file".
    """
    status = policy_statuses([p for p, _ in policies], decisions)
    by_control: dict[tuple[str, str], list[str]] = {}
    for pid, controls in policies:
        for control in controls:
            framework, _, cid = control.partition(":")
            by_control.setdefault((framework, cid), []).append(pid)
    rows: list[CrosswalkRow] = []
    coverage: list[FrameworkCoverage] = []
    known = {f.id: f for f in frameworks}
    for fw in frameworks:
        for cid, title in fw.controls.items():
            pids = sorted(by_control.get((fw.id, cid), []))
            if pids:
                rows.append(_row(fw.id, cid, title, pids, status))
        uncovered = tuple(c for c in fw.controls if (fw.id, c) not in by_control)
        covered = len(fw.controls) - len(uncovered)
        coverage.append(FrameworkCoverage(fw.id, fw.title, covered, len(fw.controls), uncovered))
    for (fw_id, cid), pids in sorted(by_control.items()):
        if fw_id not in known or cid not in known[fw_id].controls:
            rows.append(_row(fw_id, cid, "not in the framework file", sorted(pids), status))
    return tuple(rows), tuple(coverage)


def _row(fw: str, cid: str, title: str, pids: list[str], status: dict[str, str]) -> CrosswalkRow:
    pairs = tuple((p, status.get(p, "no decision")) for p in pids)
    return CrosswalkRow(fw, cid, title, pairs, worst([s for _, s in pairs]))
