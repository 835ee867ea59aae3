"""Issue 12, the trust gaps left after items 1-10, each tried as an attacker with an `ingest` token:

1. a later `ownership` facet cannot replace a job's or dataset's owners (first write wins, the claim is
   a conflict and a finding);
2. `gov_validationResults` counts only when a trusted producer submitted it;
3. posting an event first cannot hide a trusted producer's identical copy (deduplication keeps one
   body but every submitter).
Both back ends (`engine`).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from governance.evidence.custom_facets import AUTHORS, FAIRNESS, VALIDATION
from governance.gate.service import run_check
from governance.identity import token_submitter
from governance.lineage.authors import run_authors
from governance.lineage.ingest import ingest_objects
from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope
from governance.store.tables import Dataset, NodeFactConflict

INGEST_BOT = token_submitter("airflow", "ingest")
EVIDENCE_BOT = token_submitter("quality-ci", "evidence")
RUN = "5f1d1c9e-2b7a-4c1e-9a53-0f6f0f0f0f01"
VALIDATOR = "5f1d1c9e-2b7a-4c1e-9a53-0f6f0f0f0f02"
PRODUCER = "https://example.com/pipelines"
EVIDENCE_POLICY = """\
id: validation.performance
version: 1.0.0
title: performance evidence
owner: team:risk
rationale: r
remediation: r
controls: ["nist-ai-rmf:MEASURE 2.3"]
mode: enforce
severity: high
kind: evidence_required
rule:
  stages:
    model_performance:
      checks:
        - {name: auc, min: 0.7}
"""
FAIRNESS_POLICY = """\
id: fairness.parity
version: 1.0.0
title: parity
owner: team:risk
rationale: r
remediation: r
controls: ["nist-ai-rmf:MEASURE 2.11"]
mode: enforce
severity: high
kind: bias_threshold
rule:
  metric: aif360.statistical_parity_difference
  sensitive: [sex]
  bound: {min: -0.5, max: 0.5}
  applies_to: point
