"""RFC 3161 timestamps (PAdES B-T) and embedded validation data (B-LT) against a REAL time-stamping authority
started on loopback (certomancer's animator, tests/tsa_server.py): the token sits in the signature's unsigned
attributes (read back with pdfsig -dump and openssl, independent of pyHanko), `gov verify` reports it and
whether its TSA is trusted, and `--ltv` embeds certificates, OCSP responses and CRLs without breaking the
"nothing changed after signing" rule."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from governance.errors import ConfigError, InputError
from governance.signing.keys import Signer, load_certificates, load_signer
from governance.signing.pdf import ltv_trust_roots, sign_pdf
from governance.signing.verify import verify_report
from tests.helpers import gov
from tests.signing_helpers import PDFSIG, needs_pdfsig
from tests.signing_helpers import pdfsig as _pdfsig
from tests.tsa_server import TsaServer, running_tsa

pytest_plugins = ["tests.conftest_signing"]
OPENSSL = shutil.which("openssl")


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TsaServer]:
    with running_tsa(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture(scope="module")
def ca_signer(tsa: TsaServer) -> Signer:
    """A document signer issued by the test CA (its certificate names the CRL and the OCSP responder)."""
    return load_signer(tsa.signer_key, tsa.signer_cert)


def _sign(folder: Path, unsigned: bytes, signer: Signer, tsa: TsaServer, *, ltv: bool = False) -> Path:
    roots = ltv_trust_roots(signer, load_certificates(tsa.root_cert)) if ltv else None
    data = sign_pdf(unsigned, signer, reason="r", location="l", signer_name="n", tsa_url=tsa.url, ltv_roots=roots)
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "report.pdf"
    pdf.write_bytes(data)
    return pdf


def test_timestamp_is_verified_and_reported(
    tmp_path: Path, unsigned_pdf: bytes, ec_keys: tuple[Signer, Path], tsa: TsaServer
) -> None:
    signer, cert = ec_keys
    pdf = _sign(tmp_path, unsigned_pdf, signer, tsa)
    result = verify_report(pdf, trust_roots=[cert, tsa.root_cert])
    stamp = result.check("timestamp")
    assert stamp is not None and stamp.passed, result.checks
    assert "RFC 3161 timestamp" in stamp.message and "Gov Test TSA" in stamp.message
    assert result.timestamped_at is not None and not result.failed  # only the attestation is missing here
    cli = gov("verify", str(pdf), "--trust-root", str(cert), "--trust-root", str(tsa.root_cert))
    assert "PASS  timestamp" in cli.stdout and "no timestamp" not in cli.stdout


def test_untrusted_tsa_is_told(
    tmp_path: Path, unsigned_pdf: bytes, ec_keys: tuple[Signer, Path], tsa: TsaServer
) -> None:
    signer, cert = ec_keys
    pdf = _sign(tmp_path, unsigned_pdf, signer, tsa)
    result = verify_report(pdf, trust_roots=[cert])
    assert not result.check("timestamp").passed  # type: ignore[union-attr]
    assert any("authority this verifier does not trust" in line for line in result.explain())


@needs_pdfsig
@pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")
def test_pdfsig_and_openssl_see_the_timestamp_token(
    tmp_path: Path, unsigned_pdf: bytes, ec_keys: tuple[Signer, Path], tsa: TsaServer
) -> None:
    # poppler 22.12's pdfsig prints no timestamp line; it validates the signature and dumps the CMS, in
    # which openssl finds the RFC 3161 token as an unsigned attribute of the signer.
    signer, _ = ec_keys
    pdf = _sign(tmp_path, unsigned_pdf, signer, tsa)
    assert "Signature is Valid" in _pdfsig(pdf)
    assert PDFSIG is not None and OPENSSL is not None
    subprocess.run([PDFSIG, "-nocert", "-no-ocsp", "-dump", str(pdf)], cwd=tmp_path, check=True, capture_output=True)
    [dump] = list(tmp_path.glob("*.sig0"))
    printed = subprocess.run(
        [OPENSSL, "cms", "-inform", "DER", "-in", str(dump), "-cmsout", "-print"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "id-smime-aa-timeStampToken" in printed.split("unsignedAttrs", 1)[1]


def test_ltv_embeds_revocation_data_for_a_ca_issued_signer(
    tmp_path: Path, unsigned_pdf: bytes, ca_signer: Signer, tsa: TsaServer
) -> None:
    pdf = _sign(tmp_path, unsigned_pdf, ca_signer, tsa, ltv=True)
    result = verify_report(pdf, trust_roots=[tsa.root_cert])
    assert not result.failed, result.explain()
    assert result.check("coverage").passed  # type: ignore[union-attr]  # the DSS revision is allowed
    [note] = [n for n in result.notes if "long-term validation" in n]
    counts = dict(part.split(" ", 1)[::-1] for part in note.split(": ", 1)[1].split(", "))
    assert int(counts.get("OCSP response", counts.get("OCSP responses", "0"))) >= 1, note
    assert int(counts.get("CRL", counts.get("CRLs", "0"))) >= 1, note
    if PDFSIG is not None:
        assert "Signature is Valid" in _pdfsig(pdf)


def test_ltv_for_a_self_signed_signer_embeds_certificates(
    tmp_path: Path, unsigned_pdf: bytes, ec_keys: tuple[Signer, Path], tsa: TsaServer
) -> None:
    signer, cert = ec_keys
    pdf = _sign(tmp_path, unsigned_pdf, signer, tsa, ltv=True)
    result = verify_report(pdf, trust_roots=[cert, tsa.root_cert])
    assert not result.failed, result.explain()
    assert any("PAdES B-LT" in n and "certificate" in n for n in result.notes)


def test_a_change_after_the_dss_is_still_caught(
    tmp_path: Path, unsigned_pdf: bytes, ca_signer: Signer, tsa: TsaServer
) -> None:
    from tests.signing_helpers import add_annotations

    pdf = _sign(tmp_path, unsigned_pdf, ca_signer, tsa, ltv=True)
    pdf.write_bytes(add_annotations(pdf.read_bytes(), [0]))
    result = verify_report(pdf, trust_roots=[tsa.root_cert])
    assert not result.check("coverage").passed  # type: ignore[union-attr]
    assert any("adds an annotation on page 1" in line for line in result.explain())


def test_unreachable_tsa_and_ltv_without_tsa_are_one_line_errors(
    unsigned_pdf: bytes, ec_keys: tuple[Signer, Path]
) -> None:
    signer, _ = ec_keys
    with pytest.raises(ConfigError, match="timestamp"):
        sign_pdf(unsigned_pdf, signer, reason="r", location="l", signer_name="n", tsa_url="http://127.0.0.1:9/tsa")
    with pytest.raises(InputError, match="needs a timestamp"):
        sign_pdf(unsigned_pdf, signer, reason="r", location="l", signer_name="n", ltv_roots=[])


@pytest.fixture
def store(sqlite_engine: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    monkeypatch.setenv("GOV_POLICY_DIR", str(Path(__file__).resolve().parents[1] / "policies" / "default"))
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit-risk", owner="team:credit", risk_tier="high")
        spec = VersionSpec(version="3", artifact_uri="s3://x/3", artifact_digest="sha256:" + "3c" * 32, created_by="a")
        register_version(session, "credit-risk", spec)
    return sqlite_engine


def test_gov_report_with_tsa_and_ltv_end_to_end(store: Any, tmp_path: Path, tsa: TsaServer) -> None:
    out = tmp_path / "audit.pdf"
    args = ["report", "scorecard", "--sign", "--key", str(tsa.signer_key), "--cert", str(tsa.signer_cert)]
    made = gov(*args, "--tsa", tsa.url, "--ltv", "--ltv-root", str(tsa.root_cert), "--out", str(out))
    assert made.exit_code == 0, made.output
    cli = gov("verify", str(out), "--trust-root", str(tsa.root_cert))
    assert cli.exit_code == 0, cli.output
    assert "PASS  timestamp" in cli.stdout and "PAdES B-LT" in cli.stdout and ", timestamped " in cli.stdout
    down = gov(*args, "--tsa", "http://127.0.0.1:9/tsa", "--out", str(tmp_path / "x.pdf"))
    assert down.exit_code == 3 and "Traceback" not in down.output and "timestamp" in down.stderr
    no_tsa = gov(*args, "--ltv", "--out", str(tmp_path / "y.pdf"))
    assert no_tsa.exit_code == 2 and "--ltv needs a timestamp" in no_tsa.stderr


def test_csv_attested_by_a_ca_issued_signer_verifies_against_the_root(
    tmp_path: Path, ca_signer: Signer, tsa: TsaServer
) -> None:
    # The signer certificate travels in the statement; only the CA root is given as trust root.
    from governance.signing.attest import attest_file, default_attestation_path, write_attestation
    from governance.signing.verify import verify_file
    from tests.signing_helpers import POLICY_DIGEST

    csv = tmp_path / "blocked.csv"
    csv.write_bytes(b"model,version\ncredit-risk,3\n")
    envelope = attest_file(
        csv.read_bytes(), name=csv.name, media_type="text/csv", policy_bundle_sha256=POLICY_DIGEST, signer=ca_signer
    )
    write_attestation(envelope, default_attestation_path(csv))
    result = verify_file(csv, trust_roots=[tsa.root_cert])
    assert result.ok, result.checks
    assert "Gov Test Root CA" in result.check("trust").message  # type: ignore[union-attr]
