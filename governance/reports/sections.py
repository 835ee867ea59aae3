"""Per-version sections of the audit report, each a pure function of stored records: decisions,
fairness evaluations, approvals with their separation-of-duties status, waivers, training lineage.
"""

from __future__ import annotations

import math
from datetime import datetime
from statistics import NormalDist
from typing import Any

from governance.reports.model import (
    AppliedWaiver,
    ApprovalView,
    ChartLine,
    DecisionView,
    Evidence,
    FairnessView,
    GroupRate,
    GroupRow,
    LineageNode,
    LineageView,
    MetricRow,
    VerdictItem,
    VerdictRow,
    WaiverView,
)
from governance.timeutil import to_utc

# Between-group metrics shown in the report's table, in this order (all stored ones go to the JSON).
HEADLINE_METRICS = (
    "fairlearn.demographic_parity_difference",
    "fairlearn.demographic_parity_ratio",
    "fairlearn.equalized_odds_difference",
    "aif360.statistical_parity_difference",
    "aif360.disparate_impact",
    "four_fifths.min_impact_ratio",
)


def decision_view(row: Any) -> DecisionView:
    """A stored `policy_decision` row as the report shows it."""
    verdicts = []
    for o in row.verdicts:
        waiver = o.get("waiver")
        verdicts.append(
            VerdictRow(
                policy_id=o["policy_id"],
                policy_version=str(o.get("policy_version", "")),
                title=o.get("title", ""),
                kind=o.get("kind", ""),
                mode=o.get("mode", ""),
                severity=o.get("severity", ""),
                verdict=o["verdict"],
                rule_verdict=o.get("rule_verdict", o["verdict"]),
                blocking=bool(o.get("blocking")),
                message=o.get("message", ""),
                controls=tuple(o.get("controls") or ()),
                evidence=tuple(
                    Evidence(e["kind"], str(e["id"]), e.get("digest"), e.get("note")) for e in o.get("evidence") or ()
                ),
                details=tuple(o.get("details") or ()),
                waiver=f"waiver {waiver['id']} ({waiver.get('ticket')}, until {waiver.get('expires_at')})"
                if waiver
                else None,
                rationale=" ".join(str(o.get("rationale") or "").split()),
                remediation=" ".join(str(o.get("remediation") or "").split()),
                applied_waiver=AppliedWaiver(
                    int(waiver["id"]),
                    str(waiver.get("ticket") or ""),
                    str(waiver.get("approver") or "unknown"),
                    str(waiver.get("expires_at") or "unknown"),
                    str(waiver.get("reason") or ""),
                )
                if waiver
                else None,
                items=verdict_items(o),
            )
        )
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    return DecisionView(
        row.id,
        row.target,
        to_utc(row.created_at),
        row.deployable,
        row.exit_code,
        row.requested_by,
        row.bundle_digest,
        row.context_digest,
        row.ledger,
        tuple(verdicts),
        tuple(row.out_of_scope),
        dict(sorted(counts.items())),
        tuple(getattr(row, "findings", None) or ()),
    )


_STATUSES = ("fail", "warn", "waived", "inconclusive", "not_evaluated", "error", "pass")


def verdict_items(outcome: dict[str, Any]) -> tuple[VerdictItem, ...]:
    """Every item of a stored verdict that did not pass, nothing elided: each non-passing check of its detail
    lines (`fail: auc = 0.74 ...`, `not_evaluated: no evidence named 'schema*'`), or the verdict's own message
    when no detail line says more. A check that failed under a waiver or in audit mode shows the effective
    verdict (waived, warn)."""
    verdict = str(outcome.get("verdict", ""))
    rule = str(outcome.get("rule_verdict", verdict))
    items = []
    for line in outcome.get("details") or ():
        status, sep, text = str(line).partition(": ")
        if not sep or status not in _STATUSES or status == "pass":
            continue
        if status == rule and verdict != rule:
            status = verdict
        items.append(VerdictItem(status, text))
    if not items and verdict != "pass":
        message = str(outcome.get("message", ""))
        if verdict == "waived" and message.startswith("waived by waiver ") and "): " in message:
            message = message.split("): ", 1)[1]
        items.append(VerdictItem(verdict, message))
    return tuple(items)


