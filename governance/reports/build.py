"""Assemble the audit report from the store: pure reads through the registry, lineage, policy, evidence,
ledger and scorecard modules. Nothing here evaluates a policy: verdicts are the stored gate decisions.

A version is in the report when it was registered before the period ends and is its model's latest
version then, or was registered, evaluated, approved or checked at the gate during the period.
"""

from __future__ import annotations

from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from sqlmodel import Session

from governance.digest import bytes_sha256
from governance.period import Period
from governance.reports.model import (
    AuditReport,
    FindingRow,
    InputDigest,
    ModelRow,
    ProducerWarnings,
    ReportMeta,
    Summary,
    VersionView,
)
from governance.reports.version_section import in_scope, version_view, with_trends
from governance.timeutil import to_utc, utcnow

FAILING = frozenset({"fail", "error", "inconclusive", "not_evaluated", "warn"})
TOP_FAILING = 5


def build_audit(
    session: Session,
    *,
    model_glob: str,
    period: Period,
    policy_dir: Path,
    now: datetime | None = None,
    generated_by: str | None = None,
    trust_cert: Path | None = None,
    validator: str | None = None,
) -> AuditReport:
    """The whole audit report for models matching `model_glob` over `period`."""
    from governance import __version__
    from governance.identity import current_user
    from governance.policy.frameworks import frameworks_for
    from governance.policy.loader import load_bundle
    from governance.registry.service import list_models
    from governance.reports.blocked import build_blocked_register
    from governance.reports.crosswalk import build_crosswalk
    from governance.scorecard.build import build_scorecard

    now = to_utc(now or utcnow())
    as_of = min(period.end, now)
    bundle = load_bundle(policy_dir)
    models = [
        (m, vs)
        for m, vs in list_models(session)
        if fnmatchcase(m.name, model_glob) and to_utc(m.created_at) < period.end
    ]
    versions: list[VersionView] = []
    inventory = []
    findings = _findings(session, period, as_of)
    for model, model_versions in models:
        chosen = [v for v in model_versions if in_scope(session, v, model_versions, period)]
        views = [version_view(session, model, v, period, as_of, bundle, findings) for v in chosen]
        if views:  # the trend across versions goes with the model's last version in scope
            known = [v.version for v in model_versions if to_utc(v.created_at) < period.end]
            views[-1] = with_trends(session, views[-1], bundle, known, as_of)
        versions += views
        inventory.append(
            ModelRow(
                model.name,
                model.owner,
                model.risk_tier,
                model.description,
                tuple(v.version for v in model_versions if to_utc(v.created_at) < period.end),
                tuple(f"{v.version}: {v.stage}" for v in model_versions if v.stage),
                tuple(f"{view.version} → {d.target}" for view in views for d in view.decisions if d.deployable),
            )
        )
    register = build_blocked_register(
        session,
        period=period,
        model_glob=model_glob,
        trust_cert=trust_cert,
        policy_bundle_digest=bundle.digest,
        now=now,
    )
    scorecard = build_scorecard(session, model_glob=model_glob, period=period, now=now)
    crosswalk, coverage = build_crosswalk(
        [(p.id, tuple((c, p.control_strength(i)) for i, c in enumerate(p.controls))) for p in bundle.policies],
        frameworks_for(policy_dir),
        versions,
    )
    summary = _summary(session, models, versions, register, as_of)
    overall, text = _overall(summary)
    meta = ReportMeta(
        title="Model governance audit report",
        model_glob=model_glob,
        period=period,
        generated_at=now,
        generated_by=generated_by or current_user(),
        tool_version=__version__,
        policy_dir=str(policy_dir),
        policy_bundle_digest=bundle.digest,
        policies=len(bundle.policies),
        overall=overall,
        overall_text=text,
        validator=validator,
        policy_bundle_name=Path(bundle.root).name if str(bundle.root) else "",
    )
    inputs = _inputs(bundle, versions, register)
    return AuditReport(
        meta,
        summary,
        tuple(inventory),
        tuple(versions),
        register,
        scorecard,
        crosswalk,
        coverage,
        inputs,
        _ingestion_warnings(session, period, as_of),
        _glossary(versions),
    )


def _findings(session: Session, period: Period, as_of: datetime) -> dict[tuple[str, str], list[FindingRow]]:
    """The register's open findings and those closed in the period, per (model, version)."""
    from governance.findings.queries import findings_for_report
    from governance.findings.service import finding_ref

    out: dict[tuple[str, str], list[FindingRow]] = {}
    for f in findings_for_report(session, period=period):
        closure = None
        if f.status in ("closed", "accepted"):
            ref = f.closure_reference or (f"waiver:{f.waiver_id}" if f.waiver_id else None)
            closure = "; ".join(x for x in (ref, f.closure_note) if x) or None
        due = to_utc(f.due_date) if f.due_date else None
        out.setdefault((f.model, f.version), []).append(
            FindingRow(
                ref=finding_ref(int(f.id or 0)),
                model=f.model,
                version=f.version,
                target=f.target,
                severity=f.severity,
                title=f.title,
                verdict=f.verdict,
                status=f.status,
                owner=f.owner,
                due_date=due,
                overdue=bool(due and f.status in ("open", "in_remediation") and due < as_of),
                first_seen_at=to_utc(f.first_seen_at) if f.first_seen_at else None,
                closed_at=to_utc(f.closed_at) if f.closed_at else None,
                closed_by=f.closed_by,
                closure=closure,
            )
        )
    return out


