"""A real RFC 3161 time-stamping authority (plus OCSP and CRL) on loopback, for the signing tests.

certomancer's "animator" WSGI app serves a small PKI from a config: a root CA, a TSA certificate issued
by it, a document signer issued by it (with CRL and OCSP pointers, so `--ltv` has revocation data to
embed), an OCSP responder and a CRL repository. The keys are made here with `cryptography`; the server
runs in a thread (wsgiref) on 127.0.0.1 at a free port. Nothing leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

CONFIG = """
external-url-prefix: "{url}"
keysets:
  testing:
    path-prefix: "{keys}"
    keys:
      root: {{path: root.key.pem}}
      tsa: {{path: tsa.key.pem}}
      signer: {{path: signer.key.pem}}
pki-architectures:
  testing:
    keyset: testing
    entity-defaults:
      country-name: BE
      organization-name: Gov Tests
    entities:
      root: {{common-name: Gov Test Root CA}}
      tsa: {{common-name: Gov Test TSA}}
      signer: {{common-name: Gov Test Report Signer}}
    certs:
      root:
        subject: root
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2100-01-01T00:00:00+0000"}}
        extensions:
          - id: basic_constraints
            critical: true
            value: {{ca: true}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      tsa:
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2099-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [time_stamping]
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      signer:
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2099-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
          - id: authority_information_access
            smart-value: {{schema: aia-urls, params: {{ocsp-responder-names: [root]}}}}
    services:
      ocsp:
        root:
          for-issuer: root
          responder-cert: root
          signing-key: root
      crl-repo:
        root:
          for-issuer: root
          signing-key: root
          simulated-update-schedule: "P90D"
      time-stamping:
        tsa:
          signing-key: tsa
          signing-cert: tsa
"""


@dataclass(frozen=True)
class TsaServer:
    url: str  # the TSA endpoint
    root_cert: Path  # PEM of the root CA (trust it to trust the TSA and the signer)
    signer_key: Path  # PEM private key of the CA-issued document signer
    signer_cert: Path  # PEM of that signer's certificate (then the root)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        pass


def _write_key(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@contextmanager
def running_tsa(folder: Path) -> Iterator[TsaServer]:
    """Start the certomancer animator on 127.0.0.1:<free port>; stop it on exit."""
    from asn1crypto import pem
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig

    keys = folder / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for name in ("root", "tsa", "signer"):
        _write_key(keys / f"{name}.key.pem")
    holder: dict[str, object] = {}

    def app(environ: dict[str, object], start_response: object) -> object:
        return holder["animator"](environ, start_response)  # type: ignore[operator]

    server = make_server("127.0.0.1", 0, app, server_class=WSGIServer, handler_class=_Quiet)
    url = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_yaml(CONFIG.format(url=url, keys=keys), key_search_dir=str(keys))
    arch = config.get_pki_arch(ArchLabel("testing"))
    holder["animator"] = Animator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False)

    def cert_pem(label: str) -> bytes:
        return pem.armor("CERTIFICATE", arch.get_cert(CertLabel(label)).dump())

    (folder / "root.pem").write_bytes(cert_pem("root"))
    (folder / "signer.pem").write_bytes(cert_pem("signer") + cert_pem("root"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TsaServer(
            url=f"{url}/testing/tsa/tsa",
            root_cert=folder / "root.pem",
            signer_key=keys / "signer.key.pem",
            signer_cert=folder / "signer.pem",
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
