"""The deployment gate: check a model version against a policy bundle, store the decision, replay it.

One transaction (the caller's session): the decision row and, when the check blocks, the ledger entry
are written together or not at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from governance.digest import canonical_json, json_sha256
from governance.errors import InputError, NotFoundError
from governance.gate.exitcode import BLOCKED, evaluation_exit_code
from governance.gate.report import CheckReport
from governance.gate.tables import Decision
from governance.policy.context import EvaluationContext
from governance.policy.evaluator import Evaluation, evaluate_bundle
from governance.policy.loader import PolicyBundle, load_bundle, load_documents
from governance.policy.model import Outcome
from governance.timeutil import utcnow

# The decision's `ci` JSON also keeps how the policy folder was chosen, under this key (no migration);
# `report_of` takes it back out, so the report's `ci` stays the CI variables alone.
POLICY_SOURCE_KEY = "gov.policy_source"


def _tool_version() -> str:
    from governance import __version__

    return __version__


def _roundtrip(obj: Any) -> Any:
    """The value exactly as the JSON column will give it back."""
    return json.loads(canonical_json(obj))


def run_check(
    session: Session,
    model: str,
    version: str,
    target: str,
    *,
    policy_dir: Path,
    requested_by: str,
    ci_env: Mapping[str, str],
    now: datetime | None = None,
    policy_source: str = "",
) -> CheckReport:
    """Evaluate every policy in `policy_dir` for `model` `version` deployed to `target`; store the decision
    and, if it blocks, append it to the ledger. `policy_source` (how the folder was chosen) is recorded
    with the decision, beside the bundle digest."""
    from governance.approvals.rules import normalise_target
    from governance.gate.gather import build_context
    from governance.identity import ci_context, normalise_identity

    if not target.strip():
        raise InputError("the target environment must not be empty", where="target")
    target = normalise_target(target, field="target")  # a closed set: `Production ` is production
    requested_by = normalise_identity(requested_by, field="as")
    bundle = load_bundle(policy_dir)
    built = build_context(session, model, version, target, evaluated_at=now or utcnow())
    # Evaluate what will be stored, not the live objects: replay then reads byte-for-byte the same input.
    context = _roundtrip(built.to_dict())
    evaluation = evaluate_bundle(bundle, EvaluationContext.from_dict(context))
    report = CheckReport(
        decision_id=str(uuid.uuid4()),
        model=built.model.name,
        version=built.version.version,
        target=target,
        artifact_digest=built.version.artifact_digest,
        evaluated_at=built.evaluated_at,
        exit_code=evaluation_exit_code(evaluation),
        outcomes=evaluation.outcomes,
        out_of_scope=evaluation.out_of_scope,
        bundle_digest=bundle.digest,
        policy_root=bundle.root,
        tool_version=_tool_version(),
        requested_by=requested_by,
        ci=ci_context(dict(ci_env)),
        evidence_digests=evidence_digests(evaluation),
        context_digest=json_sha256(context),
        ledger="appended" if evaluation_exit_code(evaluation) == BLOCKED else "not_blocked",
        policy_source=policy_source,
        findings=_roundtrip(list(evaluation.findings)),
    )
    assert built.version.id is not None
    row = Decision(
        id=report.decision_id,
        model=report.model,
        version=report.version,
        model_version_id=built.version.id,
        target=target,
        deployable=report.deployable,
        exit_code=report.exit_code,
        verdicts=_roundtrip([o.to_dict() for o in report.outcomes]),
        out_of_scope=list(report.out_of_scope),
        findings=list(report.findings),
        context=context,
        context_digest=report.context_digest,
        policy_documents=dict(bundle.documents),
        bundle_digest=bundle.digest,
        policy_root=bundle.root,
        evidence_digests=report.evidence_digests,
        tool_version=report.tool_version,
        requested_by=requested_by,
        ci={**report.ci, POLICY_SOURCE_KEY: policy_source} if policy_source else report.ci,
        ledger=report.ledger,
        created_at=report.evaluated_at,
    )
    session.add(row)
    session.flush()  # the ledger entry names the decision: it must exist first
    if report.exit_code == BLOCKED:
        _append_to_ledger(session, report)
    from governance.findings.sync import sync_findings

    sync_findings(session, row, severities={p.id: p.severity for p in bundle.policies})  # the register
    return report


def evidence_digests(evaluation: Evaluation) -> dict[str, str]:
    """`kind:id` -> digest of every piece of evidence any verdict used."""
    out: dict[str, str] = {}
    for outcome in evaluation.outcomes:
        for ref in outcome.evidence:
            if ref.digest:
                out[f"{ref.kind}:{ref.id}"] = ref.digest
    return dict(sorted(out.items()))


def _append_to_ledger(session: Session, report: CheckReport) -> None:
    """Append the blocked check to the ledger of blocked deployments, in this transaction."""
    from governance.ledger.chain import append_blocked

    append_blocked(
        session,
        decision_id=report.decision_id,
        model=report.model,
        version=report.version,
        target=report.target,
        failing_policies=[o.policy_id for o in report.blocking],
        requested_by=report.requested_by,
        ci=dict(report.ci),
        at=report.evaluated_at,
    )


# ---- decisions ----------------------------------------------------------------------------------
def get_decision(session: Session, decision_id: str) -> Decision:
    """A stored decision by id, or by a unique prefix of at least 8 characters."""
    row = session.get(Decision, decision_id)
    if row is None:
        matches = (
            session.exec(select(Decision).where(Decision.id.startswith(decision_id))).all()
            if len(decision_id) >= 8
            else []
        )
        if len(matches) == 1:
            return matches[0]
        raise NotFoundError(f"no decision {decision_id!r}", hint="see `gov decision list`")
    return row


def report_of(row: Decision) -> CheckReport:
    """The stored decision as the report the check printed."""
    return CheckReport(
        decision_id=row.id,
        model=row.model,
        version=row.version,
        target=row.target,
        artifact_digest=str((row.context.get("version") or {}).get("artifact_digest", "")),
        evaluated_at=EvaluationContext.from_dict(row.context).evaluated_at,
        exit_code=row.exit_code,
        outcomes=tuple(Outcome.from_dict(o) for o in row.verdicts),
        out_of_scope=tuple(row.out_of_scope),
        bundle_digest=row.bundle_digest,
        policy_root=row.policy_root,
        tool_version=row.tool_version,
        requested_by=row.requested_by,
        ci={k: v for k, v in row.ci.items() if k != POLICY_SOURCE_KEY},
        evidence_digests=dict(row.evidence_digests),
        context_digest=row.context_digest,
        ledger=row.ledger,
        policy_source=str(row.ci.get(POLICY_SOURCE_KEY, "")),
        findings=tuple(row.findings or ()),
    )


def list_decisions(session: Session, *, model: str | None = None, limit: int = 50) -> list[Decision]:
    """Stored decisions, newest first."""
    stmt = select(Decision)
    if model is not None:
        stmt = stmt.where(Decision.model == model)
    stmt = stmt.order_by(Decision.created_at.desc()).limit(limit)  # type: ignore[attr-defined]
    return list(session.exec(stmt).all())


@dataclass(frozen=True)
class ReplayResult:
    stored: CheckReport
    outcomes: tuple[Outcome, ...]
    exit_code: int
    differences: tuple[str, ...]
    tool_version: str

    @property
    def reproduced(self) -> bool:
        return not self.differences


def replay_decision(session: Session, decision_id: str) -> ReplayResult:
    """Re-evaluate a decision from its stored context and policy texts; list every difference."""
    row = get_decision(session, decision_id)
    stored = report_of(row)
    bundle, problems = load_documents(dict(row.policy_documents), row.policy_root)
    if bundle is None:
        return ReplayResult(
            stored, (), -1, tuple(f"stored policy no longer loads: {p}" for p in problems), _tool_version()
        )
    evaluation = evaluate_bundle(bundle, EvaluationContext.from_dict(row.context))
    return ReplayResult(
        stored,
        evaluation.outcomes,
        evaluation_exit_code(evaluation),
        tuple(_differences(row, bundle, evaluation)),
        _tool_version(),
    )


def _differences(row: Decision, bundle: PolicyBundle, evaluation: Evaluation) -> list[str]:
    out = []
    if bundle.digest != row.bundle_digest:
        out.append(f"policy bundle digest {bundle.digest} differs from the stored {row.bundle_digest}")
    if evaluation_exit_code(evaluation) != row.exit_code:
        out.append(f"exit code {evaluation_exit_code(evaluation)}, stored {row.exit_code}")
    if list(evaluation.out_of_scope) != list(row.out_of_scope):
        out.append(f"out of scope {list(evaluation.out_of_scope)}, stored {list(row.out_of_scope)}")
    fresh_findings = _roundtrip(list(evaluation.findings))
    if fresh_findings != list(row.findings or []):
        out.append(f"findings {_short(fresh_findings)}, stored {_short(row.findings or [])}")
    stored = {o["policy_id"]: o for o in row.verdicts}
    fresh = {o["policy_id"]: o for o in _roundtrip([x.to_dict() for x in evaluation.outcomes])}
    for pid in sorted(set(stored) | set(fresh)):
        old, new = stored.get(pid), fresh.get(pid)
        if old is None or new is None:
            out.append(f"{pid}: {'only in the replay' if old is None else 'missing from the replay'}")
            continue
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                out.append(f"{pid}: {key} {_short(new.get(key))}, stored {_short(old.get(key))}")
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 160 else text[:157] + "..."
