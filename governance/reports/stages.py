"""Validation-stage evidence in the audit report: the measured values of a version with the thresholds and
verdicts of the stage policies, the trend of each metric across the model's versions (an inline SVG chart
with the threshold drawn and its alternative text), and the monitoring plan (the KPIs of the stage
policies that apply in production, with the next review date).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from governance.reports.model import MonitoringKpi, StageRow, Trend, TrendPoint

# rule kind of a stage policy -> the evidence kinds it reads
POLICY_KINDS = {
    "performance_threshold": ("performance",),
    "operational_slo": ("operational",),
    "drift_threshold": ("drift", "data_validation"),
    "ab_test": ("abtest",),
}
MAX_TRENDS = 8  # charts per model: model-level metrics only (per-feature drift stays in the table)


def _spec(rule: Any) -> dict[str, Any]:
    """The fields of a stage rule, from its parsed Spec (or a plain dict): metric, bounds, max_age..."""
    names = ("metric", "low", "high", "applies_to", "max_age", "max_share", "min_power", "accept", "window")
    if isinstance(rule, dict):
        out = {k: rule.get(k) for k in names}
        raw = rule.get("bound")
        bound: dict[str, Any] = raw if isinstance(raw, dict) else {}
        out["low"], out["high"] = bound.get("min"), bound.get("max")
        return out
    return {k: getattr(rule, k, None) for k in names}


def _bound(rule: Any) -> tuple[float | None, str]:
    """(threshold value, "min" | "max") of a stage rule with a metric bound, or (None, "")."""
    spec = _spec(rule)
    if isinstance(spec["low"], int | float):
        return float(spec["low"]), "min"
    if isinstance(spec["high"], int | float):
        return float(spec["high"]), "max"
    return None, ""


def thresholds(bundle: Any) -> dict[tuple[str, str], tuple[str, float | None, str, str]]:
    """(evidence kind, metric) -> (policy id, threshold, min|max, threshold in words) of the bundle's stage policies."""
    out: dict[tuple[str, str], tuple[str, float | None, str, str]] = {}
    if bundle is None:
        return out
    for p in bundle.policies:
        kinds = POLICY_KINDS.get(p.kind)
        if not kinds:
            continue
        rule = _spec(p.rule)
        metric = rule.get("metric") if p.kind != "ab_test" else None
        value, side = _bound(p.rule)
        applies = f" ({rule['applies_to']})" if rule.get("applies_to") else ""
        if metric and value is not None:
            words = ("≥ " if side == "min" else "≤ ") + f"{value:g}{applies}"
            for k in kinds:
                out.setdefault((k, str(metric)), (p.id, value, side, words))
        if p.kind == "drift_threshold" and isinstance(rule.get("max_share"), int | float):
            for k in kinds:
                out.setdefault((k, "drift_share"), (p.id, float(rule["max_share"]), "max", f"≤ {rule['max_share']:g}"))
        if p.kind == "ab_test" and isinstance(rule.get("min_power"), int | float):
            out.setdefault(("abtest", "power"), (p.id, float(rule["min_power"]), "min", f"≥ {rule['min_power']:g}"))
    return out


def _logical(source: str) -> str:
    from governance.reports.render import strip_local_paths

    return strip_local_paths(source)


def stage_rows(stored: Sequence[Any], bundle: Any, decisions: Sequence[Any], before: datetime) -> tuple[StageRow, ...]:
    """The latest result of each evidence kind evaluated before `before`, one row per measurement."""
    from governance.timeutil import to_utc

    latest: dict[str, Any] = {}
    for s in stored:
        if to_utc(s.evaluated_at) < before:
            latest[s.result.kind] = s  # stored in time order: the last wins
    limits = thresholds(bundle)
    verdicts = {r.policy_id: r.verdict for d in decisions for r in d.verdicts}
    rows = []
    for kind in sorted(latest, key=lambda k: (_stage_rank(latest[k].result.stage), k)):
        s = latest[kind]
        r = s.result
        tool = f"{r.source} {r.tool_version}".strip()
        source = f"{_logical(r.data_source)} ({r.row_count:,} rows; {tool})" if r.data_source else tool
        summary_share = r.summary.get("drift_share", r.summary.get("share"))
        measurements = list(r.measurements)
        if kind == "drift" and isinstance(summary_share, int | float) and r.measurement("drift_share") is None:
            from governance.evidence.stage import Measurement

            measurements.insert(0, Measurement("drift_share", float(summary_share), higher_is_better=False))
        for m in measurements:
            policy_id, _value, _side, words = limits.get((kind, m.name), (None, None, "", ""))
            rows.append(
                StageRow(
                    stage=r.stage,
                    kind=kind,
                    metric=m.name,
                    subject=m.subject,
                    value=m.value,
                    low=m.low,
                    high=m.high,
                    threshold=words,
                    policy_id=policy_id,
                    verdict=verdicts.get(policy_id) if policy_id else None,
                    evidence_id=s.id,
                    evaluated_at=s.evaluated_at,
                    source=source,
                )
            )
    return tuple(rows)