"""


def _event(run_id: str, *, run_facets: dict[str, Any] | None = None, job_facets: dict[str, Any] | None = None,
           inputs: list[dict[str, Any]] = (), outputs: list[dict[str, Any]] = (), job: str = "train",
           kind: str = "COMPLETE", at: str = "2026-11-27T12:00:00Z") -> dict[str, Any]:  # fmt: skip
    return {
        "eventType": kind,
        "eventTime": at,
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": "pipelines", "name": job, "facets": job_facets or {}},
        "inputs": list(inputs),
        "outputs": list(outputs),
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def _ownership(*names: str) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet",
        "owners": [{"name": n, "type": "MAINTAINER"} for n in names],
    }


def _results(auc: float) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": VALIDATION.schema_url(),
        "results": [{"stage": "model_performance", "name": "auc", "value": auc, "success": auc >= 0.7}],
    }


def _fairness_facet() -> dict[str, Any]:
    return {
        "_producer": "https://example.com/fairness",
        "_schemaURL": FAIRNESS.schema_url(),
        "model": {"name": "credit", "version": "1"},
        "data": {"digest": "sha256:" + "ab" * 32},
        "label": "y",
        "prediction": "p",
        "sensitive": ["sex"],
        "favorableLabel": "1",
        "privilegedGroup": "sex=g0",
        "bootstrap": {"resamples": 200, "seed": 1},
        "groups": [{"values": {"sex": f"g{i}"}, "tp": 40, "fp": 10, "fn": 10, "tn": 40} for i in range(2)],
    }


@pytest.fixture
def store(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        register_model(session, "credit", owner="team")
        register_version(session, "credit", VersionSpec("1", "s3://m/1", "cd" * 32, "carol", training_run_id=RUN))
    return engine


def _policy(tmp_path: Path, text_: str) -> Path:
    folder = tmp_path / f"policies-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    (folder / "p.yaml").write_text(text_)
    return folder


def _check(engine: Engine, folder: Path) -> Any:
    with session_scope(engine) as session:
        return run_check(session, "credit", "1", "production", policy_dir=folder, requested_by="ci", ci_env={})


def _ingest(engine: Engine, event: dict[str, Any], who: str) -> Any:
    report = ingest_objects(engine, [event], source="t", submitted_by=who)
    assert not report.rejected, [r.line() for r in report.rejected]
    return report


# ---- 1. ownership is first-write-wins ------------------------------------------------------------------


def test_a_later_job_ownership_does_not_replace_the_owners(store: Engine, tmp_path: Path) -> None:
    """Before: the ingest token's `ownership` replaced the job's owners, so bob (who wrote the job)
    vanished from the training run's authors and could approve his own model."""
    _ingest(store, _event(RUN, job_facets={"ownership": _ownership("bob")}), EVIDENCE_BOT)
    with session_scope(store) as session:
        assert run_authors(session, RUN) == ("bob",)
    later = _event(RUN, job_facets={"ownership": _ownership("mallory")}, kind="OTHER", at="2026-11-28T09:00:00Z")
    _ingest(store, later, INGEST_BOT)
    with session_scope(store) as session:
        assert run_authors(session, RUN) == ("bob",)  # the first owners stand
        conflicts = session.exec(select(NodeFactConflict)).all()
        assert [(c.node_id, c.first_value, c.claimed_value, c.submitted_by) for c in conflicts] == [
            ("job:pipelines:train", ["bob"], ["mallory"], INGEST_BOT)
        ]
    # The same owners again (another producer's facet) are no conflict.
    same = {**_ownership("bob"), "_producer": "https://example.com/other"}
    _ingest(store, _event(RUN, job_facets={"ownership": same}, at="2026-11-28T10:00:00Z"), INGEST_BOT)
    report = _check(store, _policy(tmp_path, EVIDENCE_POLICY))
    found = [f for f in report.findings if f["kind"] == "node_fact_conflict"]
    assert len(found) == 1, report.findings
    assert "['mallory']" in found[0]["message"] and INGEST_BOT in found[0]["message"]
    assert found[0]["source"] == "job:pipelines:train"


