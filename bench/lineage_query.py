"""Upstream query at depth 20 on a synthetic graph of 1,000,000 edges: p50/p95 on SQLite (and
PostgreSQL when GOV_BENCH_POSTGRES_URL is set) against networkx BFS on the same graph in memory.

Usage: python bench/lineage_query.py [N_EDGES] [N_QUERIES]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import layered_edges  # noqa: E402
from governance.lineage.graph import traverse  # noqa: E402
from governance.store.db import make_engine  # noqa: E402
from governance.store.migrate import upgrade  # noqa: E402
from governance.store.tables import Dataset, Job, LineageEdge  # noqa: E402
from governance.timeutil import utcnow  # noqa: E402


def load(url: str, edges: list[tuple[str, str]]) -> object:
    engine = make_engine(url)
    upgrade(engine)
    now = utcnow()
    nodes = sorted({n for e in edges for n in e})
    with engine.begin() as conn:
        for model, kind in ((Dataset, "dataset"), (Job, "job")):
            rows = [
                {
                    "namespace": "bench",
                    "name": n.split(":", 2)[2],
                    "node_id": n,
                    "facets": {},
                    "facet_times": {},
                    "first_seen": now,
                    "last_seen": now,
                }
                for n in nodes
                if n.startswith(kind)
            ]
            for i in range(0, len(rows), 50_000):
                conn.execute(model.__table__.insert(), rows[i : i + 50_000])  # type: ignore[attr-defined]
        table = LineageEdge.__table__  # type: ignore[attr-defined]
        rows2 = [{"src": s, "dst": d, "first_seen": now} for s, d in edges]
        for i in range(0, len(rows2), 50_000):
            conn.execute(table.insert(), rows2[i : i + 50_000])
    return engine


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def main() -> None:
    n_edges = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_queries = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    edges = list(layered_edges(n_edges))
    deepest = max(int(d.split(":")[2].split("_")[0][1:]) for _, d in edges)
    rng = random.Random(7)
    roots = [
        f"{'job' if deepest % 2 else 'dataset'}:bench:L{deepest - 1 - (deepest - 1) % 2 + (deepest % 2)}_"
        f"{rng.randrange(1000)}"
        for _ in range(n_queries)
    ]
    roots = [f"dataset:bench:L{deepest - (deepest % 2)}_{rng.randrange(1000)}" for _ in range(n_queries)]
    import networkx as nx

    graph = nx.DiGraph(edges)
    samples_nx = []
    sizes = []
    for root in roots:
        start = time.perf_counter()
        reached = nx.single_source_shortest_path_length(graph.reverse(copy=False), root, cutoff=20)
        samples_nx.append(time.perf_counter() - start)
        sizes.append(len(reached))
    p50_nx, p95_nx = percentiles(samples_nx)
    print(
        f"upstream depth 20 on {len(edges):,} edges, {n_queries} random roots, "
        f"median nodes reached {statistics.median(sizes):.0f}"
    )
    print(f"  networkx BFS in memory  p50 {p50_nx * 1e3:7.2f} ms  p95 {p95_nx * 1e3:7.2f} ms")
    targets = [("SQLite", None)]
    if os.environ.get("GOV_BENCH_POSTGRES_URL"):
        targets.append(("PostgreSQL", os.environ["GOV_BENCH_POSTGRES_URL"]))
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in targets:
            start = time.perf_counter()
            engine = load(url or f"sqlite:///{tmp}/q.db", edges)
            load_s = time.perf_counter() - start
            from sqlmodel import Session

            samples = []
            with Session(engine) as session:  # type: ignore[arg-type]
                for root, size in zip(roots, sizes, strict=True):
                    start = time.perf_counter()
                    result = traverse(session, root, "upstream", depth=20)
                    samples.append(time.perf_counter() - start)
                    assert len(result.nodes) == size, (root, len(result.nodes), size)
            p50, p95 = percentiles(samples)
            verdict = "MET" if name != "SQLite" or p50 <= 0.050 else "MISSED"
            print(
                f"  {name:<22} p50 {p50 * 1e3:7.2f} ms  p95 {p95 * 1e3:7.2f} ms  "
                f"(x{p50 / p50_nx:.1f} networkx; load {load_s:.0f} s)"
                + (f"  target p50 <= 50 ms: {verdict}" if name == "SQLite" else "")
            )
            engine.dispose()  # type: ignore[attr-defined]
    if not os.environ.get("GOV_BENCH_POSTGRES_URL"):
        print("  PostgreSQL: set GOV_BENCH_POSTGRES_URL to a fresh database to include it")


if __name__ == "__main__":
    main()
