"""Offline verification of a signed report (`verify_report`): a good report passes every check, and each
kind of tampering (flipped byte, swapped results, edited or foreign attestation, policy bundle mismatch,
appended revision) fails the right checks; cross-checked with poppler's pdfsig."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from governance.errors import ConfigError, InputError
from governance.signing.attest import attest_report, default_attestation_path, read_attestations, write_attestation
from governance.signing.keys import init_keys, load_signer
from governance.signing.verify import verify_report
from tests.signing_helpers import CERTUTIL, PDFSIG, POLICY_DIGEST, Published, needs_pdfsig
from tests.signing_helpers import failed_checks as _failed
from tests.signing_helpers import key_paths as _paths
from tests.signing_helpers import nss_db as _nss_db
from tests.signing_helpers import pdfsig as _pdfsig
from tests.signing_helpers import publish as _publish
from tests.signing_helpers import render as _render
from tests.signing_helpers import results_json as _results

pytest_plugins = ["tests.conftest_signing"]


# --------------------------------------------------------------------------- verification


def test_verify_report_passes(report: Published) -> None:
    result = verify_report(report.pdf, trust_roots=[report.cert])
    assert result.ok, [c for c in result.checks if not c.passed]
    assert [c.name for c in result.checks] == [
        "pdf_signature",
        "coverage",
        "trust",
        "attestation",
        "subject_pdf",
        "subject_results",
        "policy_bundle",
    ]
    assert result.to_dict()["ok"] is True


def test_untrusted_root_fails_only_trust(report: Published, tmp_path: Path) -> None:
    stranger = init_keys(tmp_path)
    assert _failed(verify_report(report.pdf, trust_roots=[stranger.cert])) == {"trust"}
    assert _failed(verify_report(report.pdf, trust_roots=[])) == {"trust"}


@needs_pdfsig
def test_pdfsig_accepts_signature(report: Published) -> None:
    out = _pdfsig(report.pdf)
    assert "Signature is Valid" in out, out
    assert "Total document signed" in out
    assert "ETSI.CAdES.detached" in out


@needs_pdfsig
@pytest.mark.skipif(CERTUTIL is None, reason="certutil not installed (apt-get install libnss3-tools)")
def test_pdfsig_trusts_certificate_only_as_trust_root(report: Published, tmp_path: Path) -> None:
    untrusted = _pdfsig(report.pdf, _nss_db(tmp_path / "empty", None))
    assert "Signature is Valid" in untrusted
    assert "Certificate is Trusted" not in untrusted
    trusted = _pdfsig(report.pdf, _nss_db(tmp_path / "trusted", report.cert))
    assert "Signature is Valid" in trusted
    assert "Certificate is Trusted" in trusted, trusted


@pytest.mark.parametrize("where", ["header", "first_stream", "signature_dict"])
def test_flipped_byte_is_detected(report: Published, tmp_path: Path, where: str) -> None:
    data = bytearray(report.pdf.read_bytes())
    pos = {
        "header": 10,  # the binary comment on line 2
        "first_stream": data.index(b"stream\n") + 12,  # inside the first revision's content
        "signature_dict": data.index(b"/Reason (") + 10,  # signed part of the signature dictionary
    }[where]
    data[pos] ^= 0x01
    tampered = tmp_path / "report.pdf"
    tampered.write_bytes(bytes(data))
    shutil.copy(report.attestation, default_attestation_path(tampered))
    result = verify_report(tampered, trust_roots=[report.cert])
    assert not result.ok
    assert {"pdf_signature", "subject_pdf"} <= _failed(result)
    if PDFSIG is not None:
        out = _pdfsig(tampered)
        assert "Signature is Valid" not in out
        assert "Digest Mismatch" in out, out


def test_swapped_embedded_results_are_detected(report: Published, tmp_path: Path) -> None:
    # A different report (other verdict), properly signed with the same trusted key,
    # presented with the original attestation.
    forged_results = _results(verdict="fail")
    forged = _publish(tmp_path, report.signer, report.cert, _render(forged_results), forged_results)
    shutil.copy(report.attestation, forged.attestation)
    failed = _failed(verify_report(forged.pdf, trust_roots=[report.cert]))
    assert failed == {"subject_pdf", "subject_results"}


def test_swapped_attested_results_are_detected(report: Published, tmp_path: Path) -> None:
    # Attestation re-issued (validly signed) for other results; the PDF is the original.
    pdf = _reattested(report, tmp_path, results=_results(verdict="fail"), policy_digest=POLICY_DIGEST)
    assert _failed(verify_report(pdf, trust_roots=[report.cert])) == {"subject_results"}


def test_edited_attestation_fails_dsse(report: Published, tmp_path: Path) -> None:
    [envelope] = read_attestations(report.attestation)
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["subject"][1]["digest"]["sha256"] = "0" * 64
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    att = tmp_path / "edited.intoto.jsonl"
    write_attestation(envelope, att)
    result = verify_report(report.pdf, trust_roots=[report.cert], attestation_path=att)
    assert "DSSE signature does not verify" in result.check("attestation").message  # type: ignore[union-attr]
    assert not result.ok


def test_attestation_by_another_key_fails(report: Published, tmp_path: Path) -> None:
    other = load_signer(*_paths(init_keys(tmp_path / "k")))
    envelope = attest_report(
        report.pdf.read_bytes(),
        pdf_name="report.pdf",
        results_json=report.results,
        results_name="results.json",
        policy_bundle_sha256=POLICY_DIGEST,
        signer=other,
    )
    att = write_attestation(envelope, tmp_path / "other.intoto.jsonl")
    result = verify_report(report.pdf, trust_roots=[report.cert], attestation_path=att)
    assert "attestation" in _failed(result)


def test_policy_bundle_mismatch_is_detected(report: Published, tmp_path: Path) -> None:
    pdf = _reattested(report, tmp_path, results=report.results, policy_digest="sha256:" + "1" * 64)
    assert _failed(verify_report(pdf, trust_roots=[report.cert])) == {"policy_bundle"}


def _reattested(report: Published, tmp_path: Path, *, results: bytes, policy_digest: str) -> Path:
    """A copy of the signed report whose attestation is re-issued (validly signed) for these inputs."""
    pdf = tmp_path / "report.pdf"
    shutil.copy(report.pdf, pdf)
    envelope = attest_report(
        pdf.read_bytes(),
        pdf_name=pdf.name,
        results_json=results,
        results_name="results.json",
        policy_bundle_sha256=policy_digest,
        signer=report.signer,
    )
    write_attestation(envelope, default_attestation_path(pdf))
    return pdf


def test_missing_attestation_fails_checks(report: Published, tmp_path: Path) -> None:
    pdf = tmp_path / "alone.pdf"
    shutil.copy(report.pdf, pdf)
    result = verify_report(pdf, trust_roots=[report.cert])
    assert _failed(result) == {"attestation", "subject_pdf", "subject_results", "policy_bundle"}
    with pytest.raises(InputError):
        verify_report(pdf, trust_roots=[report.cert], attestation_path=tmp_path / "nope.jsonl")


def test_rsa_signature_verifies(tmp_path: Path, unsigned_pdf: bytes) -> None:
    paths = init_keys(tmp_path / "rsa", algorithm="rsa")
    signer = load_signer(paths.key, paths.cert)
    pub = _publish(tmp_path / "out", signer, paths.cert, unsigned_pdf, _results())
    result = verify_report(pub.pdf, trust_roots=[paths.cert])
    assert result.ok, result.checks
    if PDFSIG is not None:
        assert "Signature is Valid" in _pdfsig(pub.pdf)


def test_unsigned_pdf_fails_and_non_pdf_is_input_error(unsigned_pdf: bytes, tmp_path: Path, report: Published) -> None:
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(unsigned_pdf)
    assert {"pdf_signature", "coverage", "trust"} <= _failed(verify_report(plain, trust_roots=[report.cert]))
    text = tmp_path / "notes.pdf"
    text.write_text("hello")
    with pytest.raises(InputError, match="not a PDF"):
        verify_report(text, trust_roots=[report.cert])
    with pytest.raises(InputError, match="cannot read"):
        verify_report(tmp_path / "missing.pdf", trust_roots=[report.cert])
    with pytest.raises(ConfigError):
        verify_report(report.pdf, trust_roots=[text])


def test_appended_revision_breaks_coverage(report: Published, tmp_path: Path) -> None:
    # An incremental update after signing (here: changing the title) must fail `coverage`.
    from io import BytesIO

    from pyhanko.pdf_utils.generic import pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(report.pdf.read_bytes()))
    info = writer.trailer["/Info"]
    info["/Title"] = pdf_string("edited")
    writer.update_container(info)
    out = BytesIO()
    writer.write(out)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(out.getvalue())
    shutil.copy(report.attestation, default_attestation_path(pdf))
    failed = _failed(verify_report(pdf, trust_roots=[report.cert]))
    assert {"coverage", "subject_pdf"} <= failed
    assert "pdf_signature" not in failed  # the signed revision itself is untouched
