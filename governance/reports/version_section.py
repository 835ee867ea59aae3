"""One model version's section of the audit report, from the store: whether the version is in scope for
the period, and its view: latest decision per target, fairness with the bundle's thresholds, approvals,
waivers, lineage, findings, conclusion, stages and monitoring, decision history, model card and data section.
Pure reads; the verdicts are the stored gate decisions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from governance.digest import json_sha256
from governance.period import Period
from governance.reports import sections
from governance.reports.model import DecisionView, FindingRow, HistoryRow, VersionView
from governance.timeutil import to_utc


def with_trends(session: Session, view: VersionView, bundle: Any, known: list[str], as_of: datetime) -> VersionView:
    import dataclasses

    from governance.evidence.stage_store import history
    from governance.reports.stages import trends

    return dataclasses.replace(view, trends=trends(history(session, view.model), bundle, known, view.model))


def in_scope(session: Session, v: Any, all_versions: list[Any], period: Period) -> bool:
    created = to_utc(v.created_at)
    if created >= period.end:
        return False
    if period.contains(created):
        return True
    earlier = [x for x in all_versions if to_utc(x.created_at) < period.end]
    if earlier and max(earlier, key=lambda x: (to_utc(x.created_at), x.id)).id == v.id:
        return True
    return _activity(session, v.id, period)


def _activity(session: Session, version_id: int, period: Period) -> bool:
    """Whether the version was checked at the gate, approved or evaluated during the period."""
    from governance.approvals.queries import approvals_of_version
    from governance.evidence.queries import evaluated_between
    from governance.gate.queries import decided_between

    return (
        decided_between(session, version_id, period.start, period.end)
        or any(
            to_utc(a.created_at) >= period.start for a in approvals_of_version(session, version_id, before=period.end)
        )
        or evaluated_between(session, version_id, period.start, period.end)
    )


def version_view(
    session: Session,
    model: Any,
    v: Any,
    period: Period,
    as_of: datetime,
    bundle: Any = None,
    findings: dict[tuple[str, str], list[FindingRow]] | None = None,
) -> VersionView:
    """One version's section: latest decision per target, fairness, approvals, waivers, lineage."""
    from governance.approvals.records import list_waivers
    from governance.gate.gather import build_context

    ctx = build_context(session, model.name, v.version, "production", evaluated_at=as_of)
    authors = ctx.training_run.authors if ctx.training_run else ()
    decisions, earlier = _decisions(session, v.id, period)
    approvals = tuple(
        sections.approval_view(a, created_by=v.created_by, authors=authors, artifact_digest=v.artifact_digest)
        for a in _approvals(session, v.id, period)
    )
    waivers = tuple(
        sections.waiver_view(w, as_of)
        for w in sorted(list_waivers(session, include_inactive=True), key=lambda w: w.id or 0)
        if sections.waiver_applies(w, model.name, v.version) and to_utc(w.created_at) < period.end
    )
    model_node = f"model:{model.name}@{v.version}"
    edges = _lineage_edges(session, ctx, as_of)
    lineage = sections.lineage_view(
        ctx, edges, model_node, sections.retention_notes(decisions), _run_events(session, v.training_run_id)
    )
    state = "not_evaluated" if not decisions else "deployable" if all(d.deployable for d in decisions) else "blocked"
    from governance.evidence.stage_store import list_stage_evidence
    from governance.reports.conclusion import conclude
    from governance.reports.stages import monitoring, stage_rows

    mine = tuple((findings or {}).get((model.name, v.version), ()))
    stored = [s for s in list_stage_evidence(session, model.name, v.version) if to_utc(s.evaluated_at) < period.end]
    kpis = monitoring(bundle, stored, as_of)
    reviews = [k.next_review for k in kpis if k.next_review is not None]
    return VersionView(
        model=model.name,
        version=v.version,
        anchor=_anchor(model.name, v.version),
        artifact_uri=v.artifact_uri,
        artifact_digest=v.artifact_digest,
        created_by=v.created_by,
        created_at=to_utc(v.created_at),
        stage=v.stage,
        status=v.status,
        aliases=tuple(v.aliases),
        state=state,
        decisions=tuple(decisions),
        earlier_decisions=earlier,
        fairness=_with_thresholds(_fairness(session, v.id, period), decisions, bundle),
        approvals=approvals,
        waivers=waivers,
        lineage=lineage,
        findings=mine,
        conclusion=conclude(decisions, mine, approvals),
        stages=stage_rows(stored, bundle, decisions, period.end),
        monitoring=kpis,
        next_review=as_of if any(k.next_review is None for k in kpis) else min(reviews, default=None),
        history=_history(session, v.id, period),
        model_card=_model_card(session, model),
        data_section=_data_section(session, ctx, v, period, as_of, bundle),
    )


