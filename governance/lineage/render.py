"""Lineage answers as table, JSON, Graphviz DOT or Mermaid. Output is sorted: golden files stay stable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from governance.errors import InputError
from governance.lineage.graph import ColumnHop, Graph
from governance.timeutil import iso

FORMATS = ("table", "json", "dot", "mermaid")


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    return {
        "root": graph.root,
        "direction": graph.direction,
        "as_of": iso(graph.as_of),
        "nodes": [{"id": n, "type": n.split(":", 1)[0].upper(), "depth": d} for n, d in graph.sorted_nodes()],
        "edges": [{"origin": s, "destination": d} for s, d in sorted(graph.edges)],
    }


def dot_string(text: str) -> str:
    """`text` as a DOT quoted string: only `"` and `\\` are escaped (a backslash starts DOT's own label
    escapes such as `\\N`), line breaks become `\\n`, and every other character stays itself, so a
    non-ASCII name reaches Graphviz as UTF-8 (JSON's `\\u00e9` would print literally)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\n").replace("\r", "\n")
    return '"' + body.replace("\n", "\\n") + '"'


def _label(nid: str) -> str:
    return nid.split(":", 1)[1] if ":" in nid else nid


def render_graph(graph: Graph, fmt: str) -> str:
    """Render a traversal in one of FORMATS."""
    if fmt == "json":
        return json.dumps(graph_to_dict(graph), indent=2, sort_keys=True)
    if fmt == "table":
        rows = [("DEPTH", "TYPE", "NODE")] + [(str(d), n.split(":", 1)[0], _label(n)) for n, d in graph.sorted_nodes()]
        return _table(rows)
    if fmt == "dot":
        ids = {n: f"n{i}" for i, (n, _) in enumerate(graph.sorted_nodes())}
        lines = [f"digraph {dot_string(graph.direction)} {{", "  rankdir=LR;"]
        for n, _ in graph.sorted_nodes():
            shape = "box" if n.startswith("job:") else "cylinder"
            lines.append(f"  {ids[n]} [label={dot_string(_label(n))}, shape={shape}];")
        lines += [f"  {ids[s]} -> {ids[d]};" for s, d in sorted(graph.edges) if s in ids and d in ids]
        lines.append("}")
        return "\n".join(lines)
    if fmt == "mermaid":
        ids = {n: f"n{i}" for i, (n, _) in enumerate(graph.sorted_nodes())}
        lines = ["graph LR"]
        for n, _ in graph.sorted_nodes():
            text = _label(n).replace('"', "#quot;")
            lines.append(f'  {ids[n]}["{text}"]' if n.startswith("job:") else f'  {ids[n]}[("{text}")]')
        lines += [f"  {ids[s]} --> {ids[d]}" for s, d in sorted(graph.edges) if s in ids and d in ids]
        return "\n".join(lines)
    raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", where="format")


def render_path(nodes: list[str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"path": nodes, "found": bool(nodes)}, indent=2)
    if not nodes:
        return "no path"
    graph = Graph(
        root=nodes[0],
        direction="path",
        nodes={n: i for i, n in enumerate(nodes)},
        edges=set(zip(nodes, nodes[1:], strict=False)),
    )
    if fmt == "table":
        return " -> ".join(_label(n) for n in nodes)
    return render_graph(graph, fmt)


def render_columns(root: tuple[str, str], hops: list[ColumnHop], direction: str, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(
            {
                "root": {"dataset": root[0], "field": root[1]},
                "direction": direction,
                "columns": [
                    {
                        "dataset": h.dataset,
                        "field": h.field,
                        "depth": h.depth,
                        "via": {"dataset": h.via[0], "field": h.via[1]} if h.via else None,
                        "transformation": h.transformation,
                    }
                    for h in hops
                ],
            },
            indent=2,
            sort_keys=True,
        )
    if fmt == "table":
        rows = [("DEPTH", "DATASET", "FIELD", "VIA", "TRANSFORMATION")] + [
            (
                str(h.depth),
                _label(h.dataset),
                h.field,
                f"{_label(h.via[0])}.{h.via[1]}" if h.via else "",
                h.transformation or "",
            )
            for h in hops
        ]
        return _table(rows)
    nodes = {f"{root[0]}#{root[1]}": 0} | {f"{h.dataset}#{h.field}": h.depth for h in hops}
    edges = set()
    for h in hops:
        a, b = f"{h.dataset}#{h.field}", f"{h.via[0]}#{h.via[1]}" if h.via else ""
        edges.add((a, b) if direction == "upstream" else (b, a))
    return render_graph(Graph(root=root[0], direction=direction, nodes=nodes, edges=edges), fmt)


def render_rows(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(header, r, strict=True)) for r in rows], indent=2)
    if fmt != "table":
        raise InputError(f"format {fmt!r} is not available for this query; use table or json", where="format")
    return _table([tuple(h.upper() for h in header), *rows])


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
