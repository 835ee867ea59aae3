"""SARIF 2.1.0 (OASIS): one rule per policy, one result per in-scope policy.

Blocking verdicts are `kind: fail, level: error`; warnings and non-blocking verdicts `level: warning`;
a pass is `kind: pass, level: none`; a waived result carries an accepted external suppression with the
waiver's ticket and reason. The model version is the logical location.

What GitHub code scanning needs (it ignores `kind` and makes every result an alert):
- passing results are left out unless `include_pass` (`gov check --sarif-include-pass`), so a fixed
  finding disappears from the next upload and its alert closes;
- the physical location is the policy file as a repository-relative URI (relative to the git work tree
  holding the policy folder, else to the working directory; never an absolute local path), with a full
  region (start/end line and column) over the policy's `rule` (the whole document if it has none);
- `partialFingerprints.primaryLocationLineHash` is stable per policy, model and target, so an alert
  follows its finding across versions and edits of the policy file.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from governance.digest import json_sha256
from governance.gate.report import CheckReport
from governance.policy.model import Outcome, Verdict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/gov-audit/gov"

Region = dict[str, int]


def repository_base(policy_root: Path, cwd: Path | None = None) -> Path:
    """The folder URIs are relative to: the git work tree holding the policies, else the working directory."""
    for folder in (policy_root, *policy_root.parents):
        if (folder / ".git").exists():
            return folder
    return (cwd or Path.cwd()).resolve()


def artifact_uri(policy_root: Path, source: str, base: Path) -> str:
    """`source` (relative to the policy folder) as a URI relative to `base`, or to the folder if outside it."""
    path = policy_root / source
    try:
        relative = path.relative_to(base)
    except ValueError:
        relative = Path(source)
    return relative.as_posix()


def policy_region(text: str, fallback_line: int) -> Region:
    """Start/end line and column (1-based, end column exclusive) of the `rule` of the policy in `text`."""
    import yaml

    fallback = {"startLine": max(fallback_line, 1), "startColumn": 1, "endLine": max(fallback_line, 1)}
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {**fallback, "endColumn": 2}
    if node is None:
        return {**fallback, "endColumn": 2}
    start, end = node.start_mark, node.end_mark
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "rule":
                start, end = key.start_mark, value.end_mark
    lines = text.splitlines()
    end_line, end_column = end.line, end.column  # 0-based; a block ends at column 0 of the next line
    while end_column == 0 and end_line > start.line:
        end_line -= 1
        end_column = len(lines[end_line].rstrip()) if end_line < len(lines) else 0
    return {
        "startLine": start.line + 1,
        "startColumn": start.column + 1,
        "endLine": end_line + 1,
        "endColumn": max(end_column, start.column if end_line == start.line else 0) + 1,
    }


def _region(root: Path, o: Outcome) -> Region:
    try:
        text = (root / o.source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return (
        policy_region(text, o.line)
        if text
        else {"startLine": max(o.line, 1), "startColumn": 1, "endLine": max(o.line, 1), "endColumn": 2}
    )


def line_hash(o: Outcome, report: CheckReport) -> str:
    """GitHub's `primaryLocationLineHash` format (hash:occurrence), stable per policy, model and target."""
    digest = hashlib.sha256("\0".join((o.policy_id, report.model, report.target)).encode()).hexdigest()
    return f"{digest[:16]}:1"


def _level(o: Outcome) -> tuple[str, str]:
    """(kind, level) of one outcome."""
    if o.verdict is Verdict.PASS:
        return "pass", "none"
    if o.verdict is Verdict.WAIVED:
        return "fail", "error" if o.mode.value == "enforce" else "warning"  # suppressed, not dismissed
    return "fail", "error" if o.blocking else "warning"


