"""What was changed in a PDF after it was signed, in plain words, from its incremental updates."""

from __future__ import annotations

import io
from typing import Any


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _obj_kind(obj: Any) -> str:
    """What a changed PDF object is, for `describe_changes`."""
    if not hasattr(obj, "get"):
        return "other"
    type_ = str(obj.get("/Type", ""))
    subtype = str(obj.get("/Subtype", ""))
    if type_ == "/DSS" or type_ in ("/OCSPs", "/CRLs"):
        return "validation data"
    if type_ == "/DocTimeStamp" or (type_ == "/Sig" and str(obj.get("/SubFilter", "")) == "/ETSI.RFC3161"):
        return "timestamp"
    if "/FT" in obj or type_ == "/Sig":
        return "form field"
    if type_ == "/Annot" or (subtype and "/Rect" in obj):
        return "annotation"
    if type_ == "/Page":
        return "page"
    if type_ in ("/Pages", "/Catalog", "/XRef", "/ObjStm"):
        return "structure"
    if type_ == "/Metadata" or ("/ModDate" in obj and "/Producer" in obj):  # XMP stream, document info
        return "metadata"
    return "other"


_ALLOWED_AFTER_SIGNING = {"validation data", "timestamp", "metadata"}


def describe_changes(data: bytes, signed_revision: int) -> list[str]:
    """One plain sentence per incremental update after `signed_revision` (0-based), e.g. "adds an annotation
    on page 1". Objects that only carry a change described elsewhere (the page's /Annots array, the
    catalog, the page tree, cross-reference streams) are not counted on their own."""
    return [sentence for _, sentence in _later_revisions(data, signed_revision)]


def _later_revisions(data: bytes, signed_revision: int) -> list[tuple[set[str], str]]:
    """(kinds of change, plain sentence) for each revision after `signed_revision`."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return [_describe_revision(reader, r) for r in range(signed_revision + 1, reader.xrefs.total_revisions)]


def _dss_refs(resolver: Any) -> set[tuple[int, int] | None]:
    """References reachable from the catalog's /DSS (certificates, OCSP responses, CRLs, VRI entries)."""
    root = resolver.root
    if "/DSS" not in root:
        return set()
    found: set[tuple[int, int] | None] = {_ref_key(root.raw_get("/DSS"))}

    def walk(node: Any, depth: int) -> None:
        if depth > 6:
            return
        items = node.items() if hasattr(node, "items") else enumerate(node) if isinstance(node, list) else ()
        for key, _ in list(items):
            raw = node.raw_get(key)
            ref = _ref_key(raw)
            if ref is not None:
                found.add(ref)
            walk(raw.get_object(), depth + 1)

    walk(root["/DSS"], 0)
    return found


def _describe_revision(reader: Any, revision: int) -> tuple[set[str], str]:
    previous = reader.get_historical_resolver(revision - 1)
    current = reader.get_historical_resolver(revision)
    page_refs = [_ref_key(ref) for ref in _page_refs(current)]
    old_pages = {_ref_key(ref) for ref in _page_refs(previous)}
    dss = _dss_refs(current)
    order = ("annotation", "form field", "page", "other", "validation data", "timestamp", "metadata")
    parts: dict[str, list[str]] = {k: [] for k in order}
    for ref in sorted(reader.xrefs.explicit_refs_in_revision(revision), key=lambda r: r.idnum):
        key = (ref.idnum, ref.generation)
        try:
            obj = current.get_object(ref)
        except Exception:  # noqa: BLE001 (a broken object is still a change: count it as "other")
            obj = None
        kind = "validation data" if key in dss else _obj_kind(obj)
        existed = reader.xrefs.get_introducing_revision(ref) < revision
        if kind == "structure":
            continue
        if kind == "page":
            if key not in old_pages:
                parts["page"].append("adds a page")
            elif not _only_annots_changed(previous, current, ref):
                n = page_refs.index(key) + 1 if key in page_refs else 0
                parts["page"].append(f"changes page {n}" if n else "changes a page")
            continue
        if kind == "annotation" and not existed:
            n = _annot_page(obj, page_refs)
            parts[kind].append(f"adds an annotation on page {n}" if n else "adds an annotation")
            continue
        if kind in ("validation data", "timestamp"):
            parts[kind].append(f"adds {kind}")
            continue
        label = {
            "other": "another object",
            "form field": "a form field",
            "annotation": "an annotation",
            "metadata": "the document metadata",
        }.get(kind, kind)
        parts[kind].append(f"{'changes' if existed else 'adds'} {label}")
    kinds = {k for k, items in parts.items() if items}
    if kinds - {"metadata"}:
        parts["metadata"] = []  # a writer refreshes the modification date with any change: not news
    described: list[str] = []
    for items in parts.values():
        for item in dict.fromkeys(items):
            count = items.count(item)
            described.append(item if count == 1 or item.endswith(("data", "metadata")) else _plural_item(item, count))
    return kinds, ", ".join(described) if described else "rewrites the document structure"


def _plural_item(item: str, count: int) -> str:
    """ "adds an annotation on page 1", 2 -> "adds 2 annotations on page 1"."""
    verb, _, rest = item.partition(" ")
    for single, plural in (
        ("an annotation", "annotations"),
        ("a form field", "form fields"),
        ("another object", "other objects"),
        ("a page", "pages"),
        ("timestamp", "timestamps"),
    ):
        if rest.startswith(single):
            return f"{verb} {count} {plural}{rest[len(single) :]}"
    return f"{item} ({count} times)"


def _page_refs(resolver: Any) -> list[Any]:
    """Indirect references of the pages of a revision, in order."""
    out: list[Any] = []

    def walk(node_ref: Any, depth: int = 0) -> None:
        node = node_ref.get_object()
        if depth > 64:
            return
        if str(node.get("/Type", "")) == "/Pages":
            for kid in node.get("/Kids") or ():
                walk(kid, depth + 1)
        else:
            out.append(node_ref)

    root = resolver.root
    walk(root.raw_get("/Pages"))
    return out


def _only_annots_changed(previous: Any, current: Any, ref: Any) -> bool:
    """A page whose only change is its /Annots array (the annotation itself is described)."""
    try:
        old, new = previous.get_object(ref), current.get_object(ref)
        keys = set(old.keys()) | set(new.keys())
        return all(k == "/Annots" or old.raw_get(k) == new.raw_get(k) for k in keys if k in old and k in new) and (
            keys - {"/Annots"} <= set(old.keys()) & set(new.keys())
        )
    except Exception:  # noqa: BLE001
        return False


def _annot_page(annot: Any, page_refs: list[Any]) -> int:
    """1-based page number an annotation sits on (its /P), 0 if unknown."""
    p = annot.raw_get("/P") if "/P" in annot else None
    if p is not None and _ref_key(p) in page_refs:
        return page_refs.index(_ref_key(p)) + 1
    return 0


def _ref_key(obj: Any) -> tuple[int, int] | None:
    idnum = getattr(obj, "idnum", None)
    return (idnum, obj.generation) if idnum is not None else None
