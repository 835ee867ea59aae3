"""File ingest throughput: events/s into SQLite (and PostgreSQL when GOV_BENCH_POSTGRES_URL is set).

References measured on the same file in the same run: json.loads alone (the floor for any ingester
that reads JSON Lines; the ratio shows our overhead for validation + storage) and json.loads +
parse_event (the spec validation alone). Each ingest runs in a fresh process into a fresh store,
`--repeat` times, with the one-time imports (the spec models and their planning, the evidence
facets' modules: ~1.5 s together here) done before the clock starts; medians are printed, with the
peak RSS of the ingesting process and of its validation worker.

Usage: python bench/ingest.py [N_EVENTS] [--repeat R] [--workers auto|0|1]
GOV_BENCH_POSTGRES_URL must name a database the bench may fill and empty (it truncates the graph tables).
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 20_000
PG_TARGET = 15_000  # issue 12: PostgreSQL file ingest on this machine
GRAPH_TABLES = (
    "raw_event, rejected_event, job, dataset, dataset_facet_version, run, run_io, lineage_edge, column_edge, "
    "run_fact, run_fact_conflict, lineage_warning"
)


def one(url: str, path: Path, n: int, workers: str) -> dict[str, Any]:
    """Child process: ingest the file once (then again, all duplicates); print timings and peak memory."""
    import resource

    from governance.errors import InputError
    from governance.lineage.ingest import ingest_paths
    from governance.lineage.parse import parse_event
    from governance.store.db import make_engine
    from governance.store.migrate import upgrade

    with contextlib.suppress(InputError):
        parse_event({})  # import and plan the models before the clock starts
    from governance.lineage.evidence_facets import evidence_facets

    evidence_facets()  # one-time import of the evidence facets' modules (~0.8 s here), not throughput
    engine = make_engine(url)
    upgrade(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {GRAPH_TABLES} RESTART IDENTITY CASCADE")
    kwargs: dict[str, Any] = {}
    if workers != "auto" and "workers" in inspect.signature(ingest_paths).parameters:
        kwargs["workers"] = int(workers)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, start = time.process_time(), time.perf_counter()
    report = ingest_paths(engine, [path], **kwargs)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert report.accepted == n and not report.rejected, report.summary()
    again = time.perf_counter()
    dup = ingest_paths(engine, [path], **kwargs)
    dup_elapsed = time.perf_counter() - again
    assert dup.accepted == 0 and dup.duplicates == n
    engine.dispose()
    return {
        "rate": n / elapsed,
        "seconds": elapsed,
        "cpu": cpu,
        "dup_rate": n / dup_elapsed,
        "rss_before_mb": rss_before / 1024,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure(url: str, path: Path, n: int, repeat: int, workers: str) -> dict[str, float]:
    """`repeat` fresh processes on fresh stores (`{i}` in a SQLite URL numbers the files)."""
    runs = []
    for i in range(repeat):
        command = [sys.executable, __file__, "--one", url.format(i=i), str(path), str(n), "--workers", workers]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.splitlines()[-1]))
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]} | {
        "min_rate": min(r["rate"] for r in runs),
        "max_rate": max(r["rate"] for r in runs),
    }


def references(path: Path, n: int, repeat: int) -> tuple[float, float]:
    """Median events/s of json.loads alone, and of json.loads + parse_event, over the same lines."""
    from governance.lineage.parse import parse_event

    lines = path.read_text().splitlines()
    floors, parses = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        for line in lines:
            json.loads(line)
        floors.append(n / (time.perf_counter() - start))
        start = time.perf_counter()
        for line in lines:
            parse_event(json.loads(line))
        parses.append(n / (time.perf_counter() - start))
    return statistics.median(floors), statistics.median(parses)


def show(label: str, m: dict[str, float], floor: float) -> None:
    print(
        f"  {label:<11} {m['rate']:>8,.0f} events/s median (range {m['min_rate']:,.0f}-{m['max_rate']:,.0f}; "
        f"{m['seconds']:.2f} s, CPU of the writer {m['cpu']:.2f} s); {m['rate'] / floor:.3f} of the json.loads "
        f"floor; re-ingest of duplicates {m['dup_rate']:,.0f} events/s"
    )
    print(
        f"  {'':<11} peak RSS {m['rss_mb']:,.0f} MB (before ingest {m['rss_before_mb']:,.0f} MB), "
        f"validation worker {m['worker_rss_mb']:,.0f} MB (forked: pages shared with the writer count in both)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", default="auto", help="auto | 0 (one process) | 1 (validation worker)")
    parser.add_argument("--one", nargs=3, metavar=("URL", "PATH", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        url, path, n = args.one
        print(json.dumps(one(url, Path(path), int(n), args.workers)))
        return

    from bench.synth import run_events

    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        with path.open("w") as fh:
            for event in run_events(n):
                fh.write(json.dumps(event) + "\n")
        floor, parse = references(path, n, args.repeat)
        print(
            f"file ingest of {n:,} RunEvents ({path.stat().st_size / 1e6:.1f} MB JSON Lines), "
            f"median of {args.repeat} runs, workers={args.workers}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(f"  json.loads only (floor)      {floor:>10,.0f} events/s")
        print(f"  json.loads + parse_event     {parse:>10,.0f} events/s (validation to the spec, nothing stored)")
        sqlite = measure(f"sqlite:///{tmp}/bench{{i}}.db", path, n, args.repeat, args.workers)
        show("SQLite", sqlite, floor)
        print(f"  SQLite target >= {TARGET:,} events/s: {'MET' if sqlite['rate'] >= TARGET else 'MISSED'}")
        pg = os.environ.get("GOV_BENCH_POSTGRES_URL")
        if pg:
            postgres = measure(pg, path, n, args.repeat, args.workers)
            show("PostgreSQL", postgres, floor)
            print(
                f"  PostgreSQL target >= {PG_TARGET:,} events/s: {'MET' if postgres['rate'] >= PG_TARGET else 'MISSED'}"
                f" ({postgres['rate'] / sqlite['rate']:.2f} of SQLite)"
            )
        else:
            print("  PostgreSQL: set GOV_BENCH_POSTGRES_URL to a fresh database to include it")


if __name__ == "__main__":
    main()