def _model_card(session: Session, model: Any) -> Any:
    """The model's current card from the registry (every section missing when none is attached)."""
    from governance.registry.model_card import card_views

    return card_views(session, [model])[model.name]


def _data_section(session: Session, ctx: Any, v: Any, period: Period, as_of: datetime, bundle: Any) -> Any:
    """The data behind the version: sources, windows, row counts, classifications, retention, quality."""
    from governance.reports.data_section import build_data_section

    fairness = _fairness(session, v.id, period)
    return build_data_section(session, ctx, model_version_id=v.id, as_of=as_of, bundle=bundle, fairness=fairness)


def _history(session: Session, version_id: int, period: Period) -> tuple[HistoryRow, ...]:
    """Every gate decision of the version in the period, newest first."""
    from governance.gate.queries import decisions_of_version

    rows = decisions_of_version(session, version_id, since=period.start, until=period.end)
    out = [
        HistoryRow(
            str(r.id)[:8],
            to_utc(r.created_at),
            r.target,
            "deployable" if r.deployable else "blocked",
            r.requested_by,
        )
        for r in rows
    ]
    return tuple(sorted(out, key=lambda h: h.at, reverse=True))


def _anchor(model: str, version: str) -> str:
    return "v-" + "".join(ch if ch.isalnum() else "-" for ch in f"{model}-{version}")


def _decisions(session: Session, version_id: int, period: Period) -> tuple[list[DecisionView], int]:
    """The latest decision per target within the period, and how many earlier ones there were."""
    from governance.gate.queries import decisions_of_version, latest_per_target

    rows = decisions_of_version(session, version_id, since=period.start, until=period.end)
    latest = latest_per_target(rows)
    views = [sections.decision_view(latest[t]) for t in sorted(latest)]
    return views, len(rows) - len(views)


def _approvals(session: Session, version_id: int, period: Period) -> list[Any]:
    from governance.approvals.queries import approvals_of_version

    return approvals_of_version(session, version_id, before=period.end)


def _with_thresholds(fairness: list[Any], decisions: list[Any], bundle: Any) -> tuple[Any, ...]:
    """Each evaluation with the thresholds of the bundle's bias policies whose verdicts read it."""
    import dataclasses

    if bundle is None:
        return tuple(fairness)
    policies = {p.id: p for p in bundle.policies if p.kind == "bias_threshold"}
    out = []
    for f in fairness:
        readers = sorted(
            {
                r.policy_id
                for d in decisions
                for r in d.verdicts
                for e in r.evidence
                if e.kind == "fairness_evaluation" and e.id == str(f.id) and r.policy_id in policies
            }
        )
        lines = tuple(line for pid in readers for line in sections.threshold_lines(f, pid, policies[pid].rule))
        out.append(dataclasses.replace(f, thresholds=lines) if lines else f)
    return tuple(out)


def _fairness(session: Session, version_id: int, period: Period) -> list[Any]:
    """The latest evaluation before the period's end for each set of sensitive features."""
    from governance.evidence.queries import fairness_evaluations

    latest: dict[tuple[str, ...], Any] = {}
    for row in fairness_evaluations(session, version_id, before=period.end, with_intervals=True):
        latest.setdefault(tuple(row.sensitive_columns), row)
    return [sections.fairness_view(latest[k]) for k in sorted(latest)]


def _lineage_edges(session: Session, ctx: Any, as_of: datetime) -> set[tuple[str, str]]:
    from governance.lineage.graph import traverse

    edges: set[tuple[str, str]] = set()
    for d in ctx.datasets:
        if d.depth == 1:
            edges |= traverse(session, d.id, "upstream", as_of=as_of).edges
    return edges


def _run_events(session: Session, run_id: str | None) -> tuple[int, str | None]:
    """(count, digest over the sorted digests) of the raw OpenLineage events of the training run."""
    from governance.lineage.queries import run_event_digests

    if run_id is None:
        return 0, None
    digests = run_event_digests(session, run_id)
    return len(digests), json_sha256(digests) if digests else None
