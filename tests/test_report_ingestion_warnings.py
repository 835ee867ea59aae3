"""The audit report counts the format warnings of the lineage received in its period, per producer.

Real Spark and Flink integration events (tests/data/openlineage/producers, see tests/data/SOURCES.md)
ingest with warnings; the report's appendix and its results.json count them per producer.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from governance.lineage.ingest import ingest_paths
from governance.period import Period
from governance.timeutil import utcnow
from tests.conftest import data_path
from tests.helpers import gov

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO / "policies" / "default"


def _build(engine: Engine, period: Period) -> Any:
    from governance.reports.model import build_audit_model
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        return build_audit_model(session, model_glob="*", period=period, policy_dir=POLICIES)


def test_the_appendix_and_results_count_warnings_per_producer(sqlite_engine: Engine, monkeypatch: Any) -> None:
    from governance.reports.render import render_audit_html

    folder = data_path("openlineage", "producers")
    ingest = ingest_paths(sqlite_engine, [folder], workers=1)
    assert (len(ingest.rejected), ingest.warnings, ingest.warned_events) == (0, 4, 4)
    now = utcnow()
    report = _build(sqlite_engine, Period(now - timedelta(days=1), now + timedelta(days=1)))
    counts = {(w.producer, w.warnings, w.events) for w in report.ingestion_warnings}
    producers = {p for p, _, _ in counts}
    assert sum(n for _, n, _ in counts) == 4 and sum(e for _, _, e in counts) == 4
    assert any("integration/spark" in p for p in producers) and any("integration/flink" in p for p in producers)
    assert [w.warnings for w in report.ingestion_warnings] == sorted(
        (w.warnings for w in report.ingestion_warnings), reverse=True
    )
    results = json.loads(report.to_json())
    assert {(w["producer"], w["warnings"], w["events"]) for w in results["ingestion_warnings"]} == counts
    html = render_audit_html(report)
    section = html[html.index('id="ingestion-warnings"') :]
    for producer, warnings, events in counts:
        assert producer in section
        assert f'<td class="num">{warnings}</td><td class="num">{events}</td>' in section
    assert "No lineage event received in the period carried a format warning" not in html

    # A period that ended before the events were received counts none of them.
    earlier = _build(sqlite_engine, Period(now - timedelta(days=10), now - timedelta(days=5)))
    assert earlier.ingestion_warnings == ()
    assert json.loads(earlier.to_json())["ingestion_warnings"] == []
    assert "No lineage event received in the period carried a format warning" in render_audit_html(earlier)

    # The CLI's JSON is the same results document.
    monkeypatch.setenv("GOV_POLICY_DIR", str(POLICIES))
    day = now.date()
    cli = gov("report", "audit", "--format", "json", "--period", f"{day - timedelta(days=1)}..{day}")
    assert cli.exit_code == 0, cli.output
    assert {(w["producer"], w["warnings"], w["events"]) for w in json.loads(cli.stdout)["ingestion_warnings"]} == (
        counts
    )
