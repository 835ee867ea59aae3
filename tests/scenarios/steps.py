"""The step vocabulary of the end-to-end scenarios (tests/scenarios/cases.py) and how each step runs.

Every step goes through a public face: the `gov` CLI in-process (tests/helpers.py `gov`) or the HTTP API
(an in-process client of governance.api.app). Events are built relative to the run's clock, so max-age
rules behave the same whenever the suite runs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest_policy import WAREHOUSE, _event, owners, platform_events, rid
from tests.helpers import gov

Events = Callable[[datetime], list[dict[str, Any]]]
TRAINING_RUN = rid("train-credit-3")
DIGEST = "c" * 64


# ---- steps ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ingest:
    """`gov lineage ingest` of the events `build(now)` returns."""

    build: Events


@dataclass(frozen=True)
class ApiIngest:
    """POST /api/v1/lineage/batch with a token of `role` named `name`."""

    build: Events
    role: str = "ingest"
    name: str = "airflow"


@dataclass(frozen=True)
class Register:
    """`gov registry register credit-risk --version 3 ...` (created by alice, trained by the platform's run)."""

    training_run: str | None = TRAINING_RUN
    extra: tuple[str, ...] = ("--tag", "intended_use=consumer credit scoring")


@dataclass(frozen=True)
class Fairness:
    """`gov evidence fairness` on a CSV built from per-group (rows, selection rate)."""

    groups: dict[tuple[str, ...], tuple[int, float]]
    sensitive: tuple[str, ...] = ("sex",)
    extra: tuple[str, ...] = ("--bootstrap", "200", "--seed", "1")


@dataclass(frozen=True)
class Gov:
    """Any other `gov` command; its exit code (and optionally one line of its output) is asserted."""

    args: tuple[str, ...]
    exit: int = 0
    says: str | None = None


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Check:
    """`gov check credit-risk 3 --format json`: the exact verdict of every policy, the exit code, the findings."""

    verdicts: dict[str, str]
    exit: int
    target: str = "production"
    says: tuple[str, ...] = ()  # statements the check's messages/details must contain
    findings: tuple[str, ...] = ()  # substrings, each of some finding (its JSON); none: no finding at all


@dataclass(frozen=True)
class Report:
    """`gov report audit --format json`: the results.json must contain each statement somewhere, verbatim."""

    contains: tuple[str, ...] = ()
    state: str | None = None  # the version's state in the report
    check: Callable[[dict[str, Any]], None] | None = None


Step = Ingest | ApiIngest | Register | Fairness | Gov | Sleep | Check | Report


@dataclass(frozen=True)
class Scenario:
    name: str
    story: str
    steps: tuple[Step, ...]
    env: dict[str, str] = field(default_factory=dict)


# ---- event builders ------------------------------------------------------------------------------
ALL_PASS = {
    "approval.two-person": "pass",
    "condition.intended-use": "pass",
    "condition.training-recency": "pass",
    "data.retention": "pass",
    "evidence.validation-stages": "pass",
    "fairness.demographic-parity": "pass",
    "fairness.four-fifths": "pass",
    "lineage.provenance": "pass",
}


def platform(days_ago: float = 10, **kwargs: Any) -> Events:
    """The credit platform of tests/conftest_policy.py: applications -> features -> training -> validation."""
    return lambda now: platform_events(now - timedelta(days=days_ago), **kwargs)


def without_owner(build: Events, dataset: str) -> Events:
    def events(now: datetime) -> list[dict[str, Any]]:
        out = build(now)
        for e in out:
            for d in e["inputs"] + e["outputs"]:
                if d["name"] == dataset:
                    d["facets"].pop("ownership", None)
        return out

    return events


def with_archive_upstream(build: Events, *, age_days: int, classification: str = "PII") -> Events:
    """An upstream extract, first written `age_days` ago and classified, read by the features job (depth 2)."""

    def events(now: datetime) -> list[dict[str, Any]]:
        from tests.conftest_policy import ol_facet

        tag = [{"key": "classification", "value": classification, "source": "catalog"}]
        archive = {
            "namespace": WAREHOUSE,
            "name": "bank.applications_archive",
            "facets": {
                "schema": ol_facet(
                    "SchemaDatasetFacet", "1-2-0", fields=[{"name": "ssn", "type": "TEXT", "tags": tag}]
                ),
                "ownership": owners("team:credit-data"),
            },
        }
        then = now - timedelta(days=age_days)
        made = _event("COMPLETE", then, "archive.export", "archive-1", [], [archive])
        out = build(now)
        for e in out:
            if e["job"]["name"] == "features.build":
                e["inputs"].append({"namespace": archive["namespace"], "name": archive["name"]})
        return [made, *out]

    return events


def only(build: Events, job: str) -> Events:
    """Just the events of one job (the others never reached the store)."""
    return lambda now: [e for e in build(now) if e["job"]["name"] == job]


def fairness_facet_run(now: datetime) -> list[dict[str, Any]]:
    """A run carrying a gov fairness facet for credit-risk 3, as a pipeline would emit it."""
    from governance.evidence.custom_facets import FAIRNESS

    facet = {
        "_producer": "https://example.com/fairness",
        "_schemaURL": FAIRNESS.schema_url(),
        "model": {"name": "credit-risk", "version": "3"},
        "data": {"digest": "sha256:" + "ab" * 32},
        "label": "label",
        "prediction": "prediction",
        "sensitive": ["sex"],
        "favorableLabel": "1",
        "privilegedGroup": "sex=male",
        "bootstrap": {"resamples": 200, "seed": 1},
        "groups": [{"values": {"sex": s}, "tp": 400, "fp": 100, "fn": 100, "tn": 400} for s in ("female", "male")],
    }
    e = _event("COMPLETE", now - timedelta(days=1), "ml.fairness_credit_risk", "fairness-credit-3", [], [])
    e["run"]["facets"] = {FAIRNESS.key: facet}
    return [e]


# ---- running -------------------------------------------------------------------------------------
def fairness_csv(path: Path, step: Fairness) -> Path:
    """Rows per group: the first round(n * rate) predicted favourable; labels equal predictions but for
    one in ten flipped, so every confusion cell is populated."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["label", "prediction", *step.sensitive])
        for values, (n, rate) in step.groups.items():
            k = round(n * rate)
            for i in range(n):
                pred = 1 if i < k else 0
                label = 1 - pred if i % 10 == 0 else pred
                w.writerow([label, pred, *values])
    return path


def strings(obj: Any) -> Iterator[str]:
    """Every string in a JSON value (keys included), so a statement can be looked for verbatim."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


def run_gov(*args: str, exit: int = 0) -> Any:
    result = gov(*args)
    assert result.exit_code == exit, f"gov {' '.join(args)} -> {result.exit_code}, wanted {exit}\n{result.output}"
    return result


def write_events(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    return path