def _glossary(versions: list[VersionView]) -> tuple[Any, ...]:
    """Every metric the report shows: stage measurements, trends, headline fairness metrics, A/B test terms."""
    from governance.reports.conclusion import glossary
    from governance.reports.stages import shown_in_pdf

    used: list[str] = []
    for v in versions:
        used += [r.metric for r in v.stages if shown_in_pdf(r)] + [t.metric for t in v.trends]
        used += [m.key for f in v.fairness for m in f.metrics if m.headline]
        if any(r.kind == "abtest" for r in v.stages):
            used += ["srm", "power", "mde", "lift"]
    return glossary(used)


def _ingestion_warnings(session: Session, period: Period, as_of: datetime) -> tuple[ProducerWarnings, ...]:
    """Format warnings of the lineage events received in the period, per producer."""
    from governance.lineage.warnings import warning_counts_by_producer

    counts = warning_counts_by_producer(session, since=period.start, until=as_of)
    return tuple(ProducerWarnings(p, n, e) for p, n, e in counts)


def _summary(
    session: Session, models: list[Any], versions: list[VersionView], register: Any, as_of: datetime
) -> Summary:
    from governance.approvals.records import list_waivers
    from governance.approvals.rules import waiver_covers

    failing: dict[str, tuple[str, set[str]]] = {}
    for v in versions:
        for d in v.decisions:
            for row in d.verdicts:
                if row.verdict in FAILING:
                    title, hit = failing.setdefault(row.policy_id, (row.title, set()))
                    hit.add(f"{v.model}@{v.version}")
    top = sorted(((pid, title, len(hit)) for pid, (title, hit) in failing.items()), key=lambda t: (-t[2], t[0]))
    names = [m.name for m, _ in models]
    open_waivers = [
        w
        for w in list_waivers(session, now=as_of)
        if to_utc(w.created_at) < as_of and any(waiver_covers(w, None, n, None, None) for n in names)
    ]
    return Summary(
        models=len(models),
        versions=len(versions),
        decisions=sum(len(v.decisions) + v.earlier_decisions for v in versions),
        deployable_versions=sum(1 for v in versions if v.state == "deployable"),
        blocked_versions=sum(1 for v in versions if v.state == "blocked"),
        unevaluated_versions=sum(1 for v in versions if v.state == "not_evaluated"),
        blocked_deployments=len(register.entries),
        open_waivers=len(open_waivers),
        failing_policies=tuple(top[:TOP_FAILING]),
    )


def _overall(s: Summary) -> tuple[str, str]:
    if s.versions == 0:
        return "empty", "No model version in scope for this period."
    parts = [f"{s.deployable_versions} deployable", f"{s.blocked_versions} blocked"]
    if s.unevaluated_versions:
        parts.append(f"{s.unevaluated_versions} without a gate decision in the period")
    text = f"{s.versions} model version(s): " + ", ".join(parts) + "."
    if s.blocked_versions:
        return "blocked", text
    return ("incomplete", text) if s.unevaluated_versions else ("deployable", text)


def _inputs(bundle: Any, versions: list[VersionView], register: Any) -> tuple[InputDigest, ...]:
    out = [InputDigest("policy bundle", bundle.root, bundle.digest)]
    out += [
        InputDigest("policy document", rel, bytes_sha256(text.encode("utf-8")))
        for rel, text in sorted(bundle.documents.items())
    ]
    for v in versions:
        name = f"{v.model} {v.version}"
        out.append(InputDigest("model artifact", f"{name}: {v.artifact_uri}", v.artifact_digest))
        if v.lineage.events_digest:
            out.append(
                InputDigest(
                    "lineage events",
                    f"{name}: {v.lineage.events} event(s) of run {v.lineage.run_id}",
                    v.lineage.events_digest,
                )
            )
        for f in v.fairness:
            out.append(InputDigest("fairness data", f"{name}: evaluation {f.id}, {f.data_source}", f.data_digest))
            out.append(
                InputDigest("fairness counts", f"{name}: evaluation {f.id} (counts and settings)", f.input_digest)
            )
        for d in v.decisions:
            out.append(InputDigest("decision context", f"{name}: decision {d.id} ({d.target})", d.context_digest))
    out.append(InputDigest("ledger head", f"seq {register.chain.head_seq}", register.chain.head_digest))
    return tuple(out)
