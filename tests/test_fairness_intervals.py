"""Issue 12 item 3: ingest stores a fairness facet's counts without the bootstrap ("intervals pending");
the intervals are computed later, bounded and off the event loop (the gate or a report on first read,
`gov evidence finish`, `gov serve`'s finisher), and a policy that needs them never passes without them."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from governance.auth.roles import Role
from governance.errors import InputError
from governance.evidence.custom_facets import FAIRNESS
from governance.evidence.tables import FairnessEvaluation
from governance.gate.service import run_check
from governance.identity import token_submitter
from governance.lineage.ingest import ingest_objects
from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope
from tests.service_helpers import ServeProcess, bearer, make_token
from tests.service_helpers import register_version as register_over_http
from tests.test_trust_evidence import FAIRNESS_POLICY, _event, _fairness_facet

pytest_plugins = ["tests.conftest_service"]

EVIDENCE_BOT = token_submitter("fairness-ci", "evidence")
# The interval matters: point estimate 0.1, but the interval reaches beyond 0.12.
INTERVAL_POLICY = FAIRNESS_POLICY.replace("{min: -0.5, max: 0.5}", "{min: -0.12, max: 0.12}").replace(
    "applies_to: point", "applies_to: interval"
)
WIDE_POLICY = FAIRNESS_POLICY.replace("applies_to: point", "applies_to: interval")


def _skewed_facet(version: str, groups: int = 2, resamples: int = 500) -> dict[str, Any]:
    facet = _fairness_facet(groups, resamples)
    facet["model"]["version"] = version
    facet["groups"][0].update(tp=45, fp=10, fn=5, tn=40)  # g0 selected 55%, the others 50%
    return facet


def _policy(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "p.yaml").write_text(text)
    return folder


def _check(engine: Engine, folder: Path, version: str) -> Any:
    with session_scope(engine) as session:
        return run_check(session, "credit", version, "production", policy_dir=folder, requested_by="ci", ci_env={})


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit", owner="team")
        for v in ("1", "2"):
            register_version(session, "credit", VersionSpec(v, f"s3://m/{v}", v * 64, "carol"))
    return sqlite_engine


def test_the_gate_computes_pending_intervals_and_decides_as_before(store: Engine, tmp_path: Path) -> None:
    from governance.evidence.fairness import DataInfo, resolve_version, store_evaluation
    from governance.evidence.fairness_facet import table_from_facet

    # version 1: the facet through ingest (intervals pending); version 2: the same counts the old way
    report = ingest_objects(store, [_event(str(uuid.uuid4()), {FAIRNESS.key: _skewed_facet("1")})], source="t",
                            submitted_by=EVIDENCE_BOT)  # fmt: skip
    assert report.accepted == 1, report.rejected
    table, roles, settings = table_from_facet(_skewed_facet("2"))
    with session_scope(store) as session:
        registered, mv = resolve_version(session, "credit", "2")
        info = DataInfo("sha256:" + "ab" * 32, "reported", "old way", "lineage")
        store_evaluation(session, registered, mv, table, settings, info, roles, producer="p", submitted_by=EVIDENCE_BOT)
        pending = session.exec(select(FairnessEvaluation).where(FairnessEvaluation.intervals_pending)).all()
        assert len(pending) == 1 and all(m["ci"] is None for m in pending[0].results["metrics"].values())
    for text, verdict in ((INTERVAL_POLICY, "fail"), (WIDE_POLICY, "pass")):
        folder = _policy(tmp_path / verdict, text)
        new, old = _check(store, folder, "1").outcomes[0], _check(store, folder, "2").outcomes[0]
        assert new.verdict.value == old.verdict.value == verdict, (new.message, old.message)
        assert new.message.split(" in evaluation")[0] == old.message.split(" in evaluation")[0]
        assert "CI [" in new.message
    with session_scope(store) as session:
        rows = session.exec(select(FairnessEvaluation).order_by(FairnessEvaluation.id)).all()  # type: ignore[arg-type]
        assert not any(r.intervals_pending for r in rows)  # computed by the gate and stored
        assert rows[0].results["metrics"] == rows[1].results["metrics"]
        assert rows[0].results["bootstrap"] == rows[1].results["bootstrap"]


def test_a_pending_interval_that_cannot_be_computed_never_passes(
    store: Engine, tmp_path: Path, monkeypatch: Any
) -> None:
    import governance.evidence.intervals as intervals

    report = ingest_objects(store, [_event(str(uuid.uuid4()), {FAIRNESS.key: _skewed_facet("1")})], source="t",
                            submitted_by=EVIDENCE_BOT)  # fmt: skip
    assert report.accepted == 1, report.rejected

    def refuse(row: Any) -> Any:
        raise InputError("too much work")

    monkeypatch.setattr(intervals, "completed_results", refuse)
    outcome = _check(store, _policy(tmp_path, WIDE_POLICY), "1").outcomes[0]
    assert outcome.verdict.value == "not_evaluated", outcome.message  # blocks in enforce mode
    assert "confidence interval" in outcome.message
    with session_scope(store) as session:
        assert session.exec(select(FairnessEvaluation)).one().intervals_pending  # still pending, not faked


# /health while heavy requests run: not a latency target, only "the heavy work is off the event loop". Work
# on the loop would hold every /health for about as long as the request that runs it; off the loop, no
# /health waits as long as half of it. Relative to the request, so a loaded machine, which slows both
# alike, cannot fail it. HANG_GUARD_S only ends a stalled run.
STALL_SHARE = 0.5
HANG_GUARD_S = 30.0


def _poll_health(base: str, stop: threading.Event, out: list[tuple[float, float]], failures: list[str]) -> None:
    """(sent, answered) of each /health, by time.monotonic(), until `stop`; what went wrong in `failures`."""
    with httpx.Client(base_url=base, timeout=HANG_GUARD_S) as client:
        while not stop.is_set():
            sent = time.monotonic()
            try:
                status = client.get("/health").status_code
            except httpx.HTTPError as exc:
                failures.append(type(exc).__name__)
                continue
            if status != 200:
                failures.append(str(status))
            out.append((sent, time.monotonic()))
            time.sleep(0.02)


def _health_during(health: list[tuple[float, float]], began: float, ended: float) -> tuple[int, float]:
    """How many /health were sent and answered within [began, ended], and the longest wait of any that overlaps it."""
    overlapping = [(sent, answered) for sent, answered in health if answered > began and sent < ended]
    inside = sum(1 for sent, answered in overlapping if sent >= began and answered <= ended)
    return inside, max((answered - sent for sent, answered in overlapping), default=ended - began)


def test_facets_at_the_bounds_over_http_keep_health_answering(
    engine: Engine, db_url: str, serve: Any, tmp_path: Path
) -> None:
    folder = _policy(tmp_path, WIDE_POLICY)
    server: ServeProcess = serve(db_url, "--policies", str(folder), env={"GOV_INTERVALS_EVERY": "0"})
    admin = make_token(engine, Role.ADMIN, "release-admin")
    ingest, evidence = make_token(engine, Role.INGEST, "airflow"), make_token(engine, Role.EVIDENCE, "fairness-ci")
    checker = make_token(engine, Role.CHECKER, "pipeline")
    heavy: dict[str, tuple[float, float]] = {}  # (began, ended) of the heavy request, and of them all
    with httpx.Client(base_url=server.base, timeout=120) as client:
        register_over_http(client, admin, version="1")
        second = {"version": "2", "artifact_uri": "s3://m/2", "artifact_digest": "sha256:" + "cd" * 32}
        r = client.post("/api/v1/models/credit/versions", headers=bearer(admin), json=second)
        assert r.status_code == 201, r.text

        def post(token: str, facet: dict[str, Any]) -> httpx.Response:
            event = _event(str(uuid.uuid4()), {FAIRNESS.key: facet})
            return client.post("/api/v1/lineage", json=event, headers=bearer(token))

        def check(version: str, label: str = "") -> Any:
            body = {"model": "credit", "version": version, "target": "production"}
            began = time.monotonic()
            r = client.post("/api/v1/checks", json=body, headers=bearer(checker))
            if label:
                heavy[label] = (began, time.monotonic())
            assert r.status_code == 201, r.text
            return next(o for o in r.json()["outcomes"] if o["policy_id"] == "fairness.parity")

        stop, health, failures = threading.Event(), [], []
        poller = threading.Thread(target=_poll_health, args=(server.base, stop, health, failures))
        poller.start()
        try:
            began = time.monotonic()
            # at the bounds: 1,000 groups, 10,000 resamples; ingest stores it without the bootstrap (its
            # validation, ~0.05 s, is the heaviest work left in the request)
            assert post(evidence, _skewed_facet("2", groups=1000, resamples=10_000)).status_code == 201
            with session_scope(engine) as session:
                assert session.exec(select(FairnessEvaluation)).one().intervals_pending, "ingest ran the bootstrap"
            # an ingest token's facet is kept, not counted: the policy stays not_evaluated
            assert check("1")["verdict"] == "not_evaluated"
            assert post(ingest, _skewed_facet("1", groups=200, resamples=10_000)).status_code == 201
            outcome = check("1")
            assert outcome["verdict"] == "not_evaluated", outcome
            # the same facet from an evidence token: the gate computes its intervals (off the loop) and passes
            assert post(evidence, _skewed_facet("1", groups=200, resamples=10_000)).status_code == 201
            outcome = check("1", "computing intervals")
            assert outcome["verdict"] == "pass" and "CI [" in outcome["message"], outcome
            heavy["all requests"] = (began, time.monotonic())
        finally:
            stop.set()
            poller.join()
    assert not failures, failures[:3]
    for label, (began, ended) in heavy.items():
        inside, worst = _health_during(health, began, ended)
        print(f"{label}: {ended - began:.2f} s; /health answered {inside} times meanwhile, worst {worst * 1000:.0f} ms")
        assert inside >= 1, f"{label}: no /health was answered in its {ended - began:.2f} s"
        assert worst < min(STALL_SHARE * (ended - began), HANG_GUARD_S), (
            f"{label}: /health took {worst:.2f} s of the request's {ended - began:.2f} s"
        )
