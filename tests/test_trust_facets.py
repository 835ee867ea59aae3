"""Issue 12 item 2, the facets left after fairness, ownership and `gov_validationResults`: an `ingest`
token posts evidence through the API (`POST /api/v1/lineage`) and the gate's verdict does not move; the
same evidence from an `evidence` token moves it. Likewise the scorecard, which reads evidence through the
gate's own trust function (governance.policy.trust.counted_view).

- `dataQualityAssertions` on a training input, as a dataset facet and as an input facet of the training
  run (rule kind `evidence_required`, stage data_validation): counted only from trusted submitters;
- deletion evidence (`lifecycleStateChange` DROP or TRUNCATE, rule kind `data_retention`): a
  dataset past its retention stays failing until a trusted submitter records its deletion;
- classifications (schema field tags, `tags` facet): a later facet can add one, never remove one, so
  a later schema without the PII tag does not take the dataset out of its retention rule;
- the scorecard's validation facts: `gov_validationResults`, assertions and fairness evaluations count
  only from trusted submitters, like validation-stage evidence already did.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from governance.evidence.custom_facets import FAIRNESS, VALIDATION
from governance.store.db import session_scope
from tests.conftest_policy import ol_facet
from tests.service_helpers import bearer
from tests.test_trust_submissions import (  # noqa: F401  (store: fixture)
    PRODUCER,
    RUN,
    _check,
    _event,
    _fairness_facet,
    _policy,
    _results,
    store,
)

pytest_plugins = ["tests.conftest_service"]

INGEST_BOT = "token:ingest:ingest-user"  # the `tokens` fixture's names
EVIDENCE_BOT = "token:evidence:evidence-user"
DATA = {"namespace": "s3://d", "name": "applications"}
DATA_POLICY = """\
id: validation.data
version: 1.0.0
title: data checks
owner: team:risk
rationale: r
remediation: r
controls: ["nist-ai-rmf:MEASURE 2.3"]
mode: enforce
severity: high
kind: evidence_required
rule:
  stages:
    data_validation:
      checks:
        - name: "schema*"
"""


def _assertions(success: bool) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json"
        "#/$defs/DataQualityAssertionsDatasetFacet",
        "assertions": [{"assertion": "schema_matches_contract", "success": success}],
    }


def _post(api: Any, token: str, event: dict[str, Any]) -> None:
    response = api.post("/api/v1/lineage", json=event, headers=bearer(token))
    assert response.status_code in (200, 201), response.text


def _dataset_facet(success: bool, at: str) -> dict[str, Any]:
    """The training run, reading the dataset, whose `facets` carry the assertions."""
    return _event(RUN, inputs=[{**DATA, "facets": {"dataQualityAssertions": _assertions(success)}}], at=at)


def _input_facet(success: bool, at: str) -> dict[str, Any]:
    """The training run, reading the dataset, with the assertions as an input facet (`inputFacets`)."""
    return _event(RUN, inputs=[{**DATA, "inputFacets": {"dataQualityAssertions": _assertions(success)}}], at=at)


def _verdict(engine: Engine, folder: Path) -> Any:
    return _check(engine, folder).outcomes[0]


def test_an_ingest_token_s_dataset_assertions_do_not_pass_a_data_check(
    api: Any,
    tokens: dict[Role, str],
    store: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Before: the ingest token's `dataQualityAssertions` on the training input moved the policy from
    not_evaluated to pass."""
    folder = _policy(tmp_path, DATA_POLICY)
    _post(api, tokens[Role.INGEST], _event(RUN, inputs=[DATA], at="2026-11-27T11:00:00Z"))
    assert _verdict(store, folder).verdict.value == "not_evaluated"
    _post(api, tokens[Role.INGEST], _dataset_facet(True, "2026-11-27T12:00:00Z"))
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "not_evaluated", (outcome.message, outcome.details)
    assert INGEST_BOT in outcome.message and "dataQualityAssertions" in outcome.message
    # The same claim from a trusted producer counts.
    _post(api, tokens[Role.EVIDENCE], _dataset_facet(True, "2026-11-27T13:00:00Z"))
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "pass", (outcome.message, outcome.details)


