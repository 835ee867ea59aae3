"""HTML rendering of the reports: one Jinja2 environment over the `reports/` templates, filters for numbers,
dates and badges, and the SVG charts and diagrams built in Python (governance.reports.charts/diagram).

Templates live outside the package (`reports/` at the repository root) because they are what an
organisation brands; `GOV_REPORT_TEMPLATES` or the `templates` argument points elsewhere.
"""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from governance.assets import asset_path
from governance.errors import ConfigError
from governance.timeutil import iso

TEMPLATES = asset_path("reports")
BADGES = {
    "deployable",
    "blocked",
    "pass",
    "fail",
    "warn",
    "waived",
    "inconclusive",
    "not_evaluated",
    "partial",
    "error",
    "met",
    "missed",
    "verified",
    "invalid",
    "independent",
    "violation",
    "active",
    "expired",
    "revoked",
    "intact",
    "tampered",
    "matches",
    "mismatch",
    "incomplete",
    "empty",
    "other",
    "fit",
    "fit_with_conditions",
    "not_fit",
    "open",
    "in_remediation",
    "closed",
    "accepted",
    "critical",
    "high",
    "medium",
    "low",
    "info",
}
# A local filesystem path: a slash-separated run not preceded by a word character, ':' or '/' (so URLs such as
# s3://bucket/key and https://host/path are kept), with at least two segments; Windows drive paths too.
_LOCAL_PATH = re.compile(
    r"file://(?:/[\w.@+-]+)+/?|(?<![\w:/.<-])(?:/[\w.@+-]+){2,}/?|\b[A-Za-z]:\\(?:[\w.@+ -]+\\)*[\w.@+-]+"
)
_BREAK_AFTER = re.compile(r"([/._:@-])")
# Identifiers shorter than this get no break points: at 7 pt they fit every column of the reports, and each <wbr>
# is a box WeasyPrint lays out (a tenth of the 50-version report's render time went to them).
WBR_MIN = 16


def strip_local_paths(text: str) -> str:
    """`/work/x/lineage/eval.csv` -> `eval.csv`: a report shows a file's logical name, never where it lay."""

    def name(match: re.Match[str]) -> str:
        value = match.group(0).rstrip("/\\")
        return re.split(r"[/\\]", value)[-1] or value

    return _LOCAL_PATH.sub(name, text)


def _wbr(value: Any) -> Any:
    """An identifier that may wrap only after / . _ - : @ (a <wbr> there), never mid-token."""
    from markupsafe import Markup, escape

    text = str(value)
    if len(text) < WBR_MIN:
        return escape(text)
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.sub("\\1\0", text).split("\0"))


def templates_dir(templates: Path | None = None) -> Path:
    """The template folder: the argument, GOV_REPORT_TEMPLATES, or `reports/` of the source tree."""
    folder = templates or Path(os.environ.get("GOV_REPORT_TEMPLATES") or TEMPLATES)
    if not (folder / "base.css").is_file():
        raise ConfigError(
            f"report templates not found in {folder}",
            where=str(folder),
            hint="set GOV_REPORT_TEMPLATES to the reports/ folder of a gov checkout",
        )
    return folder


def _dt(value: datetime | None) -> str:
    if value is None:
        return "unknown"
    text = value.strftime("%Y-%m-%d %H:%M UTC")
    return text


def _short_digest(value: str | None) -> str:
    if not value:
        return "none"
    return value[:23] + "…" if len(value) > 24 else value


def _badge_class(status: str) -> str:
    key = str(status).strip().lower()
    if key in BADGES:
        return key
    return key.replace(" ", "-").replace("_", "-") if key in ("no decision", "not in scope") else "other"


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _rate(rate: Any) -> str:
    if rate.value is None:
        return "undefined"
    ci = f" [{rate.low:.3f}, {rate.high:.3f}]" if rate.low is not None and rate.high is not None else ""
    return f"{rate.value:.3f}{ci}"


def _ci(row: Any) -> str:
    if row.ci_low is None or row.ci_high is None:
        return "–"
    return f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"


def _controls(controls: Any) -> str:
    """`eu-ai-act:Art. 9`, `eu-ai-act:Art. 15` -> `eu-ai-act Art. 9, Art. 15` (grouped by framework)."""
    grouped: dict[str, list[str]] = {}
    for control in controls:
        framework, _, cid = str(control).partition(":")
        grouped.setdefault(framework, []).append(cid or framework)
    return " · ".join(f"{fw} {', '.join(ids)}" for fw, ids in grouped.items())


def _policies_applied(versions: Any) -> list[Any]:
    """The verdict rows of every policy the versions' decisions cite, one per policy id and version (the
    first seen), sorted: the audit report states a policy's title, controls, rationale and remediation
    once, not in every version section."""
    seen: dict[tuple[str, str], Any] = {}
    for v in versions:
        for d in v.decisions:
            for r in d.verdicts:
                seen.setdefault((r.policy_id, r.policy_version), r)
    return [seen[k] for k in sorted(seen)]