def threshold_lines(f: FairnessView, policy_id: str, rule: Any) -> tuple[ChartLine, ...]:
    """Where a `bias_threshold` policy's bound falls on the per-group chart of evaluation `f`: the four-fifths
    line (bound × the highest selection rate), highest rate − bound for the parity and equalized-odds
    differences, the bound itself for a per-group rate. Other metrics have no place on a per-group scale."""
    metric = str(getattr(rule, "metric", ""))
    low, high = getattr(rule, "low", None), getattr(rule, "high", None)

    def top(panel: str) -> tuple[float, str] | None:
        rated = [(getattr(g, panel).value, g.label) for g in f.groups if getattr(g, panel).value is not None]
        return max(rated) if rated else None

    out: list[ChartLine] = []
    if metric == "four_fifths.min_impact_ratio" and low is not None and (best := top("selection")):
        value = float(low) * best[0]
        out.append(
            ChartLine(
                "selection",
                value,
                f"{low:g} × highest = {value:.3f}",
                policy_id,
                f"{policy_id}: every group's selection rate at least {low:g} × the highest ({best[1]}, "
                f"{best[0]:.3f}) = {value:.3f}",
            )
        )
    diffs = {
        "fairlearn.demographic_parity_difference": ("selection",),
        "aif360.statistical_parity_difference": ("selection",),
        "fairlearn.equalized_odds_difference": ("tpr", "fpr"),
        "fairlearn.equal_opportunity_difference": ("tpr",),
    }
    if metric in diffs and high is not None:
        for panel in diffs[metric]:
            best = top(panel)
            if best is None:
                continue
            value = max(0.0, best[0] - float(high))
            out.append(
                ChartLine(
                    panel,
                    value,
                    f"highest − {high:g} = {value:.3f}",
                    policy_id,
                    f"{policy_id}: {metric} at most {high:g}, so no group below the highest {panel} rate "
                    f"({best[1]}, {best[0]:.3f}) − {high:g} = {value:.3f}",
                )
            )
    rates = {"group.selection_rate": "selection", "group.tpr": "tpr", "group.fpr": "fpr"}
    if metric in rates:
        for bound, word in ((low, "at least"), (high, "at most")):
            if bound is not None:
                out.append(
                    ChartLine(
                        rates[metric],
                        float(bound),
                        f"{word} {bound:g}",
                        policy_id,
                        f"{policy_id}: every group's {metric[6:]} {word} {bound:g}",
                    )
                )
    return tuple(line for line in out if 0.0 <= line.value <= 1.0)


def wilson(successes: int, trials: int, confidence: float) -> GroupRate:
    """Wilson score interval for a binomial proportion; None values when there are no trials."""
    if trials <= 0:
        return GroupRate(None, None, None, successes, trials)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends, not rounding noise
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return GroupRate(p, low, high, successes, trials)


def fairness_view(row: Any) -> FairnessView:
    """A stored `fairness_evaluation` row: per-group rates with Wilson intervals, between-group metrics with the
    engine's bootstrap intervals, the four-fifths rule."""
    r: dict[str, Any] = row.results
    conf = float(row.confidence)
    groups = []
    for g in r.get("groups") or []:
        c = g.get("counts") or {}
        tp, fp, fn, tn = (int(c.get(k, 0)) for k in ("tp", "fp", "fn", "tn"))
        values = g.get("values") or {}
        groups.append(
            GroupRow(
                name=str(g["name"]),
                label=", ".join(str(x) for x in values.values()) or str(g["name"]),
                count=int(g.get("count", tp + fp + fn + tn)),
                privileged=g.get("privileged"),
                small=bool(g.get("small")),
                base_rate=(g.get("metrics") or {}).get("base_rate"),
                selection=wilson(tp + fp, tp + fp + fn + tn, conf),
                tpr=wilson(tp, tp + fn, conf),
                fpr=wilson(fp, fp + tn, conf),
            )
        )
    stored = r.get("metrics") or {}
    keys = [k for k in HEADLINE_METRICS if k in stored] + sorted(k for k in stored if k not in HEADLINE_METRICS)
    metrics = []
    for key in keys:
        m = stored[key]
        ci = m.get("ci") or [None, None]
        metrics.append(
            MetricRow(
                key, m.get("value"), ci[0], ci[1], str(m.get("definition", "")), m.get("ideal"), key in HEADLINE_METRICS
            )
        )
    ff = r.get("four_fifths") or {}
    priv = r.get("privileged") or {}
    boot = r.get("bootstrap") or {}
    data = r.get("data") or {}
    return FairnessView(
        id=int(row.id),
        evaluated_at=to_utc(row.evaluated_at),
        data_source=str(data.get("source", row.data_source)),
        data_digest=row.data_digest,
        input_digest=row.input_digest,
        rows=int(row.row_count),
        sensitive=tuple(row.sensitive_columns),
        privileged=tuple(priv.get("groups") or ()),
        confidence=conf,
        resamples=int(boot.get("resamples", row.bootstrap_resamples)),
        groups=tuple(groups),
        metrics=tuple(metrics),
        four_fifths_passes=ff.get("passes"),
        four_fifths_reference=ff.get("reference_group"),
        adverse_groups=tuple(ff.get("adverse_impact") or ()),
        notes=tuple(r.get("notes") or ()),
        favorable_meaning=r.get("favorable_meaning"),
    )


