"""File ingest throughput: events/s into SQLite (and PostgreSQL when GOV_BENCH_POSTGRES_URL is set).

Reference in the same run: the cost of json.loads alone on the same file (the floor for any
ingester that reads JSON Lines), so the ratio shows our overhead for validation + storage.
Usage: python bench/ingest.py [N_EVENTS]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import run_events  # noqa: E402
from governance.lineage.ingest import ingest_paths  # noqa: E402
from governance.store.db import make_engine  # noqa: E402
from governance.store.migrate import upgrade  # noqa: E402


def bench(url: str, path: Path, n: int) -> float:
    engine = make_engine(url)
    upgrade(engine)
    start = time.perf_counter()
    report = ingest_paths(engine, [path])
    elapsed = time.perf_counter() - start
    assert report.accepted == n and not report.rejected, report.summary()
    again = time.perf_counter()
    dup = ingest_paths(engine, [path])
    dup_elapsed = time.perf_counter() - again
    assert dup.accepted == 0
    engine.dispose()
    print(f"  {url.split(':')[0]:<22} {n / elapsed:>10,.0f} events/s  ({elapsed:.2f} s; re-ingest of duplicates "
          f"{n / dup_elapsed:,.0f} events/s)")
    return n / elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        with path.open("w") as fh:
            for event in run_events(n):
                fh.write(json.dumps(event) + "\n")
        start = time.perf_counter()
        for line in path.read_text().splitlines():
            json.loads(line)
        floor = time.perf_counter() - start
        print(f"file ingest of {n:,} RunEvents ({path.stat().st_size / 1e6:.1f} MB JSON Lines)")
        print(f"  json.loads only (floor) {n / floor:>10,.0f} events/s")
        rate = bench(f"sqlite:///{tmp}/bench.db", path, n)
        print(f"  SQLite: {rate / (n / floor):.3f} of the json.loads floor; target >= 20,000 events/s: "
              f"{'MET' if rate >= 20_000 else 'MISSED'}")
        pg = os.environ.get("GOV_BENCH_POSTGRES_URL")
        if pg:
            bench(pg, path, n)
        else:
            print("  PostgreSQL: set GOV_BENCH_POSTGRES_URL to a fresh database to include it")


if __name__ == "__main__":
    main()
