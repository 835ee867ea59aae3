"""Report model and rendering: periods, Wilson intervals, the SVG chart and lineage diagram, every section with
empty data, and tables that stay inside the page with long identifiers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from governance.errors import InputError
from governance.period import Period, parse_period
from governance.reports.diagram import layers, lineage_svg
from governance.reports.model import GroupRate, GroupRow, LineageNode
from governance.reports.sections import separation_of_duties, wilson

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO / "policies" / "default"
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)


# ---- periods -------------------------------------------------------------------------------------------
def test_period_dates_include_the_last_day_and_default_to_90_days() -> None:
    p = parse_period("2026-10-01..2026-12-31", now=NOW)
    assert (p.start, p.end) == (datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert p.label() == "2026-10-01 to 2026-12-31"
    assert [m.start.month for m in p.months()] == [10, 11, 12]
    d = parse_period(None, now=NOW)
    assert d.end == datetime(2026, 11, 28, tzinfo=UTC) and (d.end - d.start).days == 90
    assert parse_period("2026-11-01..", now=NOW).end == datetime(2026, 11, 28, tzinfo=UTC)
    clipped = Period(datetime(2026, 10, 15, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)).months()
    assert [(m.start.day, m.end.day) for m in clipped] == [(15, 1), (1, 3)]


@pytest.mark.parametrize("text", ["2026-10-01", "2026-12-01..2026-10-01", "x..y"])
def test_bad_periods_are_input_errors(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_period(text, now=NOW)
    assert err.value.where == "period"


# ---- numbers -------------------------------------------------------------------------------------------
def test_wilson_interval_matches_the_textbook_value() -> None:
    r = wilson(50, 100, 0.95)  # Wilson 95% for 50/100: [0.4038, 0.5962]
    assert r.value == 0.5 and r.low == pytest.approx(0.40383, abs=1e-4) and r.high == pytest.approx(0.59617, abs=1e-4)
    edge = wilson(0, 20, 0.95)
    assert edge.low == 0.0 and 0.1 < (edge.high or 0) < 0.2
    assert wilson(0, 0, 0.95).value is None


def test_separation_of_duties_status() -> None:
    kw: dict[str, Any] = {"created_by": "alice", "authors": ("dora",), "artifact_digest": "sha256:aa"}
    assert separation_of_duties("carol", "sha256:aa", **kw) == "independent"
    assert separation_of_duties("alice", "sha256:aa", **kw).startswith("violation: the approver created")
    assert separation_of_duties("dora", "sha256:aa", **kw).startswith("violation: the approver authored")
    assert separation_of_duties("carol", "sha256:bb", **kw).startswith("not this artifact")


# ---- SVG -----------------------------------------------------------------------------------------------
def test_layers_are_longest_paths_and_cycles_do_not_hang() -> None:
    edges = [("a", "j1"), ("j1", "b"), ("b", "j2"), ("c", "j2"), ("j2", "m"), ("a", "j2")]
    assert layers(edges) == {"a": 0, "c": 0, "j1": 1, "b": 2, "j2": 3, "m": 4}
    assert set(layers([("x", "y"), ("y", "x")])) == {"x", "y"}


def test_lineage_svg_draws_every_node_and_edge() -> None:
    nodes = [
        LineageNode("dataset:ns:raw/applications", "dataset", "raw/applications", 0, ("PII",)),
        LineageNode("job:ns:train", "job", "train", 1),
        LineageNode("model:m@1", "model", "m 1", 2),
    ]
    edges = [("dataset:ns:raw/applications", "job:ns:train"), ("job:ns:train", "model:m@1")]
    svg = lineage_svg(nodes, edges)
    assert svg.startswith("<svg") and svg.count("<rect") == 3 and svg.count("<path") == 2 * len(edges)
    assert "raw/applications" in svg and "PII" in svg and "#fbecea" in svg  # sensitive data is highlighted
    assert lineage_svg([], []) == ""


def _rate(v: float | None) -> GroupRate:
    return GroupRate(v, None if v is None else v - 0.1, None if v is None else v + 0.1, 1, 2)


def test_rates_chart_places_points_and_whiskers_on_the_scale() -> None:
    from governance.reports.charts import LABEL_W, PANEL_GAP, PANELS, WIDTH, rates_legend, rates_svg

    groups = [
        GroupRow("sex=female", "female", 100, False, False, 0.5, _rate(0.5), _rate(0.25), _rate(None)),
        GroupRow("sex=male", "male", 120, True, False, 0.5, _rate(0.75), _rate(0.5), _rate(0.2)),
    ]
    svg = rates_svg(groups, 0.95)
    panel = (WIDTH - LABEL_W - PANEL_GAP * (len(PANELS) - 1)) / len(PANELS)
    dots = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert dots[:2] == [pytest.approx(LABEL_W + panel * 0.5, abs=0.1), pytest.approx(LABEL_W + panel * 0.75, abs=0.1)]
    assert "undefined" in svg and svg.count("<circle") == 5  # one dot per defined rate
    legend = rates_legend(groups, 0.95)
    assert "privileged" in legend and "95% Wilson" in legend and "small group" not in legend
    assert rates_svg([], 0.95) == "" and rates_legend([], 0.95) == ""


# ---- empty data ----------------------------------------------------------------------------------------
def _tables_without_rows(html: str) -> list[str]:
    bodies = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
    return [b for b in bodies if "<tr" not in b]


@pytest.fixture
def empty_store(sqlite_engine: Any) -> Any:
    return sqlite_engine


def test_every_section_renders_with_no_models(empty_store: Any, tmp_path: Path) -> None:
    from governance.reports.model import build_audit_model
    from governance.reports.render import render_audit_html, render_blocked_html, render_scorecard_html
    from governance.reports.service import blocked_report, scorecard_report
    from governance.store.db import session_scope

    period = parse_period("2026-10-01..2026-12-31", now=NOW)
    with session_scope(empty_store) as session:
        report = build_audit_model(session, model_glob="*", period=period, policy_dir=POLICIES, now=NOW)
        scorecard_report(session, model_glob="*", period=period, out=tmp_path / "s.json", fmt="json", now=NOW)
        blocked_report(session, model_glob="*", period=period, out=tmp_path / "b.csv", fmt="csv", now=NOW)
    assert report.meta.overall == "empty" and report.summary.versions == 0
    html = render_audit_html(report)
    for anchor in ("summary", "inventory", "versions", "blocked", "scorecard", "crosswalk", "appendix"):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    assert _tables_without_rows(html) == []
    assert "No model version is in scope" in html and "No deployment was blocked" in html
    assert "no signed checkpoint" in html
    meta = {
        "generated_at": NOW,
        "generated_by": "t",
        "tool_version": "0",
        "model_glob": "*",
        "policy_bundle_digest": None,
    }
    for other in (render_scorecard_html(report.scorecard, meta), render_blocked_html(report.blocked, meta)):
        assert _tables_without_rows(other) == []
    assert (tmp_path / "b.csv").read_text().splitlines() == [
        "seq,at,model,version,target,failing_policies,requested_by,ci,decision_id,digest,prev_digest,checkpointed,"
        "requester_kind,person_reported_by_pipeline,why,evidence,findings,remediation_owner,due_date,finding_status,"
        "waiver_or_override"
    ]
    assert '"models": []' in (tmp_path / "s.json").read_text()


def test_empty_report_renders_to_pdf_a3_with_its_results(empty_store: Any, tmp_path: Path) -> None:
    import json

    from governance.reports.service import audit_report
    from governance.signing.pdf import embedded_files
    from governance.store.db import session_scope

    period = parse_period("2026-10-01..2026-12-31", now=NOW)
    with session_scope(empty_store) as session:
        written = audit_report(
            session, model_glob="*", period=period, policy_dir=POLICIES, out=tmp_path / "a.pdf", now=NOW
        )
    data = written.path.read_bytes()
    files = {f.name: f for f in embedded_files(data)}
    results = json.loads(files["results.json"].data)
    assert files["results.json"].associated
    assert results["schema"] == "gov.audit-report/1" and results["versions"] == []
    assert results["policy_bundle"]["digest"].startswith("sha256:")
    assert results["meta"]["period"]["start"] == "2026-10-01T00:00:00Z"


# ---- layout ----------------------------------------------------------------------------------------------
def _overflow(html: str) -> list[str]:
    """Text, tables and cells that reach past the right edge of the page's content box."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    document = weasyprint.HTML(string=html).render()
    problems = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for box in page_box.descendants():
            if isinstance(box, boxes.TextBox | boxes.TableBox | boxes.TableCellBox) and box.width is not None:
                excess = box.position_x + box.margin_width() - right
                if excess > 0.5:
                    text = getattr(box, "text", "")[:40]
                    problems.append(f"page {number}: {type(box).__name__} {text!r} by {excess:.1f}px")
    return problems


