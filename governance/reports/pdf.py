"""PDF/A-3b rendering of report HTML with embedded machine-readable results (WeasyPrint).

WeasyPrint and pyHanko are imported inside the functions: importing this module is cheap, the cost
is paid only by the report and verify paths that call it.

PDF/A notes (why the code below does what it does):

* The results JSON is an *associated file* (PDF/A-3 AF, relationship ``Data`` by default): listed
  in the catalog's ``/AF`` and in the EmbeddedFiles name tree, with MIME subtype and ``/ModDate``.
  WeasyPrint 70 lists each attachment twice in ``/AF``; a finisher removes the duplicate.
* The Info ``/Producer`` is dropped at render time. When pyHanko signs it rewrites the XMP
  ``pdf:Producer`` to "pyHanko x.y" but *appends* to an existing Info ``/Producer``
  ("WeasyPrint 70.0; pyHanko x.y"); the two must be equal for PDF/A. Without an Info entry pyHanko
  writes the same value in both places. ``/Creator`` (= XMP CreatorTool) names gov and WeasyPrint.
* pyHanko declares the ISO 32002 extension for ECDSA P-256 signatures, which bumps the document to
  PDF 2.0; PDF/A-3 is PDF 1.7. `sign_pdf` declares only the ESIC (PAdES) extension, which keeps the
  file at 1.7. PAdES (ETSI EN 319 142-1) permits ECDSA, and PDF/A-2/3 permit PAdES signatures.
* Signing is an incremental update, so the signed bytes are the unsigned PDF/A file followed by one
  revision with the signature field (invisible, zero-size widget, Print flag set).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from governance.errors import InputError

PDF_VARIANT = "pdf/a-3b"
Relationship = Literal["Data", "Source", "Alternative", "Supplement", "Unspecified"]


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF as a PDF/A-3 associated file."""

    name: str
    data: bytes
    media_type: str = "application/json"
    description: str = ""
    relationship: Relationship = "Data"


@dataclass(frozen=True)
class PdfMetadata:
    """Document metadata, written to both the Info dictionary and XMP (PDF/A needs them equal).

    Fields left None keep what the HTML says (<title>, <meta name=author>, ...).
    """

    title: str | None = None
    author: str | None = None
    subject: str | None = None
    keywords: tuple[str, ...] = ()
    lang: str | None = None
    created: dt.datetime | None = None  # default: now (UTC)
    creator: str | None = None  # default: "gov <version> (WeasyPrint <version>)"