def test_a_later_dataset_ownership_does_not_replace_the_owners(store: Engine, tmp_path: Path) -> None:
    data = {"namespace": "s3://d", "name": "applications"}
    first = {**data, "facets": {"ownership": _ownership("team:credit-data")}}
    _ingest(store, _event(RUN, inputs=[first]), EVIDENCE_BOT)
    # In one batch: an equal claim, then two different ones (one of them in a DatasetEvent).
    claims = [
        _event(
            RUN,
            inputs=[{**data, "facets": {"ownership": _ownership("mallory")}}],
            kind="OTHER",
            at="2026-11-28T09:00:00Z",
        ),  # fmt: skip
        {
            "eventTime": "2026-11-28T10:00:00Z",
            "dataset": {**data, "facets": {"ownership": _ownership("eve")}},
            "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        },
    ]
    report = ingest_objects(store, claims, source="t", submitted_by=INGEST_BOT)
    assert report.accepted == 2, [r.line() for r in report.rejected]
    with session_scope(store) as session:
        ds = session.exec(select(Dataset).where(Dataset.name == "applications")).one()
        assert ds.facets["ownership"]["owners"][0]["name"] == "team:credit-data"
        claimed = sorted(c.claimed_value[0] for c in session.exec(select(NodeFactConflict)).all())
        assert claimed == ["eve", "mallory"]
    report = _check(store, _policy(tmp_path, EVIDENCE_POLICY))
    found = [f for f in report.findings if f["kind"] == "node_fact_conflict"]
    assert sorted(f["source"] for f in found) == ["dataset:s3://d:applications"] * 2
    with store.connect() as conn:  # the "as of" history does not take the claims either
        versions = conn.execute(text("SELECT count(*) FROM dataset_facet_version WHERE facet = 'ownership'"))
        assert versions.scalar_one() == 1


def test_the_first_ownership_of_a_new_job_wins_within_one_batch(store: Engine) -> None:
    events = [
        _event(RUN, job_facets={"ownership": _ownership("bob")}, kind="START", at="2026-11-27T11:00:00Z"),
        _event(RUN, job_facets={"ownership": _ownership("mallory")}),
    ]
    assert ingest_objects(store, events, source="t", submitted_by=INGEST_BOT).accepted == 2
    with session_scope(store) as session:
        assert run_authors(session, RUN) == ("bob",)
        assert [c.claimed_value for c in session.exec(select(NodeFactConflict)).all()] == [["mallory"]]


def test_authors_facet_still_reads(store: Engine) -> None:
    _ingest(store, _event(RUN, run_facets={AUTHORS.key: {"_producer": PRODUCER, "_schemaURL": AUTHORS.schema_url(),
                                                          "authors": [{"name": "dan"}]}}), EVIDENCE_BOT)  # fmt: skip
    with session_scope(store) as session:
        assert run_authors(session, RUN) == ("dan",)


# ---- 2. validation results count only from trusted producers -------------------------------------------


def _verdict(engine: Engine, folder: Path) -> Any:
    return _check(engine, folder).outcomes[0]


def test_an_ingest_token_s_validation_results_are_kept_but_not_counted(store: Engine, tmp_path: Path) -> None:
    """Before: an ingest token's `gov_validationResults` moved the policy from not_evaluated to pass."""
    folder = _policy(tmp_path, EVIDENCE_POLICY)
    assert _verdict(store, folder).verdict.value == "not_evaluated"
    _ingest(store, _event(RUN, run_facets={VALIDATION.key: _results(0.9)}), INGEST_BOT)
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "not_evaluated", (outcome.message, outcome.details)
    assert INGEST_BOT in outcome.message and "not counted: validation results" in outcome.message
    # The same claim from a trusted producer (its own event) counts.
    _ingest(store, _event(RUN, run_facets={VALIDATION.key: _results(0.8)}, at="2026-11-27T13:00:00Z"), EVIDENCE_BOT)
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "pass", (outcome.message, outcome.details)
    # A later value from the ingest token (newest facet wins in the projection) does not replace it: the
    # trusted earlier value is counted instead, failing or passing alike.
    _ingest(store, _event(RUN, run_facets={VALIDATION.key: _results(0.1)}, at="2026-11-27T14:00:00Z"), EVIDENCE_BOT)
    assert _verdict(store, folder).verdict.value == "fail"
    _ingest(store, _event(RUN, run_facets={VALIDATION.key: _results(0.99)}, at="2026-11-27T15:00:00Z"), INGEST_BOT)
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "fail", (outcome.message, outcome.details)
    assert any("counted instead" in d and EVIDENCE_BOT in d for d in outcome.details), outcome.details
    # A policy that trusts the ingest token sees its value.
    trusting = _policy(tmp_path, EVIDENCE_POLICY + "trusted_producers: ['role:ingest']\n")
    assert _verdict(store, trusting).verdict.value == "pass"


def test_validation_results_of_a_validation_run_are_filtered_too(store: Engine, tmp_path: Path) -> None:
    model = {"namespace": "s3://m", "name": "credit/1"}
    _ingest(store, _event(RUN, outputs=[model]), EVIDENCE_BOT)
    check = _event(VALIDATOR, run_facets={VALIDATION.key: _results(0.9)}, inputs=[model], job="validate",
                   at="2026-11-27T13:00:00Z")  # fmt: skip
    _ingest(store, check, INGEST_BOT)
    folder = _policy(tmp_path, EVIDENCE_POLICY)
    assert _verdict(store, folder).verdict.value == "not_evaluated"


# ---- 3. deduplication keeps every submitter -------------------------------------------------------------


def test_an_untrusted_first_copy_does_not_hide_a_trusted_producer_s_identical_event(
    store: Engine, tmp_path: Path
) -> None:
    """Before: the trusted producer's identical copy was deduplicated away and never counted."""
    fairness = _policy(tmp_path, FAIRNESS_POLICY)
    evidence = _policy(tmp_path, EVIDENCE_POLICY)
    event = _event(RUN, run_facets={VALIDATION.key: _results(0.9), FAIRNESS.key: _fairness_facet()})
    _ingest(store, event, INGEST_BOT)
    assert _verdict(store, fairness).verdict.value == "not_evaluated"
    assert _verdict(store, evidence).verdict.value == "not_evaluated"
    _ingest(store, event, EVIDENCE_BOT)  # a duplicate: the body is stored once
    with store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw_event")).scalar_one() == 1
        assert conn.execute(text("SELECT digest, submitted_by FROM event_submission")).all()[0][1] == EVIDENCE_BOT
    outcome = _verdict(store, fairness)
    assert outcome.verdict.value == "pass", (outcome.message, outcome.details)
    outcome = _verdict(store, evidence)
    assert outcome.verdict.value == "pass", (outcome.message, outcome.details)
    # Posting it again changes nothing (no second submission, no second evaluation).
    _ingest(store, event, EVIDENCE_BOT)
    _ingest(store, event, INGEST_BOT)
    with store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM event_submission")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM fairness_evaluation")).scalar_one() == 2


