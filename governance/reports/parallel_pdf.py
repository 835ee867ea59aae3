"""One long HTML document rendered on two cores: its sections in two child processes, merged after.

WeasyPrint renders on one core, and a 50-version audit report is ~14 s of layout and drawing. The
report marks where it may be cut: `<!--gov:content-->` after the running header/footer elements,
`<!--gov:split-->` before each independent section (the summary with the versions chapter's start, a
model version, the back matter). The parent keeps the front (cover and table of contents: it renders
it twice) and two forked children render the sections, split by size. What one document would know,
the parts are told:

* page numbers: each child lays its part out, reports its page count and where its anchors fell,
  and waits; the parent answers with the part's first page and the total, and the child's footers
  are made with those numbers (WeasyPrint makes margin boxes after all pages are laid out, so a
  part's layout does not depend on its numbers). Every part starts on a new page.
* the table of contents (`nav.toc`, whose links show `target-counter(attr(href), page)`) shows the
  numbers as text instead, and links the front makes to anchors of other parts are kept by
  placeholder anchors, re-pointed at the real pages when the files are merged;
* the outline (bookmarks) and named destinations of all parts are merged into the front's file,
  which holds the PDF/A metadata and the embedded results.

Only where forking is safe (a single-threaded process: the CLI, the demo; not a multi-threaded host)
and the document is long enough to gain; any failure falls back to the one-process render.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

CONTENT = "<!--gov:content-->"
SPLIT = "<!--gov:split-->"
MIN_SECTIONS = 12  # fewer: one process renders it in a few seconds anyway
PART_TIMEOUT = 600  # seconds a child may take per step before the parent gives up on the parts
TOC_NUMBERS = "<style>nav.toc a[data-page]::after { content: attr(data-page); }</style>"
# A part's first page is not the document's first: it keeps the running header, and a section that
# breaks before itself does not leave the part's first page blank.
PART_STYLE = (
    "<style>@page :first { @top-left { content: string(doctitle); }"
    " @top-right { content: string(section); } }"
    " body > section:first-of-type { break-before: auto; }</style>"
)
log = logging.getLogger("governance.signing")


@dataclass(frozen=True)
class Plan:
    prefix: str  # <head> and the running elements, shared by every part
    front: str
    parts: tuple[str, str]  # the sections of each child
    suffix: str


def parallel_allowed() -> bool:
    """Forking is safe here (Linux, where fork without exec is sound for the C libraries WeasyPrint
    uses; one thread: the CLI, the demo), there is a second core, and GOV_RENDER_PARTS is not 0."""
    return (
        os.environ.get("GOV_RENDER_PARTS", "1") != "0"
        and sys.platform.startswith("linux")
        and (os.cpu_count() or 1) >= 2
        and threading.active_count() == 1
    )


def plan_parts(html: str) -> Plan | None:
    """How to cut `html` in a front and two parts, or None when it should be rendered in one piece."""
    if CONTENT not in html or "</body>" not in html:
        return None
    head_end = html.index(CONTENT) + len(CONTENT)
    body_end = html.rindex("</body>")
    front, *sections = html[head_end:body_end].split(SPLIT)
    if len(sections) < MIN_SECTIONS:
        return None
    total = sum(len(s) for s in sections)
    running, cut = 0, 1
    for i, section in enumerate(sections[:-1], start=1):  # the cut that best halves the text
        running += len(section)
        if abs(total - 2 * running) < abs(total - 2 * sum(len(s) for s in sections[:cut])):
            cut = i
    return Plan(html[:head_end], front, ("".join(sections[:cut]), "".join(sections[cut:])), html[body_end:])


Decide = Callable[[int, dict[str, int]], tuple[int, int]]


@contextlib.contextmanager
def page_numbers(decide: Decide) -> Iterator[None]:
    """While active, WeasyPrint numbers the pages of the document it renders `first + 1, ...` of `total`,
    where `(first, total) = decide(page count, {anchor: page index})` is asked once layout is done."""
    import weasyprint.layout as layout

    make_all_pages, make_margin_boxes = layout.make_all_pages, layout.make_margin_boxes
    laid_out: list[Any] = []
    numbers: list[int] = []

    def all_pages(context: Any, root_box: Any, html: Any, pages: Any) -> list[Any]:
        result = list(make_all_pages(context, root_box, html, pages))
        laid_out[:] = [result]
        return result

    def margin_boxes(context: Any, page: Any, state: Any) -> Any:
        if not numbers:
            pages = laid_out[0]
            anchors: dict[str, int] = {}
            for index, laid in enumerate(pages):
                for child in laid.descendants(placeholders=True):
                    anchor = child.style["anchor"]
                    if anchor and anchor not in anchors:
                        anchors[anchor] = index
            numbers.extend(decide(len(pages), anchors))
        state[1]["page"] = [numbers[0] + context.current_page]
        state[1]["pages"] = [numbers[1]]
        return make_margin_boxes(context, page, state)

    layout.make_all_pages, layout.make_margin_boxes = all_pages, margin_boxes
    try:
        yield
    finally:
        layout.make_all_pages, layout.make_margin_boxes = make_all_pages, make_margin_boxes


RenderOne = Callable[[str, Any, bool], Any]  # (html, numbering, is_front) -> pdf.Rendered


def render_in_parts(plan: Plan, render_one: RenderOne) -> bytes | None:
    """The document rendered as planned, merged into one PDF; None if anything failed (render it whole)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    children = []
    try:
        for part in plan.parts:
            ours, theirs = ctx.Pipe()
            html = plan.prefix.replace("</head>", PART_STYLE + "</head>", 1) + part + plan.suffix
            child = ctx.Process(target=_child, args=(theirs, html, render_one), daemon=True)
            child.start()
            children.append((child, ours))
        pdf = _assemble(plan, render_one, [conn for _, conn in children])
        log.info("rendered in parts: the front here, %d part(s) in child processes", len(plan.parts))
        return pdf
    except Exception as exc:  # noqa: BLE001 - the one-process render is always there
        log.warning("rendering in parts failed (%s: %s); rendering in one process", type(exc).__name__, exc)
        return None
    finally:
        for child, conn in children:
            conn.close()
            child.join(timeout=5)
            if child.is_alive():
                child.kill()


