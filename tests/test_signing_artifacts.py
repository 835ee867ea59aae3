"""What signing produces: the PDF/A-3 report with its results as an associated file, the PAdES
signature (fast enough), and the DSSE/in-toto attestation; cross-checked with poppler's pdfinfo/pdfdetach."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from governance.signing.attest import PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, pae, read_attestations
from governance.signing.keys import Signer, verify_bytes
from governance.signing.pdf import embedded_files, sign_pdf
from tests.signing_helpers import POLICY_DIGEST, Published

pytest_plugins = ["tests.conftest_signing"]


# --------------------------------------------------------------------------- DSSE / in-toto


def test_pae_matches_dsse_spec() -> None:
    # The DSSE protocol document's example.
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    assert pae("t\u00e9", b"") == "DSSEv1 3 t\u00e9 0 ".encode()  # lengths count bytes, not chars


def test_attestation_subjects_are_file_digests(report: Published) -> None:
    [envelope] = read_attestations(report.attestation)
    assert envelope["payloadType"] == PAYLOAD_TYPE
    assert envelope["signatures"][0]["keyid"] == report.signer.keyid
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == STATEMENT_TYPE
    assert statement["predicateType"] == PREDICATE_TYPE
    digests = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    embedded = {f.name: f.data for f in embedded_files(report.pdf.read_bytes())}
    assert digests == {
        "report.pdf": hashlib.sha256(report.pdf.read_bytes()).hexdigest(),
        "results.json": hashlib.sha256(embedded["results.json"]).hexdigest(),
        "policy-bundle": POLICY_DIGEST.removeprefix("sha256:"),
    }
    assert embedded["results.json"] == report.results
    import governance

    assert statement["predicate"]["tool"]["version"] == governance.__version__
    sig = base64.b64decode(envelope["signatures"][0]["sig"])
    assert verify_bytes(report.signer.certificate, pae(PAYLOAD_TYPE, base64.b64decode(envelope["payload"])), sig)


# --------------------------------------------------------------------------- PDF/A-3 and signing


def test_results_are_a_pdfa3_associated_file(report: Published) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    with report.pdf.open("rb") as fh:
        root = PdfFileReader(fh).root
        assert len(root["/AF"]) == 1  # WeasyPrint lists it twice; the finisher dedupes
        assert "/Version" not in root  # still PDF 1.7 (no ISO 32002 bump to 2.0)
    [f] = embedded_files(report.pdf.read_bytes())
    assert (f.name, f.media_type, f.relationship, f.associated) == (
        "results.json",
        "application/json",
        "Data",
        True,
    )


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo not installed (poppler-utils)")
def test_pdfinfo_reports_pdfa3b_metadata_after_signing(report: Published) -> None:
    info = subprocess.run(["pdfinfo", str(report.pdf)], capture_output=True, text=True, check=True).stdout
    meta = subprocess.run(["pdfinfo", "-meta", str(report.pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"PDF version:\s+1\.7", info)  # PDF/A-3 is PDF 1.7; signing must not bump it
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta
    # PDF/A: Info dictionary and XMP must agree.
    producer = re.search(r"Producer:\s+(.*)", info)
    assert producer and f'pdf:Producer="{producer.group(1).strip()}"' in meta
    assert "Audit report: credit-risk v3" in meta


@pytest.mark.skipif(shutil.which("pdfdetach") is None, reason="pdfdetach not installed (poppler-utils)")
def test_pdfdetach_lists_results(report: Published, tmp_path: Path) -> None:
    listing = subprocess.run(["pdfdetach", "-list", str(report.pdf)], capture_output=True, text=True).stdout
    assert "results.json" in listing
    out = tmp_path / "extracted.json"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(out), str(report.pdf)], check=True)
    assert out.read_bytes() == report.results


def test_signing_is_fast(unsigned_pdf: bytes, ec_keys: tuple[Signer, Path]) -> None:
    """Warm signing is cheap (bench/report.py: ~0.03 s), so a per-call cost an order of magnitude worse
    fails. Measured in this process's CPU time, not wall time: signing is pure Python in this process, and
    other processes loading the machine cannot fail the test (the speed itself is the benchmark's)."""
    signer = ec_keys[0]
    sign_pdf(unsigned_pdf, signer, reason="warm-up", location="t", signer_name="t")
    start = time.process_time()
    sign_pdf(unsigned_pdf, signer, reason="timed", location="t", signer_name="t")
    assert time.process_time() - start <= 0.5
