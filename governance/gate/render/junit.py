"""JUnit XML for CI dashboards: one test case per in-scope policy.

A blocking fail, inconclusive or not_evaluated is a <failure>, a blocking error an <error>; waived and
non-blocking verdicts are <skipped> with the reason as its message and as the first line of the
element's text (GitLab shows only the text), followed by the rationale and remediation; an audit-mode
warning passes and says so in <system-out>.

Valid against the Jenkins JUnit XSD (junit-10.xsd, vendored in tests/data/schemas): `classname` is
`model@version/target`, so two checks in one job do not collide; the policy file and line go into the
text (the XSD has no file/line attributes on a test case); the timestamp is UTC to the second without
an offset or fraction (the form Ant and Jenkins write).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from governance.gate.report import CheckReport
from governance.policy.model import Outcome, Verdict
from governance.timeutil import iso, to_utc


def classname(report: CheckReport) -> str:
    return f"{report.model}@{report.version}/{report.target}"


def timestamp(report: CheckReport) -> str:
    """`2026-01-31T12:00:00`: UTC, whole seconds, no offset."""
    return to_utc(report.evaluated_at).replace(tzinfo=None, microsecond=0).isoformat()


def _case(o: Outcome, report: CheckReport) -> tuple[ET.Element, str]:
    case = ET.Element("testcase", {"classname": classname(report), "name": o.policy_id, "time": "0"})
    body = "\n".join(
        [
            o.message,
            *o.details,
            *([f"rationale: {' '.join(o.rationale.split())}"] if o.rationale else []),
            f"remediation: {o.remediation.strip()}",
            f"controls: {', '.join(o.controls)}",
            f"policy: {o.source}:{o.line}",
        ]
    )
    if o.blocking:
        tag = "error" if o.verdict is Verdict.ERROR else "failure"
        ET.SubElement(case, tag, {"message": o.message, "type": o.verdict.value}).text = body
        return case, tag
    if o.verdict in (Verdict.WAIVED, Verdict.INCONCLUSIVE, Verdict.NOT_EVALUATED, Verdict.ERROR):
        reason = f"{o.verdict.value}: {o.message}"
        ET.SubElement(case, "skipped", {"message": reason}).text = f"{reason}\n{body}"
        return case, "skipped"
    if o.verdict is Verdict.WARN:
        ET.SubElement(case, "system-out").text = f"warning: {body}"
    return case, "passed"


def _finding_case(f: dict[str, Any], report: CheckReport) -> tuple[ET.Element, str]:
    """A finding is never a failure (it does not block) and never silent: a skipped case saying why."""
    name = f"finding {f['evidence']} {f['measurement']}"
    case = ET.Element("testcase", {"classname": classname(report), "name": name, "time": "0"})
    reason = f"finding (does not block): {f['message']}"
    ET.SubElement(case, "skipped", {"message": reason}).text = reason
    return case, "skipped"


class JunitOutputter:
    name = "junit"
    media_type = "application/xml"

    def render(self, report: CheckReport) -> str:
        cases = [_case(o, report) for o in sorted(report.outcomes, key=lambda o: o.policy_id)]
        cases += [_finding_case(f, report) for f in report.findings]
        counts = {k: sum(1 for _, s in cases if s == k) for k in ("failure", "error", "skipped")}
        attrs = {
            "tests": str(len(cases)),
            "failures": str(counts["failure"]),
            "errors": str(counts["error"]),
            "time": "0",
        }
        suites = ET.Element("testsuites", {"name": "gov check", **attrs})  # the XSD allows no `skipped` here
        suite = ET.SubElement(
            suites,
            "testsuite",
            {
                "name": f"gov check {report.model} {report.version} --target {report.target}",
                "timestamp": timestamp(report),
                **attrs,
                "skipped": str(counts["skipped"]),
            },
        )
        props = ET.SubElement(suite, "properties")
        for name, value in [
            ("decision_id", report.decision_id),
            ("deployable", str(report.deployable).lower()),
            ("exit_code", str(report.exit_code)),
            ("artifact_digest", report.artifact_digest),
            ("policy_bundle_digest", report.bundle_digest),
            ("policy_source", report.policy_source),
            ("evaluated_at", iso(report.evaluated_at) or ""),
            ("tool_version", report.tool_version),
            ("requested_by", report.requested_by),
            ("ledger", report.ledger),
            *((f"ci.{k}", v) for k, v in sorted(report.ci.items())),
        ]:
            ET.SubElement(props, "property", {"name": name, "value": value})
        for case, _ in cases:
            suite.append(case)
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
