"""The training-lineage diagram: a layered left-to-right layout drawn as a small SVG (no graph library).

Layer = longest path from a source, so every edge points right; within a layer nodes are ordered by the
mean position of their predecessors (one barycentre pass), which removes most crossings in lineage graphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from governance.reports.model import LineageNode

WIDTH = 660.0
NODE_H = 34.0
TAG_H = 11.0
V_GAP = 12.0
MARGIN = 6.0
FONT = "DejaVu Sans, sans-serif"
SENSITIVE = frozenset({"pii", "restricted", "sensitive", "confidential"})


def layers(edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """node -> layer (longest path from a source). A cycle, which lineage should never have, is cut."""
    edges = list(edges)
    nodes = sorted({n for e in edges for n in e})
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for src, dst in edges:
        if src != dst:
            preds[dst].append(src)
    layer: dict[str, int] = {}

    def visit(node: str, stack: set[str]) -> int:
        if node in layer:
            return layer[node]
        stack.add(node)
        depth = 0
        for p in preds[node]:
            if p not in stack:
                depth = max(depth, visit(p, stack) + 1)
        stack.discard(node)
        layer[node] = depth
        return depth

    for n in nodes:
        visit(n, set())
    return layer


def _wrap(text: str, width: int, max_lines: int = 2) -> list[str]:
    """Break at '/', '.', '_', '-' or anywhere, into at most `max_lines` lines of `width` characters."""
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines:
        if len(rest) <= width:
            lines.append(rest)
            rest = ""
            break
        cut = max((rest.rfind(ch, 0, width) for ch in "/._-"), default=-1)
        cut = cut + 1 if cut >= width // 2 else width
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines[-1] = lines[-1][: max(1, width - 1)] + "…"
    return lines


def _order(columns: dict[int, list[LineageNode]], edges: Sequence[tuple[str, str]]) -> None:
    position: dict[str, float] = {}
    preds: dict[str, list[str]] = {}
    for src, dst in edges:
        preds.setdefault(dst, []).append(src)
    for layer in sorted(columns):
        nodes = columns[layer]
        nodes.sort(
            key=lambda n: (
                sum(position.get(p, 0.0) for p in preds.get(n.id, [])) / max(1, len(preds.get(n.id, []))),
                n.id,
            )
        )
        for i, n in enumerate(nodes):
            position[n.id] = float(i)


def _node_height(node: LineageNode) -> float:
    return NODE_H + (TAG_H if node.classifications else 0.0)


def _style(node: LineageNode) -> tuple[str, str, str]:
    """(fill, stroke, dash) by kind and sensitivity."""
    if node.kind == "model":
        return "#e7eef7", "#1f3b5c", ""
    if node.kind == "job":
        return "#f4f4f4", "#777777", "3,2"
    if SENSITIVE & {c.casefold() for c in node.classifications}:
        return "#fbecea", "#a3322a", ""
    return "#ffffff", "#4d4d4d", ""


def alt_text(nodes: Sequence[LineageNode], edges: Sequence[tuple[str, str]]) -> str:
    """The diagram in words: each edge as "A -> B", sensitive datasets named with their classifications."""
    label = {n.id: n.label + (f" ({', '.join(n.classifications)})" if n.classifications else "") for n in nodes}
    flows = "; ".join(f"{label.get(a, a)} -> {label.get(b, b)}" for a, b in edges if a in label and b in label)
    return f"Training lineage diagram, {len(nodes)} node(s): {flows or 'no edges'}."


def lineage_svg(nodes: Sequence[LineageNode], edges: Sequence[tuple[str, str]]) -> str:
    """SVG markup of the diagram; empty string when there is nothing to draw."""
    if not nodes:
        return ""
    columns: dict[int, list[LineageNode]] = {}
    for n in nodes:
        columns.setdefault(n.layer, []).append(n)
    _order(columns, edges)
    count = max(columns) + 1
    col_w = (WIDTH - 2 * MARGIN) / count
    box_w = col_w * 0.78
    chars = max(8, int(box_w / 5.6))
    boxes: dict[str, tuple[float, float, float]] = {}  # id -> (x, y, height)
    height = 0.0
    for layer, members in columns.items():
        y = MARGIN
        for n in members:
            h = _node_height(n)
            boxes[n.id] = (MARGIN + layer * col_w, y, h)
            y += h + V_GAP
        height = max(height, y)
    # Centre shorter columns vertically.
    for members in columns.values():
        used = sum(_node_height(n) + V_GAP for n in members)
        shift = (height - MARGIN - used) / 2
        for n in members:
            x, y, h = boxes[n.id]
            boxes[n.id] = (x, y + shift, h)
    alt = escape(alt_text(nodes, edges), {'"': "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="0 0 {WIDTH:.0f} {height:.0f}" '
        f'width="{WIDTH:.0f}" height="{height:.0f}" font-family="{FONT}" role="img" aria-label="{alt}">'
        f"<title>{alt}</title>"
    ]
    for src, dst in edges:
        if src in boxes and dst in boxes:
            parts.append(_edge(boxes[src], boxes[dst], box_w))
    for n in nodes:
        parts.append(_box(n, boxes[n.id], box_w, chars))
    parts.append("</svg>")
    return "".join(parts)


def _edge(a: tuple[float, float, float], b: tuple[float, float, float], box_w: float) -> str:
    x1, y1 = a[0] + box_w, a[1] + a[2] / 2
    x2, y2 = b[0] - 4, b[1] + b[2] / 2
    mid = (x1 + x2) / 2
    return (
        f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
        f'fill="none" stroke="#8a8a8a" stroke-width="0.9"/>'
        f'<path d="M{x2:.1f},{y2 - 3:.1f} L{x2 + 4:.1f},{y2:.1f} L{x2:.1f},{y2 + 3:.1f} z" fill="#8a8a8a"/>'
    )


def _box(n: LineageNode, place: tuple[float, float, float], box_w: float, chars: int) -> str:
    x, y, h = place
    fill, stroke, dash = _style(n)
    radius = 9 if n.kind == "job" else 2
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    weight = "1.6" if n.kind == "model" else "0.9"
    out = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{box_w:.1f}" height="{h:.1f}" rx="{radius}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{weight}"{dash_attr}/>'
    ]
    kind = {"job": "job", "model": "model version"}.get(n.kind, "dataset")
    out.append(f'<text x="{x + 4:.1f}" y="{y + 9:.1f}" font-size="6.5" fill="#666666">{kind}</text>')
    for i, line in enumerate(_wrap(n.label, chars)):
        bold = ' font-weight="bold"' if n.kind == "model" else ""
        out.append(f'<text x="{x + 4:.1f}" y="{y + 19 + i * 9:.1f}" font-size="8"{bold}>{escape(line)}</text>')
    if n.classifications:
        tags = " · ".join(n.classifications)
        out.append(
            f'<text x="{x + 4:.1f}" y="{y + h - 4:.1f}" font-size="6.5" fill="#a3322a">'
            f"{escape(_wrap(tags, int(chars * 1.2), 1)[0])}</text>"
        )
    return "".join(out)
