"""Plain-text views of validation-stage evidence for `gov evidence`: one result, a list, a history."""

from __future__ import annotations

from typing import Any

from governance.evidence.stage_store import Series, StoredStage
from governance.timeutil import iso

# summary keys that decide a verdict, per kind, shown under the measurements
_SUMMARY_KEYS: dict[str, tuple[str, ...]] = {
    "performance": ("rows", "positives", "negatives", "prediction", "threshold", "baseline"),
    "drift": ("n_features", "n_drifted", "share_drifted", "drift_share", "dataset_drift", "drifted_features", "rule"),
    "abtest": ("verdict", "metric", "control", "treatment", "srm", "power", "mde", "sequential"),
    "operational": ("format",),
    "data_validation": ("success", "evaluated", "successful", "unsuccessful", "success_percent"),
}


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


def _short(value: Any, limit: int = 100) -> str:
    if isinstance(value, dict):
        text = ", ".join(f"{k}={_short(v, 40)}" for k, v in value.items() if not isinstance(v, dict | list))
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "none"
    elif isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_stage(stored: StoredStage) -> str:
    """One stored result: what it is about, each measurement with its interval, the deciding summary."""
    r = stored.result
    conf = f" ({r.confidence:.0%} intervals)" if r.confidence else ""
    window = f", window {iso(r.window_start)}/{iso(r.window_end)}" if r.window_start and r.window_end else ""
    lines = [
        f"stage evidence {stored.id}: {r.kind} ({r.stage} stage) of {stored.model} version {stored.version}",
        f"data: {r.data_source} ({r.data_digest}, {r.digest_scope}), {r.row_count} rows{window}",
        f"source: {r.source} {r.tool_version}; submitted by {stored.submitted_by or 'nobody'}; run {stored.run_id}",
        "",
        f"{'measurement':<28} {'subject':<20} {'value':>10} {'interval' + conf}",
    ]
    for m in r.measurements:
        interval = f"[{_num(m.low)}, {_num(m.high)}]" if m.low is not None or m.high is not None else ""
        test = m.detail.get("test") if m.name == "drift" else None
        note = f"  ({test})" if test else ""
        lines.append(f"{m.name:<28} {(m.subject or ''):<20} {_num(m.value):>10} {interval}{note}".rstrip())
    shown = [(k, r.summary[k]) for k in _SUMMARY_KEYS.get(r.kind, ()) if k in r.summary]
    if shown:
        lines.append("")
        lines.extend(f"{k}: {_short(v)}" for k, v in shown)
    return "\n".join(lines)


def render_stage_list(items: list[StoredStage]) -> str:
    """Stored stage results, one line each."""
    if not items:
        return "no stage evidence"
    lines = [f"{'id':>5}  {'version':<10} {'kind':<16} {'stage':<12} {'rows':>9}  {'evaluated':<25} submitted by"]
    for s in items:
        lines.append(
            f"{s.id:>5}  {s.version:<10} {s.result.kind:<16} {s.result.stage:<12} {s.result.row_count:>9}  "
            f"{iso(s.evaluated_at):<25} {s.submitted_by or '-'}"
        )
    return "\n".join(lines)


def render_history(series: list[Series]) -> str:
    """Each series, its points in version order then time."""
    if not series:
        return "no stage evidence"
    lines: list[str] = []
    for s in series:
        direction = {True: "higher is better", False: "lower is better", None: "no direction"}[s.higher_is_better]
        subject = f" ({s.subject})" if s.subject else ""
        lines.append(f"{s.kind} {s.metric}{subject}: {direction}")
        for p in s.points:
            interval = f" [{_num(p.low)}, {_num(p.high)}]" if p.low is not None or p.high is not None else ""
            lines.append(f"  {p.version:<10} {iso(p.evaluated_at):<25} {_num(p.value):>10}{interval}  #{p.evidence_id}")
    return "\n".join(lines)
