"""Deferred bootstrap intervals: ingest stores a fairness evaluation's counts and point estimates and
marks it `intervals_pending`; the intervals are computed later, off the event loop, by whoever first
needs them (the gate's context builder, a report), by `gov evidence finish`, or by `gov serve`'s
background finisher. The work is bounded (resamples <= MAX_RESAMPLES, groups <= MAX_GROUPS) and the
result is the one `gov evidence fairness` would have stored: same counts, same settings, same seed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from governance.errors import InputError
from governance.evidence.confusion import ConfusionTable
from governance.evidence.evaluation import MAX_GROUPS, Settings, evaluate
from governance.evidence.tables import FairnessEvaluation

PENDING_KEY = "intervals_pending"  # in a pending evaluation's results: what recomputing needs beyond the row
CELLS = ("tp", "fp", "fn", "tn")
log = logging.getLogger(__name__)


def pending_marker(settings: Settings) -> dict[str, Any]:
    """What a pending evaluation keeps so that its intervals can be computed exactly as at ingest."""
    return {"include_small_groups": settings.include_small_groups}


def settings_of(row: FairnessEvaluation) -> Settings:
    """The settings a stored evaluation was made with."""
    marker = (row.results or {}).get(PENDING_KEY) or {}
    include = marker.get("include_small_groups")
    if not isinstance(include, bool):
        include = row.small_groups == "included"
    return Settings(
        privileged=row.privileged_group,
        min_group_size=row.min_group_size,
        include_small_groups=include,
        bootstrap=row.bootstrap_resamples,
        seed=row.bootstrap_seed,
        confidence=row.confidence,
    )


def table_of(results: dict[str, Any]) -> ConfusionTable:
    """The confusion table a stored results document describes (groups in their stored order)."""
    sensitive = tuple(results["sensitive"])
    groups = results["groups"]
    if len(groups) > MAX_GROUPS:
        raise InputError(f"{len(groups)} groups, more than {MAX_GROUPS}: intervals are not computed", where="groups")
    keys = tuple(tuple(str(g["values"][c]) for c in sensitive) for g in groups)
    counts = np.array([[int(g["counts"][c]) for c in CELLS] for g in groups], dtype=np.int64)
    scored = bool(groups) and all("score_sum" in g for g in groups)
    sums = np.array([[float(g["score_sum"][c]) for c in CELLS] for g in groups]) if scored else None
    squares = np.array([[float(g["score_sum_of_squares"][c]) for c in CELLS] for g in groups]) if scored else None
    return ConfusionTable(
        sensitive,
        keys,
        counts,
        str(results["favorable_label"]),
        tuple(results["predicted_favorable"]),
        tuple(results["label_values"]),
        sums,
        squares,
    )


def completed_results(row: FairnessEvaluation) -> dict[str, Any]:
    """A pending evaluation's results with its bootstrap intervals (pure: the row is not changed)."""
    stored = dict(row.results)
    settings = settings_of(row)
    settings.check()  # resamples <= MAX_RESAMPLES
    fresh = evaluate(table_of(stored), settings)
    # The engine's keys first, then what store_evaluation added (model, data, columns, ...): the same
    # document, key for key, as an evaluation whose intervals were computed when it was stored.
    return {**fresh, **{k: v for k, v in stored.items() if k not in fresh and k != PENDING_KEY}}


def complete(session: Session, row: FairnessEvaluation) -> bool:
    """Compute and store the intervals of one pending evaluation in the caller's transaction (flushed,
    not committed). False when it was not pending; InputError when it cannot be completed (the row
    stays pending, and a policy that needs its intervals stays not evaluated)."""
    if not row.intervals_pending:
        return False
    row.results = completed_results(row)
    row.intervals_pending = False
    session.add(row)
    session.flush()
    return True


def complete_all(session: Session, rows: Iterable[FairnessEvaluation]) -> int:
    """Complete every pending row among `rows` (those that cannot be completed stay pending, logged)."""
    done = 0
    for row in rows:
        if not row.intervals_pending:
            continue
        try:
            done += complete(session, row)
        except InputError as exc:
            log.warning("fairness evaluation %s: intervals not computed: %s", row.id, exc.message)
    return done


def pending_ids(session: Session, limit: int | None = None, *, model_version_id: int | None = None) -> list[int]:
    """Ids of evaluations whose intervals are pending, oldest first (of one model version, if given)."""
    stmt = (
        select(FairnessEvaluation.id)
        .where(col(FairnessEvaluation.intervals_pending))
        .order_by(col(FairnessEvaluation.id))
    )
    if model_version_id is not None:
        stmt = stmt.where(col(FairnessEvaluation.model_version_id) == model_version_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [int(i) for i in session.exec(stmt).all() if i is not None]


def finish_pending(engine: Engine, limit: int | None = None, *, model_version_id: int | None = None) -> tuple[int, int]:
    """Complete pending evaluations one at a time (oldest first): (completed, left pending). Each is
    computed outside any write transaction (it may take seconds at the bounds; the write lock is not
    held meanwhile) and stored in a short one, only if still pending."""
    from sqlalchemy import update

    from governance.store.db import write_scope

    with Session(engine) as s:
        ids = pending_ids(s, limit, model_version_id=model_version_id)
    done = failed = 0
    for ident in ids:
        with Session(engine) as s:
            row = s.get(FairnessEvaluation, ident)
            if row is None or not row.intervals_pending:
                continue
            try:
                results = completed_results(row)
            except InputError as exc:
                failed += 1
                log.warning("fairness evaluation %s: intervals not computed: %s", ident, exc.message)
                continue
        with write_scope(engine) as s:
            stmt = (
                update(FairnessEvaluation)
                .where(col(FairnessEvaluation.id) == ident, col(FairnessEvaluation.intervals_pending))
                .values(results=results, intervals_pending=False)
            )
            done += int(s.exec(stmt).rowcount or 0)
    return done, failed


class Finisher:
    """`gov serve`'s background finisher: one daemon thread that looks for pending intervals every
    `interval` seconds (or at once after `wake()`) and completes them (finish_pending). Off the event
    loop: the numpy work runs in this thread, so `/health` and other requests keep answering."""

    def __init__(self, engine: Engine, *, interval: float = 2.0) -> None:
        self.engine, self.interval = engine, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gov-intervals", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                finish_pending(self.engine, limit=100)
            except Exception:  # noqa: BLE001 - retried on the next wake; the gate computes them anyway
                log.exception("finishing pending fairness intervals failed")

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
