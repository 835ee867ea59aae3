"""`gov demo`: the README's main job, run once into a temporary folder, then its outputs checked the way a
reader of the README would: the files are there, pdfsig and `gov verify` accept the signed report, and the
store holds what the demo says it did."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import time
from typing import Any

import pytest

from governance.demo import DemoResult, run_demo
from tests.helpers import gov

PDFSIG = shutil.which("pdfsig")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, float]:
    out = tmp_path_factory.mktemp("demo") / "out"
    lines: list[str] = []
    started = time.perf_counter()
    result = run_demo(out, echo=lines.append)
    return result, time.perf_counter() - started


def test_demo_writes_every_output_in_time(demo: tuple[DemoResult, float]) -> None:
    result, seconds = demo
    out = result.out_dir
    for name in (
        "audit-report.pdf",
        "audit-report.pdf.intoto.jsonl",
        "scorecard.pdf",
        "scorecard.pdf.intoto.jsonl",
        "scorecard.json",
        "blocked-register.pdf",
        "blocked-register.pdf.intoto.jsonl",
        "blocked-register.csv",
        "keys/signing-cert.pem",
        "demo.db",
    ):
        assert (out / name).is_file(), name
    assert seconds < 60
    assert result.verified == {"audit report": True, "scorecard": True, "blocked register": True}
    text = "\n".join(result.lines)
    assert f"gov verify {out / 'audit-report.pdf'} --trust-root {out / 'keys' / 'signing-cert.pem'}" in text
    assert f"pdfsig {out / 'audit-report.pdf'}" in text


@pytest.mark.skipif(PDFSIG is None, reason="pdfsig not installed (apt-get install poppler-utils)")
def test_pdfsig_accepts_the_signed_audit_report(demo: tuple[DemoResult, float]) -> None:
    result, _ = demo
    assert PDFSIG is not None
    done = subprocess.run(
        [PDFSIG, "-nocert", "-no-ocsp", str(result.out_dir / "audit-report.pdf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Signature is Valid" in done.stdout and "Total document signed" in done.stdout, done.stdout


def test_gov_verify_accepts_it_as_printed(demo: tuple[DemoResult, float]) -> None:
    result, _ = demo
    out = result.out_dir
    verified = gov("verify", str(out / "audit-report.pdf"), "--trust-root", str(out / "keys" / "signing-cert.pem"))
    assert verified.exit_code == 0, verified.output


def test_the_self_approval_is_refused(demo: tuple[DemoResult, float]) -> None:
    result, _ = demo
    assert result.outcomes["fraud-detector 7"] == "blocked"
    assert any(
        "bob tried to approve fraud-detector 7" in line and "refused: fraud-detector 7: bob created the version" in line
        for line in result.lines
    )
    card = json.loads((result.out_dir / "scorecard.json").read_text())
    fraud = next(m for m in card["models"] if m["model"] == "fraud-detector")
    f = next(c for c in fraud["criteria"] if c["key"] == "F")
    assert not any("bob" in e for e in f["evidence"])  # nothing recorded for bob


def test_the_blocked_register_holds_the_blocked_checks(demo: tuple[DemoResult, float]) -> None:
    result, _ = demo
    rows = list(csv.DictReader((result.out_dir / "blocked-register.csv").open()))
    blocked = {(r["model"], r["version"]) for r in rows}
    expected = {tuple(k.split(" ")) for k, v in result.outcomes.items() if v == "blocked"}
    assert blocked == expected and ("fraud-detector", "7") in blocked
    assert all(r["checkpointed"] == "yes" for r in rows)  # the demo signs a checkpoint after the checks


def test_audit_results_match_the_store(demo: tuple[DemoResult, float]) -> None:
    from governance.signing.pdf import embedded_files

    result, _ = demo
    files = {f.name: f.data for f in embedded_files((result.out_dir / "audit-report.pdf").read_bytes())}
    report: dict[str, Any] = json.loads(files["results.json"])
    states = {f"{v['model']} {v['version']}": v["state"] for v in report["versions"]}
    assert states == result.outcomes
    credit = next(v for v in report["versions"] if v["model"] == "credit-risk")
    assert {tuple(f["sensitive"]) for f in credit["fairness"]} == {("sex",), ("sex", "age_band")}
    assert credit["lineage"]["status"] == "known" and len(credit["lineage"]["nodes"]) >= 5
    assert [a["separation_of_duties"] for a in credit["approvals"]] == ["independent", "independent"]


def test_credit_risk_is_deployable_but_not_monitored(demo: tuple[DemoResult, float]) -> None:
    """credit-risk 3 passes the gate, but the demo holds no evidence from after its deployment: its only
    drift check ran before it, so the monitoring criterion (D) is missed and it stays at level 1
    (it was level 3 while training recency and pre-deployment checks counted as monitoring)."""
    result, _ = demo
    assert result.outcomes["credit-risk 3"] == "deployable", "\n".join(result.lines)
    card = json.loads((result.out_dir / "scorecard.json").read_text())
    levels = {m["model"]: m["level"] for m in card["models"]}
    assert levels == {"credit-risk": 1, "fraud-detector": 1}
    credit = next(m for m in card["models"] if m["model"] == "credit-risk")
    monitoring = next(c for c in credit["criteria"] if c["key"] == "D")
    assert monitoring["met"] is False
    assert any("entered production" in line for line in monitoring["evidence"])
    assert card["organisation"]["level"] == 1 and card["organisation"]["minimum"] == 1