def test_both_submitters_of_one_batch_are_kept(store: Engine, tmp_path: Path) -> None:
    """The group commit of single POSTs puts both copies in one batch: the second submitter is kept."""
    import json

    from governance.lineage.collect import Accepted
    from governance.lineage.project import write_batch
    from governance.lineage.sources import SourceItem
    from governance.lineage.validate import validate_item

    obj = _event(RUN, run_facets={VALIDATION.key: _results(0.9)})
    copies = []
    for who in (INGEST_BOT, EVIDENCE_BOT, INGEST_BOT):
        outcome = validate_item(SourceItem("http", "[0]", json.dumps(obj), obj=obj, submitted_by=who))
        assert isinstance(outcome, Accepted)
        copies.append(outcome)
    assert len(write_batch(store, copies)) == 1
    assert _verdict(store, _policy(tmp_path, EVIDENCE_POLICY)).verdict.value == "pass"


def test_a_large_batch_of_copies_keeps_every_submitter_in_few_statements(engine: Engine) -> None:
    """PostgreSQL's COPY path (batches of 64 rows and more) records the submitters of copies too, in a
    bounded number of statements; SQLite the same rows."""
    from governance.lineage import batch_sql
    from governance.lineage.project import write_batch
    from tests.test_lineage_batch_statements import MAX_STATEMENTS, _Counting, _events

    first = [e._replace(item=e.item._replace(submitted_by=INGEST_BOT)) for e in _events(300, "START")]
    assert len(write_batch(engine, first)) == 300
    counts: list[int] = [0]
    original = batch_sql.BatchSQL.__init__

    def counting(self: batch_sql.BatchSQL, conn: Any) -> None:
        original(self, conn)
        self.cur = _Counting(self.cur, counts)

    copies = [e._replace(item=e.item._replace(submitted_by=EVIDENCE_BOT)) for e in first]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch_sql.BatchSQL, "__init__", counting)
        assert write_batch(engine, copies + first) == set()
    if engine.dialect.name == "postgresql":  # SQLite steps one statement per row in-process
        assert counts[0] <= MAX_STATEMENTS, counts
        print(f"600 copies of 300 stored events: {counts[0]} statements")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT submitted_by, count(*) FROM event_submission GROUP BY submitted_by")).all()
        assert rows == [(EVIDENCE_BOT, 300)]
        assert conn.execute(text("SELECT count(*) FROM raw_event")).scalar_one() == 300