def _child(conn: Any, html: str, render_one: RenderOne) -> None:
    def decide(pages: int, anchors: dict[str, int]) -> tuple[int, int]:
        conn.send(("laid out", pages, anchors))
        first, total = conn.recv()
        return first, total

    try:
        rendered = render_one(html, page_numbers(decide), False)
        conn.send(("rendered", rendered))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which falls back
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()
        os._exit(0)  # no cleanup: the parent has the result, and freeing a laid-out document is slow


def _expect(conn: Any, kind: str) -> tuple[Any, ...]:
    if not conn.poll(PART_TIMEOUT):
        raise TimeoutError(f"a part sent nothing for {PART_TIMEOUT} s")
    message = conn.recv()  # EOFError if the child died
    if message[0] != kind:
        raise RuntimeError(f"part: {message[1] if message[0] == 'failed' else message[0]}")
    return tuple(message[1:])


def _assemble(plan: Plan, render_one: RenderOne, conns: list[Any]) -> bytes:
    referenced = set(re.findall(r'href="#([^"]+)"', plan.front)) - set(re.findall(r'id="([^"]+)"', plan.front))
    # Zero-size placeholders: WeasyPrint drops links to anchors it cannot find; the merge re-points them.
    placeholders = "".join(f'<span id="{name}"></span>' for name in sorted(referenced))
    front_html = (
        plan.prefix.replace("</head>", TOC_NUMBERS + "</head>", 1)  # first: no page of their own
        + f'<div style="height:0;overflow:hidden">{placeholders}</div>'
        + plan.front
        + plan.suffix
    )
    front_pages = _count_pages(_with_toc_numbers(front_html, referenced, {}))  # placeholder numbers
    laid = [_expect(conn, "laid out") for conn in conns]
    total = front_pages + sum(pages for pages, _ in laid)
    first, anchor_pages = front_pages, {}
    for conn, (pages, anchors) in zip(conns, laid, strict=True):
        conn.send((first, total))
        anchor_pages.update({name: first + index + 1 for name, index in anchors.items()})
        first += pages

    def front_numbers(pages: int, _anchors: dict[str, int]) -> tuple[int, int]:
        if pages != front_pages:
            raise RuntimeError(f"the front has {pages} pages with real numbers, {front_pages} without")
        return 0, total

    front = render_one(_with_toc_numbers(front_html, referenced, anchor_pages), page_numbers(front_numbers), True)
    parts = [_expect(conn, "rendered")[0] for conn in conns]
    return merge([front, *parts], moved=referenced)