def test_a_later_untrusted_dataset_assertion_does_not_replace_a_trusted_failure(
    api: Any,
    tokens: dict[Role, str],
    store: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = _policy(tmp_path, DATA_POLICY)
    _post(api, tokens[Role.EVIDENCE], _dataset_facet(False, "2026-11-27T12:00:00Z"))
    assert _verdict(store, folder).verdict.value == "fail"
    _post(api, tokens[Role.INGEST], _dataset_facet(True, "2026-11-27T13:00:00Z"))  # newest facet wins in the store
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "fail", (outcome.message, outcome.details)
    assert any("counted instead" in d and EVIDENCE_BOT in d for d in outcome.details), outcome.details
    # A policy trusting the ingest role sees its value.
    trusting = _policy(tmp_path, DATA_POLICY + "trusted_producers: ['role:ingest']\n")
    assert _verdict(store, trusting).verdict.value == "pass"


def test_an_ingest_token_s_input_facet_assertions_do_not_pass_a_data_check(
    api: Any,
    tokens: dict[Role, str],
    store: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = _policy(tmp_path, DATA_POLICY)
    _post(api, tokens[Role.INGEST], _input_facet(True, "2026-11-27T12:00:00Z"))
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "not_evaluated", (outcome.message, outcome.details)
    assert INGEST_BOT in outcome.message
    # A trusted failure, then the ingest token's pass: the failure is counted.
    _post(api, tokens[Role.EVIDENCE], _input_facet(False, "2026-11-27T13:00:00Z"))
    assert _verdict(store, folder).verdict.value == "fail"
    _post(api, tokens[Role.INGEST], _input_facet(True, "2026-11-27T14:00:00Z"))
    assert _verdict(store, folder).verdict.value == "fail"
    _post(api, tokens[Role.EVIDENCE], _input_facet(True, "2026-11-27T15:00:00Z"))
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "pass", (outcome.message, outcome.details)


def _scorecard_validation(engine: Engine) -> set[tuple[str, str]]:
    from governance.scorecard.gather import version_facts

    with session_scope(engine) as session:
        facts = version_facts(session, "credit", "1", now=datetime(2026, 12, 1, tzinfo=UTC))
    return {(v.stage, v.name) for v in facts.validation}


def test_the_scorecard_counts_only_trusted_evidence(
    api: Any,
    tokens: dict[Role, str],
    store: Engine,  # noqa: F811
) -> None:
    """Before: the scorecard read every validation result, fairness evaluation and assertion in the
    store, whoever sent it, so an ingest token could complete the validation criterion."""
    evidence = _event(
        RUN,
        run_facets={VALIDATION.key: _results(0.9), FAIRNESS.key: _fairness_facet()},
        inputs=[{**DATA, "facets": {"dataQualityAssertions": _assertions(True)}}],
    )
    _post(api, tokens[Role.INGEST], evidence)
    assert _scorecard_validation(store) == set()
    _post(api, tokens[Role.EVIDENCE], evidence)  # the same event: stored once, both submitters kept
    assert _scorecard_validation(store) == {
        ("data_validation", "schema_matches_contract"),
        ("model_performance", "auc"),
        ("ethical", "fairness_evaluation"),
    }


RETENTION_POLICY = """\
id: retention.pii
version: 1.0.0
title: retention
owner: team:dpo
rationale: r
remediation: delete it
controls: ["eu-ai-act:Art. 10"]
mode: enforce
severity: high
kind: data_retention
rule: {max_age: {PII: P3Y}}
"""


def _drop(run_id: str, at: str) -> dict[str, Any]:
    """A purge job's run dropping the dataset (its output carries the lifecycle change)."""
    change = ol_facet("LifecycleStateChangeDatasetFacet", lifecycleStateChange="DROP")
    event = _event(run_id, outputs=[{**DATA, "facets": {"lifecycleStateChange": change}}], job="purge", at=at)
    return event


def _schema(*tags: str) -> dict[str, Any]:
    fields = [{"name": "sex", "type": "VARCHAR", "tags": [{"key": "classification", "value": t} for t in tags]}]
    return ol_facet("SchemaDatasetFacet", "1-2-0", fields=fields)


def test_a_later_schema_cannot_remove_a_classification(
    api: Any,
    tokens: dict[Role, str],
    store: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Before: a later `schema` (newest facet wins) without the PII tag made data past its retention pass."""
    folder = _policy(tmp_path, RETENTION_POLICY)
    old = _event(RUN, inputs=[{**DATA, "facets": {"schema": _schema("PII")}}], at="2021-01-04T00:00:00Z")
    _post(api, tokens[Role.INGEST], old)
    assert _verdict(store, folder).verdict.value == "fail"
    for who in (Role.INGEST, Role.EVIDENCE):
        later = _event(
            "5f1d1c9e-2b7a-4c1e-9a53-0f6f0f0f0f12",
            outputs=[{**DATA, "facets": {"schema": _schema(), "tags": ol_facet("TagsDatasetFacet", "1-0-0", tags=[])}}],
            job="rewrite",
            at="2026-11-01T00:00:00Z" if who is Role.INGEST else "2026-11-02T00:00:00Z",
        )
        _post(api, tokens[who], later)
        outcome = _verdict(store, folder)
        assert outcome.verdict.value == "fail", (who, outcome.message, outcome.details)
    with session_scope(store) as session:
        from governance.gate.gather import build_context

        ctx = build_context(session, "credit", "1", "production", evaluated_at=datetime.now(UTC))
        assert ctx.datasets[0].classifications == ("PII",)
    # Adding one is kept (it only restricts).
    _post(api, tokens[Role.INGEST], _event(RUN, inputs=[{**DATA, "facets": {"schema": _schema("restricted")}}]))
    with session_scope(store) as session:
        ctx = build_context(session, "credit", "1", "production", evaluated_at=datetime.now(UTC))
        assert ctx.datasets[0].classifications == ("PII", "restricted")


def test_an_ingest_token_cannot_record_the_deletion_that_passes_retention(
    api: Any,
    tokens: dict[Role, str],
    store: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Before: the ingest token's DROP made data kept past its retention pass."""
    folder = _policy(tmp_path, RETENTION_POLICY)
    schema = ol_facet("SchemaDatasetFacet", "1-2-0", fields=[
        {"name": "sex", "type": "VARCHAR", "tags": [{"key": "classification", "value": "PII", "source": "catalog"}]}
    ])  # fmt: skip
    _post(
        api,
        tokens[Role.EVIDENCE],
        _event(RUN, inputs=[{**DATA, "facets": {"schema": schema}}], at="2021-01-04T00:00:00Z"),
    )
    assert _verdict(store, folder).verdict.value == "fail"
    _post(api, tokens[Role.INGEST], _drop("5f1d1c9e-2b7a-4c1e-9a53-0f6f0f0f0f10", "2025-01-01T00:00:00Z"))
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "fail", (outcome.message, outcome.details)
    assert any("not counted: deletion evidence" in d and INGEST_BOT in d for d in outcome.details), outcome.details
    # The same deletion, posted again by a trusted producer in its own run, counts.
    _post(api, tokens[Role.EVIDENCE], _drop("5f1d1c9e-2b7a-4c1e-9a53-0f6f0f0f0f11", "2025-02-01T00:00:00Z"))
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "pass", (outcome.message, outcome.details)
    assert "DROP at 2025-02-01" in " ".join(outcome.details)


def _dataset_event(success: bool, at: str) -> dict[str, Any]:
    """A standalone DatasetEvent (no run) carrying the assertions, as a data-quality tool would send it."""
    return {
        "eventTime": at,
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {**DATA, "facets": {"dataQualityAssertions": _assertions(success)}},
    }


def test_a_trusted_copy_of_a_value_an_untrusted_token_sent_first_is_counted(
    api: Any,
    tokens: dict[Role, str],
    store: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The facet history skips a value equal to the one before it, except for the facets counted per
    submitter: otherwise the trusted producer's identical report would never be on record (the gate
    would fail closed forever: a denial of service by whoever sends first)."""
    folder = _policy(tmp_path, DATA_POLICY)
    _post(api, tokens[Role.INGEST], _event(RUN, inputs=[DATA], at="2026-11-27T11:00:00Z"))
    _post(api, tokens[Role.INGEST], _dataset_event(True, "2026-11-27T12:00:00Z"))
    assert _verdict(store, folder).verdict.value == "not_evaluated"
    _post(api, tokens[Role.EVIDENCE], _dataset_event(True, "2026-11-27T13:00:00Z"))
    outcome = _verdict(store, folder)
    assert outcome.verdict.value == "pass", (outcome.message, outcome.details)