def _stated_before(versions: Any) -> dict[str, dict[str, tuple[str, str]]]:
    """For each version (by anchor), the parts of its section already shown, identical, in an earlier version's
    section: {"lineage" | "data" | "special": (that version's anchor, its section number "3.k")}. Versions
    trained by the same run share their training lineage (but for their own node in it), the run's data, data
    quality and ingestion warnings, and the tagged fields (but which evaluation reads them); the audit report
    shows them once and refers to them. The comparison is exact: a difference anywhere shows the part again."""
    firsts: dict[tuple[str, Any], tuple[str, str]] = {}
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for index, v in enumerate(versions, start=1):
        here, mine = (v.anchor, f"3.{index}"), {}
        lin = getattr(v, "lineage", None)
        if lin is not None and lin.status == "known":
            nodes = tuple(dataclasses.replace(n, id="", label="") if n.kind == "model" else n for n in lin.nodes)
            model_ids = {n.id for n in lin.nodes if n.kind == "model"}
            edges = tuple(tuple("" if x in model_ids else x for x in e) for e in lin.edges)
            key = ("lineage", dataclasses.replace(lin, nodes=nodes, edges=edges))
            mine["lineage"] = firsts.setdefault(key, here)
        data = getattr(v, "data_section", None)
        if data is not None and data.status == "known":
            key = (
                "data",
                (data.training_job, data.training_window, data.sources, data.notes, data.quality, data.warnings),
            )
            mine["data"] = firsts.setdefault(key, here)
            if data.special:  # the fields, as they are tagged and where; which evaluation reads them is the version's
                fields = tuple(dataclasses.replace(f, used_by=()) for f in data.special)
                mine["special"] = firsts.setdefault(("special", fields), here)
        out[v.anchor] = {part: first for part, first in mine.items() if first != here}
    return out


def _evidence_brief(evidence: Any) -> str:
    """`validation 3; validation 4 (auc)` -> `validation 3, 4 (auc)`: the evidence a verdict read, its ids grouped
    by kind (the digests are in results.json)."""
    grouped: dict[str, list[str]] = {}
    for e in evidence:
        grouped.setdefault(str(e.kind).replace("_", " "), []).append(f"{e.id} ({e.note})" if e.note else str(e.id))
    return "; ".join(f"{kind} {', '.join(ids)}" for kind, ids in grouped.items())


SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def _finding_groups(versions: Any) -> list[dict[str, Any]]:
    """The findings of the versions grouped by what must be done, by whom, by when: the same policy (or title when
    the finding is not a policy's), severity, verdict, owner, due date and status. A 50-version register is then a
    row per policy and owner, each listing its findings by id and version, instead of 400 rows."""
    policies = {r.policy_id for r in _policies_applied(versions)}
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for v in versions:
        for f in v.findings:
            head = f.title.split(": ", 1)[0]
            subject, is_policy = (head, True) if head in policies else (f.title, False)
            due = f.due_date.strftime("%Y-%m-%d") if f.due_date else None
            key = (subject, f.severity, f.verdict, f.owner, due, f.overdue, f.status)
            group = groups.setdefault(
                key,
                {
                    "subject": subject,
                    "is_policy": is_policy,
                    "severity": f.severity,
                    "verdict": f.verdict,
                    "owner": f.owner,
                    "due": due,
                    "overdue": f.overdue,
                    "status": f.status,
                    "rows": [],
                },
            )
            group["rows"].append((f, v))
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return sorted(
        groups.values(),
        key=lambda g: (rank.get(g["severity"], len(rank)), g["subject"], g["owner"] or "", g["due"] or "", g["status"]),
    )


def _distribution(dist: dict[int, int]) -> str:
    return " / ".join(str(dist.get(level, 0)) for level in range(4))


def environment(templates: Path | None = None) -> Any:
    """The Jinja2 environment with the report filters and globals."""
    import jinja2
    from markupsafe import Markup

    from governance.reports.charts import rates_legend, rates_svg
    from governance.reports.crosswalk import group_crosswalk
    from governance.reports.diagram import lineage_svg
    from governance.reports.stages import trend_svg
    from governance.scorecard import levels

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir(templates))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            "dt": _dt,
            "short_digest": _short_digest,
            "badge_class": _badge_class,
            "num": _num,
            "rate": _rate,
            "ci": _ci,
            "distribution": _distribution,
            "controls": _controls,
            "isodate": iso,
            "level_name": levels.level_name,
            "rates_chart": lambda f: Markup(rates_svg(f.groups, f.confidence, f.thresholds)),
            "rates_legend": lambda f: rates_legend(f.groups, f.confidence, f.thresholds),
            "lineage_diagram": lambda lin: Markup(lineage_svg(lin.nodes, lin.edges)),
            "trend_chart": lambda t: Markup(trend_svg(t)),
            "wbr": _wbr,
            "crosswalk_groups": group_crosswalk,
            "policies_applied": _policies_applied,
            "stated_before": _stated_before,
            "evidence_brief": _evidence_brief,
            "finding_groups": _finding_groups,
            "logical": lambda v: strip_local_paths(str(v)),
        }
    )
    env.globals.update({"criteria": levels.CRITERIA, "rules": levels.rules_table()})
    return env


def _render(name: str, templates: Path | None, **values: Any) -> str:
    import jinja2

    try:
        return str(environment(templates).get_template(name).render(**values))
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"report template error: {exc}", where=f"{where}:{line}" if line else where) from exc


def render_audit_html(report: Any, *, templates: Path | None = None) -> str:
    """The audit report as one self-contained HTML document (CSS inline, SVG inline)."""
    return strip_local_paths(_render("audit/report.html.j2", templates, report=report))


def render_scorecard_html(card: Any, meta: dict[str, Any], *, templates: Path | None = None) -> str:
    return strip_local_paths(_render("scorecard/report.html.j2", templates, card=card, meta=meta))


def render_blocked_html(register: Any, meta: dict[str, Any], *, templates: Path | None = None) -> str:
    return strip_local_paths(_render("blocked/report.html.j2", templates, register=register, meta=meta))