def test_long_identifiers_wrap_inside_the_page(sqlite_engine: Any) -> None:
    from governance.approvals.records import approve
    from governance.demo import CREDIT_RUN, EXAMPLES
    from governance.gate.service import run_check
    from governance.lineage.ingest import ingest_paths
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.reports.model import build_audit_model
    from governance.reports.render import render_audit_html
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    name = "model-" + "x" * 150
    ingest_paths(sqlite_engine, [EXAMPLES])
    with session_scope(sqlite_engine) as session:
        register_model(session, name, owner="team:" + "o" * 90, risk_tier="critical", description="d" * 300)
        register_version(
            session,
            name,
            VersionSpec(
                version="v" * 100,
                artifact_uri="s3://bucket/" + "/".join(["segment" * 6] * 8),
                artifact_digest="sha256:" + "ab" * 32,
                created_by="alice",
                training_run_id=CREDIT_RUN,
            ),
        )
        approve(session, name, "v" * 100, "model-risk-officer", approver="approver-" + "q" * 80, comment="c" * 400)
    with session_scope(sqlite_engine) as session:
        run_check(session, name, "v" * 100, "production", policy_dir=POLICIES, requested_by="r" * 120, ci_env={})
    now = utcnow()
    with session_scope(sqlite_engine) as session:
        report = build_audit_model(
            session, model_glob="*", period=parse_period(None, now=now), policy_dir=POLICIES, now=now
        )
    html = render_audit_html(report)
    assert name in html
    problems = _overflow(html)
    assert problems == [], "\n".join(problems)