def _w3c(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while WeasyPrint builds a document.

    A long report allocates millions of long-lived objects (boxes, styles, text layouts); each full collection
    walks all of them again, which made up about a quarter of the render time of a 130-page report. Memory is
    barely affected (+2 % peak; WeasyPrint frees most objects by reference counting); the collector resumes
    afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_pdf(
    html: str,
    *,
    base_url: str | None,
    attachments: list[Attachment],
    metadata: PdfMetadata,
    parts: bool | None = None,
) -> bytes:
    """Render HTML to a PDF/A-3b document with `attachments` embedded as associated files.

    Resources are fetched only from file: and data: URLs (relative to `base_url`); a report must
    not depend on the network. Returns the PDF bytes; raises InputError if WeasyPrint fails.
    A long document marked for it is rendered in parts on two cores (parallel_pdf.py); `parts`
    forces that on or off (None: where it is safe).
    """
    from governance.reports.parallel_pdf import parallel_allowed, plan_parts, render_in_parts
    from governance.signing.pdf import embedded_files

    def one(part: str, numbering: Any, front: bool) -> Rendered:
        return render_document(
            part,
            base_url=base_url,
            attachments=attachments if front else [],
            metadata=metadata,
            numbering=numbering,
            tagged=False,  # the merge keeps no structure tree of the parts: tagging them would only cost time
        )

    plan = plan_parts(html) if (parallel_allowed() if parts is None else parts) else None
    pdf = render_in_parts(plan, one) if plan is not None else None
    if pdf is None:
        pdf = render_document(html, base_url=base_url, attachments=attachments, metadata=metadata).pdf
    embedded = {f.name for f in embedded_files(pdf)}
    missing = [a.name for a in attachments if a.name not in embedded]
    if missing:  # WeasyPrint only logs attachment failures; a report without its data is wrong
        raise InputError(f"attachment(s) not embedded in the PDF: {', '.join(missing)}")
    return pdf


@dataclass(frozen=True)
class Rendered:
    """One WeasyPrint render: the PDF, its page count and its bookmarks
    (level, label, page index, x, y in PDF points, state), for merging parts."""

    pdf: bytes
    pages: int
    bookmarks: list[tuple[int, str, int, float, float, str]]


def render_document(
    html: str,
    *,
    base_url: str | None,
    attachments: list[Attachment],
    metadata: PdfMetadata,
    numbering: Any = None,
    tagged: bool = True,
) -> Rendered:
    """One WeasyPrint render to PDF/A-3b, tagged unless `tagged` is false. `numbering` (parallel_pdf.page_numbers)
    renumbers the pages."""
    import weasyprint

    import governance

    fetcher = weasyprint.URLFetcher(allowed_protocols={"file", "data"})
    created = (metadata.created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    # WeasyPrint formats attachment dates with a literal "Z", so hand it naive UTC values.
    naive_created = created.replace(tzinfo=None)
    wp_attachments = [
        weasyprint.Attachment(
            url=f"data:{a.media_type};base64,{base64.b64encode(a.data).decode()}",
            url_fetcher=fetcher,
            name=a.name,
            description=a.description or a.name,
            created=naive_created,
            modified=naive_created,
            relationship=a.relationship,
        )
        for a in attachments
    ]
    # Tagged PDF (structure tree, reading order, /Alt of figures from the SVG's aria-label/title, DisplayDocTitle):
    # WeasyPrint's pdf_tags combines with PDF/A-3b (its "pdf/ua-1" variant would drop PDF/A-3).
    # A long report rendered in parts on two cores (parallel_pdf.py) is not tagged: its merge keeps no structure tree.
    options: dict[str, Any] = {"pdf_variant": PDF_VARIANT, "pdf_tags": tagged}
    try:
        with gc_paused(), numbering or contextlib.nullcontext():
            document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(**options)
            meta = document.metadata
            if metadata.title is not None:
                meta.title = metadata.title
            if metadata.author is not None:
                meta.authors = [metadata.author]
            if metadata.subject is not None:
                meta.description = metadata.subject
            if metadata.keywords:
                meta.keywords = list(metadata.keywords)
            if metadata.lang is not None:
                meta.lang = metadata.lang
            meta.generator = metadata.creator or f"gov {governance.__version__} (WeasyPrint {weasyprint.__version__})"
            meta.created = _w3c(created)
            # No `modified`: pyHanko rewrites the modification date in XMP when signing, and an Info
            # /ModDate it did not also rewrite would then disagree with it.
            meta.modified = None
            pdf = document.write_pdf(attachments=wp_attachments, finisher=_finish, **options)
            pages, bookmarks = len(document.pages), _bookmarks(document)
            # Free the laid-out document before the collector resumes, or its first full pass walks all of it.
            del document, meta
    except InputError:
        raise
    except Exception as exc:  # WeasyPrint raises assorted errors on bad HTML/CSS/resources
        raise InputError(f"cannot render PDF: {exc}") from exc
    return Rendered(pdf, pages, bookmarks)


def _bookmarks(document: Any) -> list[tuple[int, str, int, float, float, str]]:
    """Every bookmark of the document, flat, in PDF coordinates (as WeasyPrint writes its outline)."""
    scale = 0.75  # CSS px to PDF points at zoom 1
    out = []
    for index, page in enumerate(document.pages):
        for level, label, (x, y), state in page.bookmarks:
            out.append((level, label, index, x * scale, (page.height - y) * scale, state))
    return out


def _finish(_document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: runs after the PDF/A step, before the trailer is written."""
    af = pdf.catalog.get("AF")
    if af is not None:
        unique = list(dict.fromkeys(af))  # references are strings like "12 0 R"; keep order
        af.clear()
        af.extend(unique)
    pdf.info.pop("Producer", None)
    if "ViewerPreferences" not in pdf.catalog:  # viewers show the document title, tagged or not
        pdf.catalog["ViewerPreferences"] = type(pdf.catalog)({"DisplayDocTitle": "true"})  # a pydyf.Dictionary
