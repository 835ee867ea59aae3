"""PAdES signing of a rendered PDF/A-3 file, and reading its attachments back (for verification).

pyHanko is imported inside the functions. See governance/reports/pdf.py for the PDF/A notes; signing keeps
the file at PDF 1.7 (see `_PdfA3Signer`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from governance.errors import ConfigError, InputError

if TYPE_CHECKING:
    from governance.signing.keys import Signer

SIGNATURE_FIELD = "GovSignature"


@dataclass(frozen=True)
class EmbeddedFile:
    """An attachment read back from a PDF."""

    name: str
    data: bytes
    media_type: str | None
    relationship: str | None
    associated: bool  # listed in the catalog /AF array (a PDF/A-3 associated file)
    description: str = field(default="")


class _PdfA3Signer:
    """Factory for a PdfSigner subclass that leaves the PDF version at 1.7 (see module docstring)."""

    _cls: type | None = None

    @classmethod
    def get(cls) -> type:
        if cls._cls is None:
            from pyhanko.sign.signers import PdfSigner
            from pyhanko.sign.signers.constants import ESIC_EXTENSION_1

            class PdfA3Signer(PdfSigner):
                def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
                    pdf_out.ensure_output_version(version=(1, 7))
                    pdf_out.register_extension(ESIC_EXTENSION_1)

            cls._cls = PdfA3Signer
        return cls._cls


def pyhanko_signer(signer: Signer) -> Any:
    """A pyHanko SimpleSigner over our key material (certificate and chain embedded in the CMS)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    key_der = signer.private_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    cert = asn1_x509.Certificate.load(signer.certificate.public_bytes(der))
    chain = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in signer.chain]
    return SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),  # type: ignore[no-untyped-call]  # unannotated upstream
    )


def sign_pdf(
    pdf_bytes: bytes,
    signer: Signer,
    *,
    reason: str,
    location: str,
    signer_name: str,
    certify: bool = True,
    tsa_url: str | None = None,
    ltv_roots: list[Any] | None = None,
) -> bytes:
    """Sign the PDF (PAdES, ETSI.CAdES.detached) as an incremental update; the signer certificate and
    chain are embedded. Returns the signed PDF.

    * `certify` (default): a certification signature (DocMDP, P=1 "no changes"), so a viewer flags any
      later change. NO_CHANGES, not FILL_FORMS: our reports have no form to fill and are never amended;
      only validation data (DSS) and document timestamps may follow, as PAdES allows.
    * `tsa_url`: an RFC 3161 signature timestamp from that TSA (PAdES B-T).
    * `ltv_roots` (asn1crypto certificates; needs `tsa_url`): validate the signer and the TSA against these
      roots, fetching OCSP/CRL the certificates point to, and embed the certificates and revocation data
      in a DSS written as one more incremental update (PAdES B-LT). For a self-signed signer (what
      `gov keys init` makes) there is no revocation data to get: the DSS then holds the certificates only.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers import PdfSignatureMetadata
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    context = None
    if ltv_roots is not None:
        if not tsa_url:
            raise InputError("long-term validation data needs a timestamp (B-LT builds on B-T)", where="tsa_url")
        from pyhanko_certvalidator import ValidationContext

        context = ValidationContext(trust_roots=ltv_roots, allow_fetching=True, revocation_mode="soft-fail")
    meta = PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name,
        certify=certify,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        embed_validation_info=context is not None,
        validation_context=context,
    )
    timestamper = HTTPTimeStamper(tsa_url, timeout=30) if tsa_url else None
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        pdf_signer = _PdfA3Signer.get()(meta, pyhanko_signer(signer), timestamper=timestamper)
        out = pdf_signer.sign_pdf(writer)
    except TimestampRequestError as exc:
        raise ConfigError(f"timestamp request to {tsa_url} failed: {exc}", where="tsa_url") from exc
    except OSError as exc:  # connection refused, DNS, timeout
        raise ConfigError(f"cannot reach the timestamp authority {tsa_url}: {exc}", where="tsa_url") from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise ConfigError(
            f"cannot collect long-term validation data: {exc}",
            where="ltv_roots",
            hint="give the root certificates of the signer and of the TSA (the CLI's --ltv-root)",
        ) from exc
    except SigningError as exc:  # before PdfError: key/certificate problems are configuration
        raise ConfigError(f"signing failed: {exc}") from exc
    except PdfError as exc:
        raise InputError(f"cannot sign PDF: {exc}") from exc
    return bytes(out.getbuffer())


def ltv_trust_roots(signer: Signer, extra: list[Any] | None = None) -> list[Any]:
    """Roots for `sign_pdf(ltv_roots=...)`: the self-signed certificates among the signer and its chain,
    plus `extra` (cryptography certificates, e.g. the TSA's root), as asn1crypto certificates."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    certs = [signer.certificate, *signer.chain]
    roots = [c for c in certs if c.issuer == c.subject] + list(extra or ())
    return [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in roots]


def _ref_key(obj: Any) -> tuple[int, int] | None:
    """(object number, generation) of an indirect reference, None for a direct object."""
    idnum = getattr(obj, "idnum", None)
    return (idnum, obj.generation) if idnum is not None else None


def _get(node: Any, key: str) -> Any:
    """Dereferenced dictionary value or None (pyHanko's `.get` returns raw indirect references)."""
    return node[key] if key in node else None  # noqa: SIM401 (see docstring)


def _name_tree(node: Any) -> Iterator[tuple[str, Any]]:
    """(key, raw value) pairs of a PDF name tree, walking /Kids."""
    names = _get(node, "/Names")
    if names is not None:
        for i in range(0, len(names) - 1, 2):
            yield str(names[i]), names.raw_get(i + 1)
    for kid in _get(node, "/Kids") or ():
        yield from _name_tree(kid)


def embedded_files(pdf_bytes: bytes) -> list[EmbeddedFile]:
    """Every file in the PDF's EmbeddedFiles name tree, decoded, in name-tree order."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        root = PdfFileReader(io.BytesIO(pdf_bytes), strict=False).root
        af = _get(root, "/AF")
        af_keys = {_ref_key(af.raw_get(i)) for i in range(len(af))} if af is not None else set()
        names = _get(root, "/Names")
        tree = _get(names, "/EmbeddedFiles") if names is not None else None
        if tree is None:
            return []
        found: list[EmbeddedFile] = []
        for key, raw_spec in _name_tree(tree):
            spec = raw_spec.get_object()
            ef = _get(spec, "/EF")
            if ef is None or "/F" not in ef:
                continue
            stream = ef["/F"]
            subtype = _get(stream, "/Subtype")  # pyHanko decodes "#2f" to "/"
            relationship = _get(spec, "/AFRelationship")
            ref = _ref_key(raw_spec)
            found.append(
                EmbeddedFile(
                    name=str(_get(spec, "/UF") or _get(spec, "/F") or key),
                    data=stream.data,
                    media_type=str(subtype)[1:] if subtype is not None else None,
                    relationship=str(relationship)[1:] if relationship is not None else None,
                    associated=ref is not None and ref in af_keys,
                    description=str(_get(spec, "/Desc") or ""),
                )
            )
        return found
    except (PdfError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"cannot read PDF attachments: {exc}") from exc
