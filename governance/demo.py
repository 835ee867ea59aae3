"""`gov demo`: the whole product on a fresh SQLite store with the bundled example data.

Each step is a plain call of the same service functions the CLI and API use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from governance.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "lineage" / "examples"
CREDIT_RUN = "55cbe03c-43cf-56cf-a69b-2c6acc32403c"
FRAUD_RUN = "7bb2fc67-fc6e-5c03-bf21-a841428344a9"
CREDIT_MODEL_DATASET = "dataset:s3://bank-ml-lake:models/credit-risk/3"


@dataclass
class DemoResult:
    out_dir: Path
    database_url: str
    lines: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)


def run_demo(out_dir: Path, *, echo: Callable[[str], None] = print) -> DemoResult:
    """Ingest the examples, register the example models, and answer the auditors' first questions."""
    from governance.lineage.graph import datasets_of_model_version, traverse
    from governance.lineage.ingest import ingest_paths
    from governance.lineage.render import render_graph
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import make_engine, session_scope
    from governance.store.migrate import upgrade

    if not EXAMPLES.is_dir():
        raise ConfigError(f"example data not found at {EXAMPLES}", hint="run from a source checkout")
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    upgrade(engine)
    result = DemoResult(out_dir=out_dir, database_url=url)

    report = ingest_paths(engine, [EXAMPLES])
    echo(f"[1] ingested {EXAMPLES.relative_to(REPO)}: {report.summary()}")
    with session_scope(engine) as session:
        register_model(session, "credit-risk", owner="team:credit-models", risk_tier="high",
                       description="Probability-of-default model for consumer loans", tags={"domain": "lending"})
        register_version(session, "credit-risk", VersionSpec(
            version="3", artifact_uri="s3://bank-ml-lake/models/credit-risk/3",
            artifact_digest="sha256:" + "3c" * 32, created_by="alice", training_run_id=CREDIT_RUN,
            stage="staging"))
        register_model(session, "fraud-detector", owner="team:fraud", risk_tier="critical",
                       description="Card-transaction fraud scoring", tags={"domain": "payments"})
        register_version(session, "fraud-detector", VersionSpec(
            version="7", artifact_uri="s3://bank-ml-lake/models/fraud-detector/7",
            artifact_digest="sha256:" + "7f" * 32, created_by="bob", training_run_id=FRAUD_RUN, stage="staging"))
    echo("[2] registered credit-risk 3 (high risk) and fraud-detector 7 (critical)")
    with session_scope(engine) as session:
        graph = traverse(session, CREDIT_MODEL_DATASET, "upstream", depth=20)
        echo(f"[3] lineage: upstream of {CREDIT_MODEL_DATASET}")
        for line in render_graph(graph, "table").splitlines():
            echo("      " + line)
        data = datasets_of_model_version(session, "credit-risk", "3")
        echo(f"    credit-risk 3 trained on {len(data)} dataset(s), recursively: "
             + ", ".join(d.split(':', 1)[1] for d in data))
    engine.dispose()
    echo(f"store: {url}  (inspect with GOV_DATABASE_URL={url} gov lineage upstream NODE)")
    return result
