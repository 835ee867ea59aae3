"""A long audit report rendered in parts on two cores reads as the one-process render does: every
footer says "Page i of N", the table of contents and its links lead to the right pages, the outline
is the same, the results are embedded, and the signed file verifies. A failing part falls back."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from governance.reports.pdf import Attachment, PdfMetadata, render_pdf
from governance.signing.pdf import embedded_files

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
VERSIONS = 14


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bytes]:
    """The audit report HTML of a store with 14 versions (bench/report.py's seeding), and its results."""
    from bench.report import POLICIES, seed
    from governance.period import parse_period
    from governance.reports.model import build_audit_model
    from governance.reports.render import render_audit_html
    from governance.store.db import make_engine, session_scope
    from governance.timeutil import utcnow

    url = f"sqlite:///{tmp_path_factory.mktemp('parts') / 'gov.db'}"
    seed(url, VERSIONS)
    engine = make_engine(url)
    now = utcnow()
    with session_scope(engine) as session:
        report = build_audit_model(
            session, model_glob="*", period=parse_period(None, now=now), policy_dir=POLICIES, now=now
        )
    engine.dispose()
    return render_audit_html(report), report.to_json()


def _render(html: str, results: bytes, parts: bool) -> bytes:
    return render_pdf(
        html,
        base_url=None,
        metadata=PdfMetadata(title="parts"),
        parts=parts,
        attachments=[Attachment("results.json", results)],
    )


def _pages(pdf: bytes, tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / name
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")[:-1]


def _outline(pdf: bytes) -> list[Any]:
    import pikepdf

    def walk(items: Any) -> list[Any]:
        return [(item.title, walk(item.children)) for item in items]

    with pikepdf.open(io.BytesIO(pdf)) as doc, doc.open_outline() as outline:
        return walk(outline.root)


def test_parts_read_like_one_document(
    report_html: tuple[str, bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import pikepdf

    html, results = report_html
    with caplog.at_level(logging.INFO, logger="governance.signing"):
        parts = _render(html, results, parts=True)
    assert any("rendered in parts" in r.getMessage() for r in caplog.records)  # not the fallback
    whole = _render(html, results, parts=False)
    pages = _pages(parts, tmp_path, "parts.pdf")
    total = len(pages)
    assert [i for i, text in enumerate(pages, 1) if f"Page {i} of {total}" not in text] == []
    assert abs(total - len(_pages(whole, tmp_path, "whole.pdf"))) <= 1  # a part starts on a new page

    toc = "\n".join(p for p in pages[1:4] if "Contents" in p.lstrip().split("\n", 1)[0])  # running header
    entries = re.findall(r"^\s*(\d+(?:\.\d+)?) (.+?)(?: ?\.{3,}[ .]*| {2,})(\d+)\s*$", toc, re.M)  # page right
    assert len(entries) == 10 + 1 + VERSIONS  # 10 chapters (issue 15: findings, sign-off, glossary), 3.0 policies
    misplaced = [
        (num, int(page)) for num, title, page in entries if f"{num} {title.split(' (')[0]}" not in pages[int(page) - 1]
    ]
    assert misplaced == []

    with pikepdf.open(io.BytesIO(parts)) as doc:
        dests = {str(k): v for k, v in pikepdf.NameTree(doc.Root.Names.Dests).items()}
        index = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
        for version in re.findall(r'<section class="version[^"]*" id="([^"]+)"', html):
            title = re.search(rf'id="{version}">.*?<h1[^>]*>([^<]+)', html, re.S)
            page = index[dests[version][0].objgen]
            assert title is not None and title.group(1).strip() in pages[page]
        links = [
            annot.Dest
            for page in doc.pages[:4]
            for annot in page.obj.get("/Annots", [])
            if annot.get("/Subtype") == "/Link" and "/Dest" in annot
        ]
        assert len(links) >= 7 + VERSIONS and all(str(d) in dests for d in links)
    assert _outline(parts) == _outline(whole)
    [embedded] = embedded_files(parts)
    assert (embedded.name, json.loads(embedded.data)) == ("results.json", json.loads(results))
    assert embedded.associated


def _fails(conn: Any, html: str, render_one: Any) -> None:
    conn.send(("failed", "RuntimeError: out of memory"))
    conn.close()


def _dies(conn: Any, html: str, render_one: Any) -> None:
    os._exit(9)  # killed: the parent sees the pipe close


@pytest.mark.parametrize(("child", "reason"), [(_fails, "out of memory"), (_dies, "EOFError")])
def test_a_failing_part_falls_back_to_one_process(
    report_html: tuple[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    child: Any,
    reason: str,
) -> None:
    from governance.reports import parallel_pdf

    monkeypatch.setattr(parallel_pdf, "_child", child)
    html, results = report_html
    with caplog.at_level(logging.WARNING, logger="governance.signing"):
        pdf = _render(html, results, parts=True)
    assert any("rendering in one process" in r.getMessage() and reason in r.getMessage() for r in caplog.records)
    pages = _pages(pdf, tmp_path, "fallback.pdf")
    assert all(f"Page {i} of {len(pages)}" in text for i, text in enumerate(pages, 1))


def test_only_long_marked_documents_in_a_single_thread_are_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from governance.reports.parallel_pdf import CONTENT, SPLIT, parallel_allowed, plan_parts

    head = "<html><head></head><body><div>running</div>" + CONTENT + "<p>front</p>"
    sections = [SPLIT + f"<section>{'x' * (i + 1) * 10}</section>" for i in range(12)]
    plan = plan_parts(head + "".join(sections) + "</body></html>")
    assert plan is not None and plan.front == "<p>front</p>"
    assert abs(len(plan.parts[0]) - len(plan.parts[1])) < 200 and plan.parts[0] and plan.parts[1]
    assert plan_parts(head + "".join(sections[:11]) + "</body></html>") is None  # short: one process
    assert plan_parts("<html><body>" + "".join(sections) + "</body></html>") is None  # not marked
    monkeypatch.setenv("GOV_RENDER_PARTS", "0")
    assert not parallel_allowed()
    monkeypatch.setenv("GOV_RENDER_PARTS", "1")
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not parallel_allowed()  # forking beside other threads is not safe
    finally:
        stop.set()
        worker.join()
