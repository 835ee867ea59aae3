"""Small helpers shared by tests: the CLI runner, example paths, table snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "lineage" / "examples"
GRAPH_TABLES = ("raw_event", "job", "dataset", "run", "run_io", "lineage_edge", "column_edge", "dataset_facet_version")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def gov(*args: str) -> CliResult:
    """Run the `gov` console script in-process: same argument parsing and error edge, exit code captured."""
    import contextlib
    import io
    import sys

    import governance.cli.main as main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["gov", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main.run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    return CliResult(code, out.getvalue(), err.getvalue())


def snapshot(engine: Engine) -> dict[str, Any]:
    """Row counts and the edge list: what 'the graph is unchanged' means in tests."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in GRAPH_TABLES:
            out[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        out["edges"] = sorted(conn.execute(text("SELECT src, dst, first_seen FROM lineage_edge")).all())
        out["runs"] = sorted(conn.execute(text("SELECT run_id, state, started_at, ended_at FROM run")).all())
    return out


def demo_first_seen(namespace: str, name: str) -> Any:
    """When `gov demo`'s store first saw a dataset: its earliest bundled example event, moved by the whole
    days the demo moves them so they stay recent (governance.demo.data.rebased_examples). Dates the demo
    shows follow the day it runs; a test comparing them to a fixed date fails once the days move."""
    from governance.demo.data import rebased_examples
    from governance.timeutil import parse_timestamp

    events, _ = rebased_examples()
    return min(
        parse_timestamp(event["eventTime"])
        for event in events
        for ds in [*(event.get("inputs") or []), *(event.get("outputs") or []), *filter(None, [event.get("dataset")])]
        if (ds["namespace"], ds["name"]) == (namespace, name)
    )
