"""Signing layer: keys, PDF/A-3 rendering with embedded results, PAdES signing, DSSE/in-toto
attestation, offline verification, and cross-checks with poppler's pdfsig/pdfinfo/pdfdetach."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from governance.errors import ConfigError, InputError
from governance.signing.attest import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    attest_report,
    default_attestation_path,
    pae,
    read_attestations,
    write_attestation,
)
from governance.signing.keys import (
    Signer,
    default_key_dir,
    init_keys,
    load_pkcs12,
    load_signer,
    sign_bytes,
    verify_bytes,
)
from governance.signing.pdf import Attachment, PdfMetadata, embedded_files, render_pdf, sign_pdf
from governance.signing.verify import verify_report

POLICY_DIGEST = "sha256:" + hashlib.sha256(b"policy bundle v1").hexdigest()
HTML = """<!doctype html><html lang="en"><head><title>Audit</title>
<style>body { font-family: sans-serif; } h1 { color: #234; }</style></head>
<body><h1>Model audit report</h1><p>Model <b>credit-risk</b> v3: all policies passed.</p></body></html>"""

PDFSIG = shutil.which("pdfsig")
CERTUTIL = shutil.which("certutil")
needs_pdfsig = pytest.mark.skipif(
    PDFSIG is None, reason="pdfsig not installed (apt-get install poppler-utils)"
)


def _results(policy_digest: str = POLICY_DIGEST, verdict: str = "pass") -> bytes:
    doc = {
        "model": "credit-risk",
        "version": 3,
        "verdict": verdict,
        "policy_bundle": {"digest": policy_digest},
    }
    return json.dumps(doc, indent=2).encode()


def _render(results: bytes) -> bytes:
    return render_pdf(
        HTML,
        base_url=None,
        attachments=[Attachment(name="results.json", data=results, description="Evaluation results")],
        metadata=PdfMetadata(title="Audit report: credit-risk v3", author="gov tests"),
    )


@dataclass
class Published:
    pdf: Path
    attestation: Path
    results: bytes
    cert: Path
    signer: Signer


def _publish(folder: Path, signer: Signer, cert: Path, unsigned: bytes, results: bytes) -> Published:
    folder.mkdir(parents=True, exist_ok=True)
    signed = sign_pdf(unsigned, signer, reason="audit", location="test", signer_name="gov tests")
    pdf = folder / "report.pdf"
    pdf.write_bytes(signed)
    envelope = attest_report(
        signed,
        pdf_name=pdf.name,
        results_json=results,
        results_name="results.json",
        policy_bundle_sha256=POLICY_DIGEST,
        signer=signer,
    )
    att = write_attestation(envelope, default_attestation_path(pdf))
    return Published(pdf=pdf, attestation=att, results=results, cert=cert, signer=signer)


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return _render(_results())


@pytest.fixture(scope="module")
def ec_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Signer, Path]:
    paths = init_keys(tmp_path_factory.mktemp("eckeys"), algorithm="ecdsa", organization="Gov Tests")
    return load_signer(paths.key, paths.cert), paths.cert


@pytest.fixture(scope="module")
def report(
    tmp_path_factory: pytest.TempPathFactory, unsigned_pdf: bytes, ec_keys: tuple[Signer, Path]
) -> Published:
    signer, cert = ec_keys
    return _publish(tmp_path_factory.mktemp("report"), signer, cert, unsigned_pdf, _results())


def _pdfsig(pdf: Path, nssdir: Path | None = None) -> str:
    assert PDFSIG is not None
    args = [PDFSIG, "-no-ocsp"]
    args += ["-nssdir", f"sql:{nssdir}"] if nssdir is not None else ["-nocert"]
    out = subprocess.run([*args, str(pdf)], capture_output=True, text=True, timeout=60)
    return out.stdout + out.stderr


def _nss_db(folder: Path, trusted_cert: Path | None) -> Path:
    assert CERTUTIL is not None
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [CERTUTIL, "-N", "-d", f"sql:{folder}", "--empty-password"], check=True, capture_output=True
    )
    if trusted_cert is not None:
        # ",P,": a trusted peer for email/document signing, NSS's usage for PDF signatures.
        subprocess.run(
            [CERTUTIL, "-A", "-d", f"sql:{folder}", "-n", "gov", "-t", ",P,", "-i", str(trusted_cert)],
            check=True,
            capture_output=True,
        )
    return folder


def _failed(result: object) -> set[str]:
    return {c.name for c in result.checks if not c.passed}  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- keys


def test_init_keys_writes_private_key_0600_and_refuses_overwrite(tmp_path: Path) -> None:
    paths = init_keys(tmp_path / "k")
    assert stat.S_IMODE(paths.key.stat().st_mode) == 0o600
    assert paths.cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    with pytest.raises(ConfigError, match="already exists"):
        init_keys(tmp_path / "k")
    before = paths.key.read_bytes()
    again = init_keys(tmp_path / "k", force=True)
    assert again.key.read_bytes() != before
    assert stat.S_IMODE(again.key.stat().st_mode) == 0o600


def test_default_key_dir_is_under_gov_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOV_HOME", str(tmp_path / "home"))
    assert default_key_dir() == tmp_path / "home" / "keys"
    paths = init_keys()
    assert paths.key.parent == tmp_path / "home" / "keys"
    assert load_signer().keyid == load_signer(paths.key, paths.cert).keyid


def test_certificate_profile(ec_keys: tuple[Signer, Path]) -> None:
    from cryptography import x509

    cert = ec_keys[0].certificate
    assert cert.subject == cert.issuer
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert "O=Gov Tests" in cert.subject.rfc4514_string()


def test_encrypted_key_and_wrong_passphrase(tmp_path: Path) -> None:
    paths = init_keys(tmp_path, passphrase="s3cret")
    assert b"ENCRYPTED" in paths.key.read_bytes()
    assert load_signer(paths.key, paths.cert, passphrase="s3cret").algorithm == "ecdsa"
    with pytest.raises(ConfigError):
        load_signer(paths.key, paths.cert, passphrase="wrong")
    with pytest.raises(ConfigError):
        load_signer(paths.key, paths.cert)
    with pytest.raises(ConfigError, match="cannot read"):
        load_signer(tmp_path / "missing.pem", paths.cert)


def test_der_key_and_certificate_load(tmp_path: Path) -> None:
    paths = init_keys(tmp_path, algorithm="rsa")
    signer = load_signer(paths.key, paths.cert)
    key_der = tmp_path / "key.der"
    cert_der = tmp_path / "cert.der"
    key_der.write_bytes(
        signer.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_der.write_bytes(signer.certificate.public_bytes(serialization.Encoding.DER))
    assert load_signer(key_der, cert_der).keyid == signer.keyid
    with pytest.raises(ConfigError, match="certificate"):
        load_signer(key_der, key_der)


def test_key_must_match_certificate(tmp_path: Path) -> None:
    a = init_keys(tmp_path / "a")
    b = init_keys(tmp_path / "b")
    with pytest.raises(ConfigError, match="does not match"):
        load_signer(a.key, b.cert)


def test_sign_and_verify_bytes(ec_keys: tuple[Signer, Path], tmp_path: Path) -> None:
    signer = ec_keys[0]
    sig = sign_bytes(signer, b"checkpoint 42")
    assert verify_bytes(signer.certificate, b"checkpoint 42", sig)
    assert not verify_bytes(signer.certificate, b"checkpoint 43", sig)
    other = load_signer(*_paths(init_keys(tmp_path, algorithm="rsa")))
    assert not verify_bytes(other.certificate, b"checkpoint 42", sig)
    rsa_sig = sign_bytes(other, b"x")
    assert verify_bytes(other.private_key.public_key(), b"x", rsa_sig)


def _paths(p: object) -> tuple[Path, Path]:
    return p.key, p.cert  # type: ignore[attr-defined]


def test_pkcs12_signer_signs_and_verifies(tmp_path: Path, unsigned_pdf: bytes) -> None:
    source = load_signer(*_paths(init_keys(tmp_path / "src", algorithm="rsa", common_name="Org signer")))
    p12 = tmp_path / "org.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"org",
            source.private_key,
            source.certificate,
            None,
            serialization.BestAvailableEncryption(b"pfx-pass"),
        )
    )
    signer = load_pkcs12(p12, "pfx-pass")
    assert signer.keyid == source.keyid and signer.algorithm == "rsa"
    with pytest.raises(ConfigError, match="PKCS#12"):
        load_pkcs12(p12, "nope")
    cert = tmp_path / "src" / "signing-cert.pem"
    pub = _publish(tmp_path / "out", signer, cert, unsigned_pdf, _results())
    result = verify_report(pub.pdf, trust_roots=[cert])
    assert result.ok, result.checks


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
    assert verify_bytes(
        report.signer.certificate, pae(PAYLOAD_TYPE, base64.b64decode(envelope["payload"])), sig
    )


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
    meta = subprocess.run(
        ["pdfinfo", "-meta", str(report.pdf)], capture_output=True, text=True, check=True
    ).stdout
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
    signer = ec_keys[0]
    sign_pdf(unsigned_pdf, signer, reason="warm-up", location="t", signer_name="t")
    start = time.perf_counter()
    sign_pdf(unsigned_pdf, signer, reason="timed", location="t", signer_name="t")
    assert time.perf_counter() - start <= 0.5


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
    pdf = tmp_path / "report.pdf"
    shutil.copy(report.pdf, pdf)
    envelope = attest_report(
        pdf.read_bytes(),
        pdf_name=pdf.name,
        results_json=_results(verdict="fail"),
        results_name="results.json",
        policy_bundle_sha256=POLICY_DIGEST,
        signer=report.signer,
    )
    write_attestation(envelope, default_attestation_path(pdf))
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
    pdf = tmp_path / "report.pdf"
    shutil.copy(report.pdf, pdf)
    envelope = attest_report(
        pdf.read_bytes(),
        pdf_name=pdf.name,
        results_json=report.results,
        results_name="results.json",
        policy_bundle_sha256="sha256:" + "1" * 64,
        signer=report.signer,
    )
    write_attestation(envelope, default_attestation_path(pdf))
    assert _failed(verify_report(pdf, trust_roots=[report.cert])) == {"policy_bundle"}


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


def test_unsigned_pdf_fails_and_non_pdf_is_input_error(
    unsigned_pdf: bytes, tmp_path: Path, report: Published
) -> None:
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


def test_key_files_not_world_readable_even_with_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        paths = init_keys(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(paths.key.stat().st_mode) == 0o600
