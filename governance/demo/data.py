"""The demo's bundled data, what it expects to show, and its result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from governance.assets import asset_path

EXAMPLES = asset_path("lineage", "examples")
PREDICTIONS = EXAMPLES / "predictions"
STAGE_DATA = EXAMPLES / "stages"  # synthetic validation-stage data (make_stage_data.py beside it)
POLICIES = asset_path("policies", "default")
CREDIT_RUN = "55cbe03c-43cf-56cf-a69b-2c6acc32403c"
FRAUD_RUN = "7bb2fc67-fc6e-5c03-bf21-a841428344a9"
CREDIT_MODEL_DATASET = "dataset:s3://bank-ml-lake:models/credit-risk/3"
TARGET = "production"
# (model, version, expected gate outcome): what the demo is built to show.
EXPECTED = (("credit-risk", "3", "deployable"), ("fraud-detector", "7", "blocked"))
# credit-risk's earlier versions: (version, registry stage, how long ago it was registered and validated)
HISTORY = (("1", "archived", timedelta(days=210)), ("2", "production", timedelta(days=120)))
APPROVALS = (
    ("credit-risk", "3", "model-risk-officer", "carol", "Validation pack reviewed; within appetite."),
    ("credit-risk", "3", "business-owner", "dave", "Approved for the consumer lending book."),
    # bob created fraud-detector 7: separation of duties refuses his approval, so the gate blocks it.
    ("fraud-detector", "7", "model-risk-officer", "bob", "Looks good to me."),
    ("fraud-detector", "7", "business-owner", "erin", "Approved for card payments."),
)


@dataclass
class DemoResult:
    out_dir: Path
    database_url: str
    lines: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # "model version" -> deployable | blocked
    verified: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0


def fresh_store(out_dir: Path) -> str:
    db_path = out_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db_path}"


def rebased_examples(recent: timedelta = timedelta(days=10)) -> tuple[list[dict[str, Any]], int]:
    """The example events with eventTime shifted by whole days so the last one is about `recent` ago.

    The files are dated October 2026 and the default policies want evidence younger than 90 days:
    without this the demo's verdicts would depend on the day it runs.
    """
    import json

    from governance.timeutil import parse_timestamp, utcnow

    events = [
        json.loads(line)
        for path in sorted(EXAMPLES.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    latest = max(parse_timestamp(e["eventTime"]) for e in events)
    days = max(0, (utcnow() - recent - latest).days)
    for event in events:
        moved = parse_timestamp(event["eventTime"]) + timedelta(days=days)
        event["eventTime"] = moved.isoformat().replace("+00:00", "Z")
    return events, days
