"""The report signature is a certification signature (DocMDP, P=1 "no changes"): the catalog's /Perms
names it (read with pikepdf, a parser independent of pyHanko), `verify_report` reports it, poppler still
finds it valid and covering the whole file; any later change is then flagged."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from governance.signing.pdf import sign_pdf
from governance.signing.verify import verify_report
from tests.signing_helpers import Published, needs_pdfsig
from tests.signing_helpers import pdfsig as _pdfsig

pytest_plugins = ["tests.conftest_signing"]


def test_catalog_names_a_docmdp_certification_with_no_changes(report: Published) -> None:
    with pikepdf.open(io.BytesIO(report.pdf.read_bytes())) as pdf:
        perms = pdf.Root.Perms
        sig = perms.DocMDP
        assert sig.Type == "/Sig" and str(sig.SubFilter) == "/ETSI.CAdES.detached"
        [ref] = list(sig.Reference)
        assert ref.TransformMethod == "/DocMDP"
        assert int(ref.TransformParams.P) == 1  # no changes permitted
        # the certifying signature is the document's (only) signature field
        field = next(f for f in pdf.Root.AcroForm.Fields if str(f.get("/T")) == "GovSignature")
        assert field.V.objgen == sig.objgen


def test_verify_reports_the_certification(report: Published) -> None:
    result = verify_report(report.pdf, trust_roots=[report.cert])
    assert result.ok, result.checks
    assert result.certified == "NO_CHANGES"
    check = result.check("pdf_signature")
    assert check is not None and "certification signature (DocMDP NO_CHANGES)" in check.message


def test_approval_signature_is_still_possible(unsigned_pdf: bytes, ec_keys: tuple[object, Path]) -> None:
    signer, cert = ec_keys
    signed = sign_pdf(unsigned_pdf, signer, reason="r", location="l", signer_name="n", certify=False)  # type: ignore[arg-type]
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        assert "/Perms" not in pdf.Root


@needs_pdfsig
def test_pdfsig_accepts_the_certified_file(report: Published) -> None:
    out = _pdfsig(report.pdf)
    assert "Signature is Valid" in out and "Total document signed" in out
