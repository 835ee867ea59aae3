"""Writes the golden files of tests/test_serial_compat.py. Run ONCE, with the code BEFORE the serializer
change (issue 10, "fewer hand-written to_dict/from_dict"): the files pin what that code wrote.

    .venv/bin/python tests/golden/serial/generate.py /tmp/demo-out   # after `gov demo` wrote /tmp/demo-out

Re-running it after a change would only pin the new output; don't.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def _dump(name: str, value: Any) -> None:
    # Exactly as produced (key order kept): byte-identity is what the test checks.
    (HERE / name).write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(demo_out: Path) -> None:
    sys.path.insert(0, str(HERE.parents[2]))
    from governance.policy.context import EvaluationContext
    from tests.serial_cases import context_cases, report_cases, sparse_context_inputs

    _dump("contexts.json", {name: ctx.to_dict() for name, ctx in context_cases().items()})
    _dump(
        "sparse_contexts.json",
        {name: EvaluationContext.from_dict(d).to_dict() for name, d in sparse_context_inputs().items()},
    )
    _dump("reports.json", {name: r.to_dict() for name, r in report_cases().items()})

    # The demo store, as SQL text: the test rebuilds it and replays every decision stored in it.
    conn = sqlite3.connect(demo_out / "demo.db")
    (HERE / "demo_store.sql").write_text("\n".join(conn.iterdump()) + "\n", encoding="utf-8")
    from governance.gate.service import report_of
    from governance.gate.tables import Decision

    rows = conn.execute("SELECT id FROM policy_decision ORDER BY id").fetchall()
    conn.close()
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    engine = open_store(f"sqlite:///{demo_out / 'demo.db'}")
    with session_scope(engine) as session:
        decisions = {}
        for (did,) in rows:
            row = session.get(Decision, did)
            assert row is not None
            decisions[did] = {
                "context": row.context,
                "report": report_of(row).to_dict(),
            }
    _dump("demo_decisions.json", decisions)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