def shown_in_pdf(r: StageRow) -> bool:
    """Whether the PDF's stage table shows the row (as audit/_version.html.j2 filters): model-level values, values
    a policy reads, and the features that drifted; other per-feature statistics stay in results.json."""
    return r.subject is None or r.policy_id is not None or (r.metric == "drift" and r.value == 1)


def _stage_rank(stage: str) -> int:
    from governance.evidence.stage import STAGES

    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def trends(series: Sequence[Any], bundle: Any, versions: Sequence[str], model: str) -> tuple[Trend, ...]:
    """One trend per model-level metric (no subject) across `versions` (the model's versions before the period end)."""
    from governance.evidence.stage import KINDS
    from governance.evidence.stage_store import latest_per_version

    allowed = set(versions)
    limits = thresholds(bundle)
    out = []
    for s in series:
        if s.subject is not None:
            continue
        points = tuple(
            TrendPoint(p.version, float(p.value), p.low, p.high)
            for p in latest_per_version(s)
            if p.version in allowed and p.value is not None
        )
        if not points:
            continue
        _pid, value, side, words = limits.get((s.kind, s.metric), (None, None, "", ""))
        if len(points) < 2 and value is None:
            continue  # one value and no threshold: nothing to see in a chart (the table has it)
        stage = KINDS.get(s.kind, s.kind)
        values = "; ".join(
            f"version {p.version}: {p.value:.4g}"
            + (f" [{p.low:.4g}, {p.high:.4g}]" if p.low is not None and p.high is not None else "")
            for p in points
        )
        limit = f"; threshold {words}, drawn as a dashed red line" if value is not None else "; no policy threshold"
        alt = f"{s.metric} ({stage} stage, {s.kind}) of {model} by version, intervals where measured: {values}{limit}."
        out.append(Trend(stage, s.kind, s.metric, None, points, value, side, alt))
    # thresholded metrics first, then by stage
    out.sort(key=lambda t: (t.threshold is None, _stage_rank(t.stage), t.kind, t.metric))
    return tuple(out[:MAX_TRENDS])


W, H, LEFT, RIGHT, TOP, BOTTOM = 320.0, 120.0, 40.0, 10.0, 14.0, 22.0
FONT = "DejaVu Sans, sans-serif"
RED = "#b3261e"
AXIS = 'stroke="#8a8f98" stroke-width="0.6"'
DASHED = f'stroke="{RED}" stroke-width="0.9" stroke-dasharray="4 2"'
WHISKER = 'stroke="#1f3b5c" stroke-width="0.9"'
SMALL = 'font-size="6.5" fill="#5a6270"'


