"""Auditor queries over the projected graph: upstream, downstream, paths, columns, models.

Breadth-first, one indexed `IN` query per level, so a depth-20 query touches only the nodes it
reaches. `as_of` keeps only edges whose first eventTime is at or before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from governance.errors import InputError, NotFoundError
from governance.store.tables import (
    ColumnEdge,
    Dataset,
    Job,
    LineageEdge,
    ModelVersion,
    RegisteredModel,
    RunIO,
)
from governance.store.tables import Run as RunRow

CHUNK = 500
MAX_DEPTH = 1000


@dataclass
class Graph:
    """A query answer: nodes with their distance from the root, and the edges between them."""

    root: str
    direction: str
    nodes: dict[str, int] = field(default_factory=dict)
    edges: set[tuple[str, str]] = field(default_factory=set)
    as_of: datetime | None = None

    def sorted_nodes(self) -> list[tuple[str, int]]:
        return sorted(self.nodes.items(), key=lambda kv: (kv[1], kv[0]))


def _edge_table() -> Any:
    return LineageEdge.__table__  # type: ignore[attr-defined]


def node_exists(session: Session, nid: str, as_of: datetime | None = None) -> bool:
    kind = nid.split(":", 1)[0]
    model = {"dataset": Dataset, "job": Job}.get(kind)
    if model is None:
        raise InputError(
            f"node id must start with 'dataset:' or 'job:', got {nid!r}",
            where="NODE",
            hint="format: dataset:NAMESPACE:NAME or job:NAMESPACE:NAME",
        )
    stmt = select(model.first_seen).where(model.node_id == nid)  # type: ignore[attr-defined]
    first = session.execute(stmt).scalar_one_or_none()
    return first is not None and (as_of is None or first <= as_of)


def require_node(session: Session, nid: str, as_of: datetime | None = None) -> None:
    if not node_exists(session, nid, as_of):
        when = f" as of {as_of.isoformat()}" if as_of else ""
        raise NotFoundError(f"no lineage node {nid!r}{when}")


def _check_depth(depth: int | None) -> int:
    if depth is None:
        return MAX_DEPTH
    if depth < 0 or depth > MAX_DEPTH:
        raise InputError(f"depth must be between 0 and {MAX_DEPTH}, got {depth}", where="depth")
    return depth


def _neighbours(session: Session, frontier: list[str], direction: str, as_of: datetime | None) -> list[tuple[str, str]]:
    t = _edge_table()
    near, far = (t.c.dst, t.c.src) if direction == "upstream" else (t.c.src, t.c.dst)
    out: list[tuple[str, str]] = []
    for start in range(0, len(frontier), CHUNK):
        cond = near.in_(frontier[start : start + CHUNK])
        if as_of is not None:
            cond = and_(cond, t.c.first_seen <= as_of)
        out.extend((row[0], row[1]) for row in session.execute(select(t.c.src, t.c.dst).where(cond)).all())
    return out


def traverse(
    session: Session, root: str, direction: str, *, depth: int | None = None, as_of: datetime | None = None
) -> Graph:
    """Nodes reachable from `root` upstream or downstream, at most `depth` edges away."""
    if direction not in ("upstream", "downstream"):
        raise InputError(f"direction must be upstream or downstream, got {direction!r}")
    limit = _check_depth(depth)
    require_node(session, root, as_of)
    graph = Graph(root=root, direction=direction, nodes={root: 0}, as_of=as_of)
    frontier, level = [root], 0
    while frontier and level < limit:
        level += 1
        nxt: list[str] = []
        for src, dst in _neighbours(session, frontier, direction, as_of):
            graph.edges.add((src, dst))
            other = src if direction == "upstream" else dst
            if other not in graph.nodes:
                graph.nodes[other] = level
                nxt.append(other)
        frontier = nxt
    return graph


def path(
    session: Session, source: str, target: str, *, depth: int | None = None, as_of: datetime | None = None
) -> list[str]:
    """A shortest directed path source -> target following data flow; empty if there is none."""
    limit = _check_depth(depth)
    require_node(session, source, as_of)
    require_node(session, target, as_of)
    parent: dict[str, str | None] = {source: None}
    frontier = [source]
    level = 0
    while frontier and level < limit and target not in parent:
        level += 1
        nxt = []
        for src, dst in _neighbours(session, frontier, "downstream", as_of):
            if dst not in parent:
                parent[dst] = src
                nxt.append(dst)
        frontier = nxt
    if target not in parent:
        return []
    out: list[str] = []
    node: str | None = target
    while node is not None:
        out.append(node)
        node = parent[node]
    return out[::-1]


def neighbourhood(session: Session, root: str, *, depth: int, as_of: datetime | None = None) -> Graph:
    """Both directions (what Marquez's lineage endpoint returns)."""
    up = traverse(session, root, "upstream", depth=depth, as_of=as_of)
    down = traverse(session, root, "downstream", depth=depth, as_of=as_of)
    graph = Graph(root=root, direction="both", nodes={**down.nodes, **up.nodes}, as_of=as_of)
    graph.edges = up.edges | down.edges
    return graph


@dataclass(frozen=True)
class ColumnHop:
    dataset: str
    field: str
    depth: int
    via: tuple[str, str] | None  # the neighbouring (dataset, field) it came from
    transformation: str | None


def column_lineage(
    session: Session,
    dataset: str,
    column: str,
    direction: str,
    *,
    depth: int | None = None,
    as_of: datetime | None = None,
) -> list[ColumnHop]:
    """Where a column came from (upstream) or where it flows (downstream), hop by hop."""
    limit = _check_depth(depth)
    require_node(session, dataset, as_of)
    t = ColumnEdge.__table__  # type: ignore[attr-defined]
    seen = {(dataset, column)}
    hops: list[ColumnHop] = []
    frontier, level = [(dataset, column)], 0
    while frontier and level < limit:
        level += 1
        conds = [
            and_(t.c.dst_dataset == d, t.c.dst_field == f)
            if direction == "upstream"
            else and_(t.c.src_dataset == d, t.c.src_field == f)
            for d, f in frontier
        ]
        stmt = select(t.c.src_dataset, t.c.src_field, t.c.dst_dataset, t.c.dst_field, t.c.transformation)
        cond: Any = or_(*conds)
        if as_of is not None:
            cond = and_(cond, t.c.first_seen <= as_of)
        nxt = []
        for sd, sf, dd, df, text in session.execute(stmt.where(cond)).all():
            here, there = ((dd, df), (sd, sf)) if direction == "upstream" else ((sd, sf), (dd, df))
            if there not in seen:
                seen.add(there)
                hops.append(ColumnHop(there[0], there[1], level, here, text))
                nxt.append(there)
        frontier = nxt
    return hops


def training_inputs(session: Session, run_id: str, as_of: datetime | None = None) -> list[str]:
    """Dataset node ids the given run read."""
    t = RunIO.__table__  # type: ignore[attr-defined]
    d = Dataset.__table__  # type: ignore[attr-defined]
    cond = and_(t.c.run_id == run_id, t.c.direction == "in")
    if as_of is not None:
        cond = and_(cond, t.c.event_time <= as_of)
    rows = session.execute(select(d.c.node_id).join(t, t.c.dataset_id == d.c.id).where(cond)).all()
    return sorted(r[0] for r in rows)


def datasets_of_closure(
    session: Session, run_id: str, *, depth: int | None = None, as_of: datetime | None = None
) -> tuple[list[str], list[str]]:
    """(datasets the run read, datasets upstream of those), each sorted."""
    direct = training_inputs(session, run_id, as_of)
    upstream: set[str] = set()
    for ds in direct:
        up = traverse(session, ds, "upstream", depth=depth, as_of=as_of)
        upstream.update(n for n in up.nodes if n.startswith("dataset:"))
    return direct, sorted(upstream - set(direct))


def datasets_of_model_version(
    session: Session, model: str, version: str, *, depth: int | None = None, as_of: datetime | None = None
) -> dict[str, int]:
    """Datasets the version's training run read, and recursively everything upstream of them (node -> hops)."""
    from governance.registry.service import get_version

    _, mv = get_version(session, model, version)
    if mv.training_run_id is None:
        raise NotFoundError(
            f"{model} {version} has no training run recorded", hint="register the version with --training-run RUN_ID"
        )
    if session.get(RunRow, mv.training_run_id) is None:
        raise NotFoundError(f"training run {mv.training_run_id} of {model} {version} is not in the lineage store")
    return _closure(session, mv.training_run_id, depth, as_of)  # here `depth` bounds edges upstream of an input


def closure_of_run(
    session: Session, run_id: str, *, depth: int | None = None, as_of: datetime | None = None
) -> dict[str, int]:
    """Datasets the run read (depth 1) and recursively everything upstream of them (node -> depth).

    Depth counts dataset-to-dataset steps (dataset -> job -> dataset is one step), the shortest way
    round; `depth` bounds it (None: unlimited). The gate's lineage rules and the auditor's queries
    both read the closure from here, so they see the same datasets at the same depths.
    """
    return _closure(session, run_id, None if depth is None else max(0, 2 * (depth - 1)), as_of)


def _closure(session: Session, run_id: str, edges: int | None, as_of: datetime | None) -> dict[str, int]:
    result: dict[str, int] = {}
    for ds in training_inputs(session, run_id, as_of):
        result[ds] = 1
    for ds in list(result):
        up = traverse(session, ds, "upstream", depth=edges, as_of=as_of)
        for nid, hops in up.nodes.items():
            steps = hops // 2 + 1
            if nid.startswith("dataset:") and (nid not in result or result[nid] > steps):
                result[nid] = steps
    return dict(sorted(result.items(), key=lambda kv: (kv[1], kv[0])))


def model_versions_trained_on(
    session: Session, dataset: str, *, as_of: datetime | None = None
) -> list[tuple[str, str, str]]:
    """(model, version, training dataset) for every version whose training read `dataset` or its descendants."""
    reach = traverse(session, dataset, "downstream", as_of=as_of)
    datasets = [n for n in reach.nodes if n.startswith("dataset:")]
    io, d = RunIO.__table__, Dataset.__table__  # type: ignore[attr-defined]
    mv, rm = ModelVersion.__table__, RegisteredModel.__table__  # type: ignore[attr-defined]
    out: set[tuple[str, str, str]] = set()
    for start in range(0, len(datasets), CHUNK):
        cond = and_(d.c.node_id.in_(datasets[start : start + CHUNK]), io.c.direction == "in")
        if as_of is not None:
            cond = and_(cond, io.c.event_time <= as_of)
        stmt = (
            select(rm.c.name, mv.c.version, d.c.node_id)
            .join(mv, mv.c.model_id == rm.c.id)
            .join(io, io.c.run_id == mv.c.training_run_id)
            .join(d, d.c.id == io.c.dataset_id)
            .where(cond)
        )
        out.update((r[0], r[1], r[2]) for r in session.execute(stmt).all())
    return sorted(out)
