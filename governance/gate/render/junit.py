"""JUnit XML for CI dashboards: one test case per in-scope policy.

A blocking fail or not_evaluated is a <failure>, a blocking error an <error>; waived and non-blocking
verdicts are <skipped> with the reason; an audit-mode warning passes and says so in <system-out>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from governance.gate.report import CheckReport
from governance.policy.model import Outcome, Verdict
from governance.timeutil import iso


def _case(o: Outcome) -> tuple[ET.Element, str]:
    case = ET.Element(
        "testcase",
        {"classname": f"gov.policy.{o.kind}", "name": o.policy_id, "file": o.source, "line": str(o.line), "time": "0"},
    )
    body = "\n".join(
        [o.message, *o.details, f"remediation: {o.remediation.strip()}", f"controls: {', '.join(o.controls)}"]
    )
    if o.blocking:
        tag = "error" if o.verdict is Verdict.ERROR else "failure"
        ET.SubElement(case, tag, {"message": o.message, "type": o.verdict.value}).text = body
        return case, tag
    if o.verdict in (Verdict.WAIVED, Verdict.NOT_EVALUATED, Verdict.ERROR):
        ET.SubElement(case, "skipped", {"message": f"{o.verdict.value}: {o.message}"})
        return case, "skipped"
    if o.verdict is Verdict.WARN:
        ET.SubElement(case, "system-out").text = f"warning: {body}"
    return case, "passed"


class JunitOutputter:
    name = "junit"
    media_type = "application/xml"

    def render(self, report: CheckReport) -> str:
        cases = [_case(o) for o in sorted(report.outcomes, key=lambda o: o.policy_id)]
        counts = {k: sum(1 for _, s in cases if s == k) for k in ("failure", "error", "skipped")}
        attrs = {
            "tests": str(len(cases)),
            "failures": str(counts["failure"]),
            "errors": str(counts["error"]),
            "skipped": str(counts["skipped"]),
            "time": "0",
        }
        suites = ET.Element("testsuites", {"name": "gov check", **attrs})
        suite = ET.SubElement(
            suites,
            "testsuite",
            {
                "name": f"gov check {report.model} {report.version} --target {report.target}",
                "timestamp": iso(report.evaluated_at) or "",
                **attrs,
            },
        )
        props = ET.SubElement(suite, "properties")
        for name, value in [
            ("decision_id", report.decision_id),
            ("deployable", str(report.deployable).lower()),
            ("exit_code", str(report.exit_code)),
            ("artifact_digest", report.artifact_digest),
            ("policy_bundle_digest", report.bundle_digest),
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
