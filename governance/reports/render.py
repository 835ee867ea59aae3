"""HTML rendering of the reports: one Jinja2 environment over the `reports/` templates, filters for numbers,
dates and badges, and the SVG charts and diagrams built in Python (governance.reports.charts/diagram).

Templates live outside the package (`reports/` at the repository root) because they are what an
organisation brands; `GOV_REPORT_TEMPLATES` or the `templates` argument points elsewhere.
"""

from __future__ import annotations

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


def _distribution(dist: dict[int, int]) -> str:
    return " / ".join(str(dist.get(level, 0)) for level in range(4))


def environment(templates: Path | None = None) -> Any:
    """The Jinja2 environment with the report filters and globals."""
    import jinja2
    from markupsafe import Markup

    from governance.reports.charts import rates_legend, rates_svg
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
