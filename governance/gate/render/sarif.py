"""SARIF 2.1.0 (OASIS): one rule per policy, one result per in-scope policy.

Blocking verdicts are `kind: fail, level: error`; warnings and non-blocking verdicts `level: warning`;
a pass is `kind: pass, level: none`; a waived result carries an accepted external suppression with the
waiver's ticket and reason. The location is the policy file and line; the model version is the
logical location.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from governance.digest import json_sha256
from governance.gate.report import CheckReport
from governance.policy.model import Outcome, Verdict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/gov-audit/gov"
ROOT_ID = "POLICYROOT"


def _level(o: Outcome) -> tuple[str, str]:
    """(kind, level) of one outcome."""
    if o.verdict is Verdict.PASS:
        return "pass", "none"
    if o.verdict is Verdict.WAIVED:
        return "fail", "error" if o.mode.value == "enforce" else "warning"  # suppressed, not dismissed
    return "fail", "error" if o.blocking else "warning"


def _rule(o: Outcome) -> dict[str, Any]:
    return {
        "id": o.policy_id,
        "name": o.policy_id.replace(".", "_").replace("-", "_"),
        "shortDescription": {"text": o.title},
        "fullDescription": {"text": o.title},
        "help": {"text": o.remediation.strip()},
        "defaultConfiguration": {"level": "error" if o.mode.value == "enforce" else "warning"},
        "properties": {
            "kind": o.kind,
            "mode": o.mode.value,
            "severity": o.severity,
            "controls": list(o.controls),
            "owner": o.owner,
            "policyVersion": o.policy_version,
            "tags": list(o.controls),
        },
    }


def _result(o: Outcome, index: int, report: CheckReport) -> dict[str, Any]:
    kind, level = _level(o)
    result: dict[str, Any] = {
        "ruleId": o.policy_id,
        "ruleIndex": index,
        "kind": kind,
        "level": level,
        "message": {"text": o.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": o.source, "uriBaseId": ROOT_ID},
                    "region": {"startLine": max(o.line, 1)},
                },
                "logicalLocations": [
                    {"name": report.version, "kind": "module", "fullyQualifiedName": f"{report.model}@{report.version}"}
                ],
            }
        ],
        "partialFingerprints": {"govPolicyTarget/v1": json_sha256([o.policy_id, report.model, report.target])},
        "properties": {
            "verdict": o.verdict.value,
            "ruleVerdict": o.rule_verdict.value,
            "blocking": o.blocking,
            "evidence": [e.to_dict() for e in o.evidence],
            "details": list(o.details),
            "waivers": list(o.waivers),
        },
    }
    if o.waiver is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"waiver {o.waiver['id']} ({o.waiver['ticket']}, approved by "
                f"{o.waiver['approver']} until {o.waiver['expires_at']}): "
                f"{o.waiver['reason']}",
            }
        ]
    return result


class SarifOutputter:
    name = "sarif"
    media_type = "application/sarif+json"

    def render(self, report: CheckReport) -> str:
        outcomes = sorted(report.outcomes, key=lambda o: o.policy_id)
        root = Path(report.policy_root)  # load_bundle stores the resolved folder
        root_uri = root.as_uri() + "/" if root.is_absolute() else report.policy_root
        errors = [
            {
                "level": "error" if o.blocking else "warning",
                "message": {"text": o.message},
                "descriptor": {"id": o.policy_id},
            }
            for o in outcomes
            if o.rule_verdict is Verdict.ERROR
        ]
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "gov",
                            "version": report.tool_version,
                            "semanticVersion": report.tool_version,
                            "informationUri": INFORMATION_URI,
                            "rules": [_rule(o) for o in outcomes],
                        }
                    },
                    "automationDetails": {"id": f"gov-check/{report.model}/{report.target}/{report.decision_id}"},
                    "originalUriBaseIds": {ROOT_ID: {"uri": root_uri}},
                    "invocations": [
                        {
                            "executionSuccessful": True,
                            "exitCode": report.exit_code,
                            "toolExecutionNotifications": errors,
                            "properties": {"requestedBy": report.requested_by, "ci": report.ci},
                        }
                    ],
                    "results": [_result(o, i, report) for i, o in enumerate(outcomes)],
                    "properties": {
                        "decisionId": report.decision_id,
                        "model": report.model,
                        "version": report.version,
                        "target": report.target,
                        "artifactDigest": report.artifact_digest,
                        "deployable": report.deployable,
                        "policyBundleDigest": report.bundle_digest,
                        "outOfScope": list(report.out_of_scope),
                        "waivers": report.waivers(),
                        "ledger": report.ledger,
                    },
                }
            ],
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