def _rule(o: Outcome) -> dict[str, Any]:
    rationale = " ".join(o.rationale.split()) if o.rationale else ""
    remediation = " ".join(o.remediation.split())
    help_text = f"Rationale: {rationale}\nRemediation: {remediation}" if rationale else f"Remediation: {remediation}"
    help_markdown = (
        f"**Rationale.** {rationale}\n\n**Remediation.** {remediation}"
        if rationale
        else f"**Remediation.** {remediation}"
    )
    return {
        "id": o.policy_id,
        "name": o.policy_id.replace(".", "_").replace("-", "_"),
        "shortDescription": {"text": o.title},
        "fullDescription": {"text": f"{o.title}. {rationale}" if rationale else o.title},
        "help": {"text": help_text, "markdown": help_markdown},
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


FINDING_RULE = "gov.finding"


def _finding_rule() -> dict[str, Any]:
    text = "Failing evidence that no policy verdict covers (reported, never blocks)"
    return {
        "id": FINDING_RULE,
        "name": "gov_finding",
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": "Add or widen a policy that judges this evidence, or explain it in the review."},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"kind": "finding", "tags": ["finding"]},
    }


def _finding_result(
    f: dict[str, Any], index: int, report: CheckReport, location: dict[str, Any] | None
) -> dict[str, Any]:
    logical = {"name": report.version, "kind": "module", "fullyQualifiedName": f"{report.model}@{report.version}"}
    return {
        "ruleId": FINDING_RULE,
        "ruleIndex": index,
        "kind": "review",
        "level": "warning",
        "message": {"text": f"{f['evidence']}: {f['message']}"},
        "locations": [{**(location or {}), "logicalLocations": [logical]}],
        "partialFingerprints": {
            "primaryLocationLineHash": hashlib.sha256(
                "\0".join((FINDING_RULE, report.model, report.target, f["evidence"], f["measurement"])).encode()
            ).hexdigest()[:16]
            + ":1",
        },
        "properties": {"finding": f, "blocking": False},
    }


def _result(o: Outcome, index: int, report: CheckReport, uri: str, region: Region) -> dict[str, Any]:
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
                    "artifactLocation": {"uri": uri},
                    "region": region,
                },
                "logicalLocations": [
                    {"name": report.version, "kind": "module", "fullyQualifiedName": f"{report.model}@{report.version}"}
                ],
            }
        ],
        "partialFingerprints": {
            "primaryLocationLineHash": line_hash(o, report),
            "govPolicyTarget/v1": json_sha256([o.policy_id, report.model, report.target]),
        },
        "properties": {
            "verdict": o.verdict.value,
            "ruleVerdict": o.rule_verdict.value,
            "blocking": o.blocking,
            "evidence": [e.to_dict() for e in o.evidence],
            "details": list(o.details),
            "waivers": list(o.waivers),
            "rationale": " ".join(o.rationale.split()) if o.rationale else None,
            "remediation": " ".join(o.remediation.split()),
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

    def __init__(self, include_pass: bool = False) -> None:
        self.include_pass = include_pass

    def render(self, report: CheckReport) -> str:
        outcomes = sorted(report.outcomes, key=lambda o: o.policy_id)
        root = Path(report.policy_root).resolve()  # load_bundle stores the resolved folder
        base = repository_base(
            root, Path(os.environ["GITHUB_WORKSPACE"]) if os.environ.get("GITHUB_WORKSPACE") else None
        )
        results = [
            _result(o, i, report, artifact_uri(root, o.source, base), _region(root, o))
            for i, o in enumerate(outcomes)
            if self.include_pass or o.verdict is not Verdict.PASS
        ]
        location = (
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(root, outcomes[0].source, base)},
                    "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2},
                }
            }
            if outcomes
            else None
        )
        results += [_finding_result(f, len(outcomes), report, location) for f in report.findings]
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
                            "rules": [_rule(o) for o in outcomes] + ([_finding_rule()] if report.findings else []),
                        }
                    },
                    "columnKind": "unicodeCodePoints",  # YAML marks count characters
                    "automationDetails": {"id": f"gov-check/{report.model}/{report.target}/{report.decision_id}"},
                    "invocations": [
                        {
                            "executionSuccessful": True,
                            "exitCode": report.exit_code,
                            "toolExecutionNotifications": errors,
                            "properties": {"requestedBy": report.requested_by, "ci": report.ci},
                        }
                    ],
                    "results": results,
                    "properties": {
                        "decisionId": report.decision_id,
                        "model": report.model,
                        "version": report.version,
                        "target": report.target,
                        "artifactDigest": report.artifact_digest,
                        "deployable": report.deployable,
                        "policyBundleDigest": report.bundle_digest,
                        "policySource": report.policy_source,
                        "passingResultsIncluded": self.include_pass,
                        "outOfScope": list(report.out_of_scope),
                        "findings": list(report.findings),
                        "waivers": report.waivers(),
                        "ledger": report.ledger,
                    },
                }
            ],
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