def _count_pages(html: str) -> int:
    import weasyprint

    from governance.reports.pdf import gc_paused

    with gc_paused():
        return len(weasyprint.HTML(string=html).render().pages)


def _with_toc_numbers(html: str, moved: set[str], anchor_pages: dict[str, int]) -> str:
    """The links of `nav.toc` to anchors in other parts, with their page as a data-page attribute (999
    while not known yet); links within the front keep `target-counter`."""
    start = html.find('<nav class="toc')
    if start < 0:
        return html
    end = html.index("</nav>", start)

    def numbered(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group(0) if name not in moved else f'<a href="#{name}" data-page="{anchor_pages.get(name, 999)}"'

    return html[:start] + re.sub(r'<a href="#([^"]+)"', numbered, html[start:end]) + html[end:]


def merge(rendered: list[Any], *, moved: set[str]) -> bytes:
    """Append the pages of every part to the first file; merge named destinations (the parts' own win
    over the first file's placeholders named in `moved`) and rebuild the outline over all pages."""
    import pikepdf

    base = pikepdf.open(io.BytesIO(rendered[0].pdf))
    dests: dict[str, Any] = {}
    bookmarks: list[tuple[int, str, int, float, float, str]] = []
    offset = 0
    for position, part in enumerate(rendered):
        source = base if position == 0 else pikepdf.open(io.BytesIO(part.pdf))
        if position:
            with warnings.catch_warnings():
                # pikepdf warns that extend() drops named destinations: they are merged by hand just below
                # (tests/test_reports_parallel.py follows every contents link), so the warning, printed to a
                # user of `gov report audit`, would only say something false.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                base.pages.extend(source.pages)
        index_of = {page.obj.objgen: i for i, page in enumerate(source.pages)}
        for name, dest in _named_destinations(source).items():
            if position == 0 and name in moved:
                continue
            page_index = offset + index_of[dest[0].objgen]
            dests[name] = pikepdf.Array([base.pages[page_index].obj, *list(dest)[1:]])
        bookmarks += [(lvl, label, offset + page, x, y, st) for lvl, label, page, x, y, st in part.bookmarks]
        offset += len(source.pages)
    names = pikepdf.Array()
    for name in sorted(dests):
        names.extend([pikepdf.String(name), dests[name]])
    if "/Names" not in base.Root:
        base.Root.Names = pikepdf.Dictionary()
    base.Root.Names.Dests = base.make_indirect(pikepdf.Dictionary(Names=names))
    _write_outline(base, bookmarks)
    out = io.BytesIO()
    base.save(out, fix_metadata_version=False)
    return out.getvalue()


def _named_destinations(pdf: Any) -> dict[str, Any]:
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    return {str(k): v for k, v in pikepdf.NameTree(names.Dests).items()}


def _write_outline(pdf: Any, bookmarks: list[tuple[int, str, int, float, float, str]]) -> None:
    """The outline from flat bookmarks with CSS levels (h1 = 1...), nested by level as WeasyPrint does."""
    from pikepdf import OutlineItem, PageLocation

    root: list[Any] = []
    stack: list[tuple[int, list[Any]]] = [(0, root)]
    for level, label, page, x, y, state in bookmarks:
        while stack[-1][0] >= level:
            stack.pop()
        item = OutlineItem(label, page, PageLocation.XYZ, left=x, top=y, zoom=0)
        item.is_closed = state == "closed"
        stack[-1][1].append(item)
        stack.append((level, item.children))
    with pdf.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(root)