def test_chart_draws_the_four_fifths_line_with_alternative_text() -> None:
    from types import SimpleNamespace

    from governance.reports.charts import rates_legend, rates_svg
    from governance.reports.sections import threshold_lines

    groups = (
        GroupRow("sex=female", "female", 100, False, False, 0.5, _rate(0.4), _rate(0.5), _rate(0.2)),
        GroupRow("sex=male", "male", 120, True, False, 0.5, _rate(0.75), _rate(0.6), _rate(0.3)),
    )
    view = SimpleNamespace(groups=groups)
    rule = SimpleNamespace(metric="four_fifths.min_impact_ratio", low=0.8, high=None)
    (line,) = threshold_lines(view, "fairness.four-fifths", rule)  # type: ignore[arg-type]
    assert line.panel == "selection" and line.value == pytest.approx(0.6)
    svg = rates_svg(groups, 0.95, (line,))
    assert 'role="img"' in svg and "<title>" in svg and "0.8 × highest = 0.600" in svg
    assert "female: selection rate 0.400" in svg and "threshold fairness.four-fifths" in svg
    assert svg.count('stroke="#b3261e"') == 1 and "red line" in rates_legend(groups, 0.95, (line,))
    assert "#b3261e" not in rates_svg(groups, 0.95)  # no policy read the evaluation: no line


def test_waived_and_not_evaluated_items_are_listed_with_rationale_and_remediation() -> None:
    from types import SimpleNamespace

    from governance.reports.render import environment
    from governance.reports.sections import decision_view

    waiver = {"id": 7, "ticket": "RISK-1", "approver": "erin", "expires_at": "2027-01-31T00:00:00Z", "reason": "r"}
    verdicts = [
        {
            "policy_id": "evidence.stages",
            "verdict": "fail",
            "message": "auc low; not_evaluated: no evidence named 'schema*'",
            "details": ["fail: auc = 0.74, not >= 0.8", "not_evaluated: no evidence named 'schema*'", "pass: ok"],
            "rationale": "Why stages.",
            "remediation": "Log the schema check.",
        },
        {
            "policy_id": "fairness.parity",
            "verdict": "waived",
            "rule_verdict": "fail",
            "message": "waived by waiver 7 (RISK-1, until 2027-01-31T00:00:00Z): parity 0.2 > 0.1",
            "waiver": waiver,
            "rationale": "Why parity.",
            "remediation": "Retrain.",
        },
        {"policy_id": "ok.policy", "verdict": "pass", "message": "fine", "details": ["pass: fine"]},
    ]
    row = SimpleNamespace(
        id="d1", target="production", created_at=NOW, deployable=False, exit_code=1, requested_by="ci",
        bundle_digest="b", context_digest="c", ledger="appended", verdicts=verdicts, out_of_scope=[], findings=[],
    )  # fmt: skip
    d = decision_view(row)
    stages, parity, ok = d.verdicts
    assert [(i.status, i.text) for i in stages.items] == [
        ("fail", "auc = 0.74, not >= 0.8"),
        ("not_evaluated", "no evidence named 'schema*'"),
    ]
    assert [(i.status, i.text) for i in parity.items] == [("waived", "parity 0.2 > 0.1")] and ok.items == ()
    assert parity.applied_waiver is not None and parity.applied_waiver.approver == "erin"
    template = environment().get_template("audit/_version.html.j2")
    lineage = SimpleNamespace(status="missing", message="no run")
    v = SimpleNamespace(
        anchor="v", model="m", version="1", state="blocked", artifact_uri="s3://a", artifact_digest="sha256:a",
        created_at=NOW, created_by="a", status="ready", stage=None, aliases=(), decisions=(d,), earlier_decisions=0,
        fairness=(), approvals=(), waivers=(), lineage=lineage,
    )  # fmt: skip
    html = template.render(v=v, paged=False, first_version=True, section_no="3.1")
    verdicts, table = html.split("Item that did not pass", 1)
    # an item whose text the verdict's message already holds is not repeated; the others are listed
    assert "not_evaluated: no evidence named &#39;schema*&#39;" in verdicts and "schema" not in table
    assert "auc = 0.74, not &gt;= 0.8" in table
    assert "waiver 7 granted by erin (RISK-1), expires 2027-01-31T00:00:00Z" in table
    assert "ok.policy" not in table
    # why each policy exists and what to do: once per policy, in the policies table the version sections link to
    policies = environment().get_template("audit/_policies.html.j2").render(versions=[v])
    assert "Why stages." in policies and "Log the schema check." in policies and "Retrain." in policies
    assert 'id="policy-evidence.stages"' in policies and 'href="#policies"' in html