def separation_of_duties(
    approver: str, digest: str, *, created_by: str, authors: tuple[str, ...], artifact_digest: str
) -> str:
    """`independent`, or why the approval violates separation of duties or approves another artifact."""
    if digest != artifact_digest:
        return "not this artifact: approved " + digest[:19] + "…"
    from governance.approvals.rules import duty_conflict

    why = duty_conflict(approver, created_by=created_by, authors=authors)
    return "independent" if why is None else f"violation: the approver {why}"


def approval_view(row: Any, *, created_by: str, authors: tuple[str, ...], artifact_digest: str) -> ApprovalView:
    return ApprovalView(
        int(row.id or 0),
        row.role,
        row.approver,
        to_utc(row.created_at),
        row.artifact_digest,
        row.artifact_digest == artifact_digest,
        separation_of_duties(
            row.approver, row.artifact_digest, created_by=created_by, authors=authors, artifact_digest=artifact_digest
        ),
        row.comment,
    )


def waiver_applies(row: Any, model: str, version: str) -> bool:
    """Whether the waiver's scope covers the model version (on any target)."""
    from governance.approvals.rules import waiver_covers

    return waiver_covers(row, None, model, version, None)


def waiver_view(row: Any, as_of: datetime) -> WaiverView:
    from governance.approvals.rules import waiver_status

    status = waiver_status(row, as_of)
    if status == "revoked":
        status = f"revoked by {row.revoked_by}"
    elif status == "awaiting_second_person":
        status = "awaiting a second person"
    scope = f"{row.model_glob} version {row.version or 'any'}, target {row.target or 'any'}"
    return WaiverView(
        int(row.id or 0),
        row.policy_id,
        scope,
        row.reason,
        row.ticket,
        row.approver,
        to_utc(row.created_at),
        to_utc(row.expires_at),
        status,
    )


def retention_notes(decisions: list[DecisionView]) -> dict[str, str] | None:
    """dataset id -> the data-retention verdict line about it, from the latest decisions; None when no decision
    evaluated a data-retention policy."""
    out: dict[str, str] = {}
    evaluated = False
    for d in decisions:
        for v in d.verdicts:
            if v.kind != "data_retention":
                continue
            evaluated = True
            for line in v.details:
                verdict, _, text = line.partition(": ")
                ds = text.split(" ", 1)[0]
                if ds.startswith("dataset:"):
                    out.setdefault(ds, f"{verdict}: {text[len(ds) :].strip()}")
    return out if evaluated else None


def lineage_view(
    ctx: Any,
    edges: set[tuple[str, str]],
    model_node: str,
    retention: dict[str, str] | None,
    events: tuple[int, str | None],
) -> LineageView:
    """The training lineage closure of a version (policy evaluation context + graph edges), laid out in layers."""
    from governance.reports.diagram import layers

    if ctx.training_run is None:
        status = "missing" if ctx.version.training_run_id is None else "unknown_run"
        message = (
            "no training run recorded for this version"
            if status == "missing"
            else f"training run {ctx.version.training_run_id} is not in the lineage store"
        )
        return LineageView(status, message, ctx.version.training_run_id, None, None, None, None, (), (), (), None, 0)
    run = ctx.training_run
    job = run.job or f"job:?:{run.run_id}"
    all_edges = set(edges) | {(d.id, job) for d in ctx.datasets if d.depth == 1} | {(job, model_node)}
    layer = layers(all_edges)
    info = {d.id: d for d in ctx.datasets}
    nodes = []
    for nid in sorted(layer, key=lambda n: (layer[n], n)):
        d = info.get(nid)
        if nid == model_node:
            nodes.append(LineageNode(nid, "model", f"{ctx.model.name} {ctx.version.version}", layer[nid]))
        elif d is not None:
            classes = tuple(c for c in d.classifications if not c.startswith("owner:"))
            note = (retention or {}).get(nid) or _retention_fallback(d, retention is not None)
            nodes.append(LineageNode(nid, "dataset", d.name or nid, layer[nid], classes, d.owners, note, d.depth))
        else:
            kind = "job" if nid.startswith("job:") else "dataset"
            nodes.append(LineageNode(nid, kind, nid.split(":", 2)[-1], layer[nid]))
    count, digest = events
    return LineageView(
        "known",
        f"trained by run {run.run_id}",
        run.run_id,
        job,
        run.state,
        run.started_at,
        run.ended_at,
        tuple(run.authors),
        tuple(nodes),
        tuple(sorted(all_edges)),
        digest,
        count,
    )


def _retention_fallback(d: Any, evaluated: bool) -> str:
    if d.deletion:
        return f"deleted ({d.deletion} at {d.deleted_at:%Y-%m-%d})" if d.deleted_at else f"deleted ({d.deletion})"
    first = f"first seen {d.first_seen:%Y-%m-%d}" if d.first_seen else "age unknown"
    if evaluated:
        return f"no retention limit applies to its classifications; {first}"
    return f"retained, {first}; no data-retention policy was evaluated"
