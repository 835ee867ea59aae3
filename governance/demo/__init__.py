"""`gov demo`: the whole product on a fresh SQLite store with the bundled example data.

Each step is a plain call of the same service functions the CLI and API use: ingest the example OpenLineage
events, register two models, compute fairness evidence on the bundled synthetic predictions, record approvals
(one violating separation of duties), run the gate with the default policies, sign a ledger checkpoint, and
write the signed audit report, the maturity scorecard and the register of blocked deployments.

The package, by concern: `data` (the bundled data's paths, what the demo expects, its result), `records`
(lineage, models, approvals, keys), `evidence` (fairness and stage evidence), `gate` (the checks, the ledger
checkpoint, the monitoring re-check) and `outputs` (the signed reports and the closing summary).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from governance.demo import evidence, gate, outputs, records
from governance.demo.data import (
    APPROVALS,
    CREDIT_MODEL_DATASET,
    CREDIT_RUN,
    EXAMPLES,
    EXPECTED,
    FRAUD_RUN,
    HISTORY,
    POLICIES,
    PREDICTIONS,
    STAGE_DATA,
    TARGET,
    DemoResult,
    fresh_store,
)
from governance.errors import ConfigError

__all__ = [
    "APPROVALS",
    "CREDIT_MODEL_DATASET",
    "CREDIT_RUN",
    "EXAMPLES",
    "EXPECTED",
    "FRAUD_RUN",
    "HISTORY",
    "POLICIES",
    "PREDICTIONS",
    "STAGE_DATA",
    "TARGET",
    "DemoResult",
    "run_demo",
]


def run_demo(out_dir: Path, *, echo: Callable[[str], None] = print) -> DemoResult:
    """Run every step into `out_dir` (store, keys, reports) and say where the results are."""
    from governance.store.db import make_engine
    from governance.store.migrate import upgrade

    for needed in (EXAMPLES, PREDICTIONS, STAGE_DATA, POLICIES):
        if not needed.is_dir():
            raise ConfigError(f"example data not found at {needed}", hint="run from a source checkout")
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    url = fresh_store(out_dir)
    engine = make_engine(url)
    upgrade(engine)
    result = DemoResult(out_dir=out_dir, database_url=url)

    def say(text: str) -> None:
        result.lines.append(text)
        echo(text)

    try:
        records.ingest_and_register(engine, say)
        records.lineage(engine, say)
        evidence.fairness(engine, say)
        evidence.stage_evidence(engine, say)
        records.approvals(engine, say)
        signer, cert = records.keys(out_dir / "keys", say)
        gate.gate(engine, say, result, signer)
        gate.monitoring(engine, say, result)
        outputs.reports(engine, say, result, out_dir, cert)
    finally:
        engine.dispose()
    result.seconds = time.perf_counter() - started
    outputs.closing(say, result, url, cert)
    return result