def trend_svg(t: Trend) -> str:
    """A small chart: each version's value (dot) with its interval (whisker), the threshold as a dashed line."""
    vals = [p.value for p in t.points]
    vals += [p.low for p in t.points if p.low is not None] + [p.high for p in t.points if p.high is not None]
    if t.threshold is not None:
        vals.append(t.threshold)
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.12 or (abs(hi) * 0.1 or 1.0)
    lo, hi = lo - pad, hi + pad
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    n = len(t.points)

    def x(i: int) -> float:
        return LEFT + plot_w * ((i + 0.5) / n)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - lo) / (hi - lo))

    alt = escape(t.alt, {'"': "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W:.0f} {H:.0f}" width="{W:.0f}" height="{H:.0f}" '
        f'font-family="{FONT}" role="img" aria-label="{alt}"><title>{alt}</title>',
        f'<text x="2" y="10" font-size="8" fill="#1f3b5c">{escape(t.metric)}</text>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" {AXIS}/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{W - RIGHT}" y2="{TOP + plot_h}" {AXIS}/>',
    ]
    for v in (lo + pad, hi - pad):
        parts.append(
            f'<text x="{LEFT - 3}" y="{y(v) + 2.5:.1f}" font-size="6.5" text-anchor="end" fill="#5a6270">{v:.3g}</text>'
        )
    if t.threshold is not None:
        ty = y(t.threshold)
        parts.append(f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{W - RIGHT}" y2="{ty:.1f}" {DASHED}/>')
        word = "min" if t.direction == "min" else "max"
        parts.append(
            f'<text x="{W - RIGHT}" y="{ty - 2:.1f}" font-size="6.5" text-anchor="end" fill="{RED}">'
            f"{word} {t.threshold:g}</text>"
        )
    step = max(1, n // 10)
    for i, p in enumerate(t.points):
        cx = x(i)
        if p.low is not None and p.high is not None:
            parts.append(f'<line x1="{cx:.1f}" y1="{y(p.low):.1f}" x2="{cx:.1f}" y2="{y(p.high):.1f}" {WHISKER}/>')
        parts.append(f'<circle cx="{cx:.1f}" cy="{y(p.value):.1f}" r="2.4" fill="#1f3b5c"/>')
        if i % step == 0 or i == n - 1:
            label = p.version if len(p.version) <= 10 else p.version[:9] + "…"
            parts.append(f'<text x="{cx:.1f}" y="{H - 8}" {SMALL} text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def monitoring(bundle: Any, stored: Sequence[Any], now: datetime) -> tuple[MonitoringKpi, ...]:
    """The KPIs of the stage policies that apply in production, each with its next review date: the last
    evidence of its kind plus the policy's `max_age` (no evidence: the review is due now)."""
    from fnmatch import fnmatchcase

    from governance.timeutil import to_utc

    if bundle is None:
        return ()
    out = []
    for p in bundle.policies:
        kinds = POLICY_KINDS.get(p.kind)
        if not kinds:
            continue
        targets = p.scope.targets
        if targets and not any(fnmatchcase("production", g) for g in targets):
            continue
        rule = _spec(p.rule)
        age = rule.get("max_age")
        if isinstance(age, str):
            age = _days(age)
        max_age = f"{age.days} days" if isinstance(age, timedelta) else ""
        last = max(
            (to_utc(s.evaluated_at) for s in stored if s.result.kind in kinds and to_utc(s.evaluated_at) <= now),
            default=None,
        )
        nxt = last + age if last is not None and age is not None else None
        out.append(MonitoringKpi(p.id, p.title, _rule_words(p.kind, rule), max_age, last, nxt, str(p.mode)))
    return tuple(sorted(out, key=lambda k: k.policy_id))


def _rule_words(kind: str, rule: dict[str, Any]) -> str:
    value, side = (rule["low"], "min") if rule.get("low") is not None else (rule.get("high"), "max")
    if kind != "ab_test" and rule.get("metric") and value is not None:
        return f"{rule['metric']} {'≥' if side == 'min' else '≤'} {value:g}"
    if kind == "drift_threshold" and rule.get("max_share") is not None:
        window = " over a window after entering production" if rule.get("window") == "after_deployment" else ""
        return f"share of drifting features ≤ {rule['max_share']:g}{window}"
    if kind == "ab_test":
        power = f", power ≥ {rule['min_power']:g}" if rule.get("min_power") is not None else ""
        return f"A/B test result {' or '.join(rule.get('accept') or ['win'])}{power}"
    return kind.replace("_", " ")


def _days(duration: str) -> timedelta | None:
    """P30D / P12W / P1Y style durations as a timedelta (months as 30 days), None when unreadable."""
    import re

    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", duration.strip().upper())
    if not m or not any(m.groups()):
        return None
    y, mo, w, d = (int(g or 0) for g in m.groups())
    return timedelta(days=365 * y + 30 * mo + 7 * w + d)
