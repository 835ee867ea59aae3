"""The audit report a validator signs (issue 15), on the demo store: page 1 answers the questions, the
conclusion per version, the findings register follows `gov finding assign|resolve`, the glossary lists only
the metrics shown, no local path reaches the PDF, and the PDF is tagged (structure tree, /Alt on figures)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from governance.reports.conclusion import conclude, glossary, glossary_key
from governance.reports.model import FindingRow

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
LOCAL = ("/work", "/tmp", "/home", str(Path.home()))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from governance.demo import run_demo

    out = tmp_path_factory.mktemp("demo") / "out"
    return run_demo(out, echo=lambda _line: None)


def _text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _cli(demo: Any, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    from tests.helpers import gov

    monkeypatch.setenv("GOV_DATABASE_URL", demo.database_url)
    result = gov(*args)
    assert result.exit_code == 0, result.output
    return result


def test_page_one_names_each_version_verdict_reasons_findings_and_conclusion(demo: Any) -> None:
    page1 = " ".join(_text(demo.files["audit report"], 1).split())
    results = json.loads(_results(demo))
    assert results["versions"], "the demo has versions in scope"
    for v in results["versions"]:
        assert f"{v['model']} {v['version']}" in page1 or f"{v['model']}{v['version']}" in page1.replace(" ", "")
        c = v["conclusion"]
        assert c["text"].upper() in page1.upper()
        counts = c["findings"]
        assert f"{counts['critical']}/{counts['high']}/{counts['medium']}/{counts['low']}" in page1
        for title in c["failing"][:1]:  # the first failing policy, in words
            assert " ".join(title.split()[:4]) in page1
    states = {v["state"] for v in results["versions"]}
    for state in states - {"not_evaluated"}:
        assert state.upper() in page1.upper()
    assert "Validator" in page1


def _results(demo: Any) -> str:
    from governance.signing.pdf import embedded_files

    data = Path(demo.files["audit report"]).read_bytes()
    return next(f.data for f in embedded_files(data) if f.name == "results.json").decode()


def test_no_local_filesystem_path_in_the_pdf_text(demo: Any) -> None:
    for name in ("audit report", "blocked register", "scorecard"):
        text = _text(demo.files[name])
        hits = [line for line in text.splitlines() if any(p in line for p in LOCAL)]
        assert not hits, (name, hits[:3])


def test_the_pdf_is_tagged_with_alt_text_on_every_figure_and_shows_its_title(demo: Any) -> None:
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(Path(demo.files["audit report"]).read_bytes()))
    root = pdf.Root
    assert "/StructTreeRoot" in root and bool(root.MarkInfo.Marked)
    assert bool(root.ViewerPreferences.DisplayDocTitle)
    figures: list[Any] = []

    def walk(node: Any, depth: int = 0) -> None:
        if depth > 60 or not isinstance(node, pikepdf.Dictionary):
            return
        if node.get("/S") == pikepdf.Name.Figure:
            figures.append(node)
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            walk(kid, depth + 1)

    walk(root.StructTreeRoot)
    assert figures, "the demo report has charts"
    assert all(str(f.get("/Alt", "")).strip() for f in figures)


def test_glossary_lists_only_the_metrics_shown(demo: Any) -> None:
    results = json.loads(_results(demo))
    shown: set[str] = set()
    for v in results["versions"]:
        table = [
            r
            for r in v["stages"]
            if r["subject"] is None or r["policy_id"] or (r["metric"], r["value"]) == ("drift", 1)
        ]
        shown |= {r["metric"] for r in table} | {t["metric"] for t in v["trends"]}
        shown |= {m["key"] for f in v["fairness"] for m in f["metrics"] if m["headline"]}
        if any(r["kind"] == "abtest" for r in v["stages"]):
            shown |= {"srm", "power", "mde", "lift"}
    keys = {g["key"] for g in results["glossary"]}
    assert keys == {glossary_key(m) for m in shown} - {None}
    assert "fairlearn.demographic_parity_difference" in keys
    if "wasserstein" not in shown:
        assert "wasserstein" not in keys
    assert [g.key for g in glossary(["auc", "auc.delta", "psi", "nonsense"])] == ["auc", "psi"]


def test_a_finding_assigned_and_resolved_through_the_cli_shows_so_in_the_next_report(
    demo: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows = json.loads(_cli(demo, monkeypatch, "finding", "list", "--status", "open", "--format", "json").stdout)
    target = rows[-1]
    ref = str(target["id"]) if str(target["id"]).startswith("F-") else f"F-{int(target['id']):06d}"
    _cli(demo, monkeypatch, "finding", "assign", ref, "--owner", "quinn", "--due", "2027-02-01", "--as", "mallory")
    html = tmp_path / "after-assign.html"
    _cli(demo, monkeypatch, "report", "audit", "--format", "html", "-o", str(html), "--validator", "Vera Validator")
    row = _register_row(html.read_text(), ref)
    assert "quinn" in row and "2027-02-01" in row and "b-open" in row
    assert "Vera Validator" in html.read_text()

    evidence_id = _new_evidence(demo, target["model"], target["version"])
    _cli(
        demo,
        monkeypatch,
        "finding",
        "resolve",
        ref,
        "--evidence",
        f"stage_evidence:{evidence_id}",
        "--note",
        "load test rerun",
        "--as",
        "quinn",
    )
    _cli(demo, monkeypatch, "report", "audit", "--format", "html", "-o", str(html))
    row = _register_row(html.read_text(), ref).replace("<wbr>", "")
    assert "b-closed" in row and f"stage_evidence:{evidence_id}" in row and "quinn" in row and "load test rerun" in row


def _new_evidence(demo: Any, model: str, version: str) -> int:
    from governance.evidence.stage import Measurement, StageResult
    from governance.evidence.stage_store import store_stage_result
    from governance.store.db import make_engine, session_scope

    result = StageResult(
        kind="operational",
        measurements=(Measurement("error_rate", 0.001, higher_is_better=False),),
        summary={},
        row_count=1000,
        data_digest="sha256:" + "ab" * 32,
        digest_scope="reported",
        data_source="load-test",
        source="k6",
        tool_version="0.50",
    )
    engine = make_engine(demo.database_url)
    try:
        with session_scope(engine) as session:
            return store_stage_result(session, model, version, result, submitted_by="quinn")
    finally:
        engine.dispose()


def _register_row(html: str, ref: str) -> str:
    section = html.split('id="findings"', 1)[1].split("</section>", 1)[0]
    return next(tr for tr in section.split("<tr>") if ref in tr)


def _f(sev: str, status: str = "open", ref: str = "F-000001") -> FindingRow:
    return FindingRow(ref, "m", "1", "production", sev, "t", "fail", status, None, None, False, None)


class _V:
    def __init__(self, verdict: str, blocking: bool = False, mode: str = "enforce") -> None:
        self.policy_id, self.title, self.verdict, self.blocking, self.mode = "p.x", "P x", verdict, blocking, mode
        self.applied_waiver = None


class _D:
    def __init__(self, *verdicts: _V) -> None:
        self.target, self.verdicts = "production", verdicts


def test_conclusion_rules() -> None:
    assert conclude([], [], []).level == "not_fit"  # never checked: nothing passes
    assert conclude([_D(_V("pass"))], [], []).level == "fit"
    assert conclude([_D(_V("fail", blocking=True))], [], []).level == "not_fit"
    assert conclude([_D(_V("pass"))], [_f("high")], []).level == "not_fit"
    assert conclude([_D(_V("pass"))], [_f("high", "accepted")], []).level == "fit_with_conditions"
    assert conclude([_D(_V("pass"))], [_f("medium")], []).level == "fit_with_conditions"
    assert conclude([_D(_V("pass"))], [_f("low")], []).level == "fit"
    assert conclude([_D(_V("waived"))], [], []).level == "fit_with_conditions"
    assert conclude([_D(_V("inconclusive"))], [], []).level == "fit_with_conditions"
    assert conclude([_D(_V("warn", mode="audit"))], [], []).level == "fit_with_conditions"
    c = conclude([_D(_V("fail", blocking=True))], [_f("critical")], [])
    assert c.failing == ("P x",) and c.findings["critical"] == 1 and len(c.reasons) == 2
