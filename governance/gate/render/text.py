"""Text for people: the verdict first, then one line per policy, then what to do about what blocks."""

from __future__ import annotations

from governance.gate.report import CheckReport
from governance.timeutil import iso

ORDER = {"fail": 0, "error": 1, "inconclusive": 2, "not_evaluated": 3, "warn": 4, "waived": 5, "pass": 6}


class TextOutputter:
    name = "text"
    media_type = "text/plain"

    def render(self, report: CheckReport) -> str:
        state = "DEPLOYABLE" if report.deployable else "BLOCKED"
        lines = [
            f"gov check {report.model} {report.version} --target {report.target}: {state} (exit {report.exit_code})",
            f"  decision {report.decision_id}  at {iso(report.evaluated_at)}  by {report.requested_by}",
            f"  artifact {report.artifact_digest}",
            f"  policies {report.policy_root} ({report.bundle_digest})  gov {report.tool_version}",
            *([f"  policy source {report.policy_source}"] if report.policy_source else []),
            "",
        ]
        outcomes = sorted(report.outcomes, key=lambda o: (ORDER[o.verdict.value], o.policy_id))
        if not outcomes:
            lines.append("  no policy applies to this model version and target")
        for o in outcomes:
            mark = "BLOCKS" if o.blocking else ""
            lines.append(f"  {o.verdict.value.upper():<13} {mark:<6} {o.policy_id} [{o.mode.value}, {o.severity}]")
            lines.append(f"                       {o.message}")
            if o.verdict.value != "pass":
                lines += [f"                         {d}" for d in o.details]
                if o.rationale:
                    lines.append(f"                       rationale: {' '.join(o.rationale.split())}")
                lines.append(f"                       remediation: {' '.join(o.remediation.split())}")
        if report.findings:
            lines += [
                "",
                f"findings ({len(report.findings)}; failing evidence no policy verdict covers; does not block):",
            ]
            for f in report.findings:
                lines.append(f"  FINDING {f['evidence']}: {f['message']}")
        blocking = report.blocking
        if blocking:
            lines += ["", "to unblock:"]
            for o in blocking:
                lines.append(f"  {o.policy_id} ({o.source}:{o.line}): {o.remediation.strip()}")
        waivers = report.waivers()
        if waivers:
            lines += ["", "waivers:"]
            for w in waivers:
                lines.append(
                    f"  #{w['id']} {w['policy_id']}: {w['status']}, ticket {w['ticket']}, until "
                    f"{w['expires_at']}, approved by {w['approver']}: {w['reason']}"
                )
        if report.out_of_scope:
            lines += ["", f"not in scope: {', '.join(report.out_of_scope)}"]
        if not report.deployable:
            lines += ["", f"ledger: {report.ledger}"]
        return "\n".join(lines) + "\n"
