"""Group commit for single-event ingestion: concurrent POSTs share one transaction.

Batch requests (`/lineage/batch`) go through the same writer: concurrent batches share a transaction
too (on PostgreSQL, eight clients' 100-event batches in their own transactions queued on the row locks
of the jobs and datasets they share, and paid ~30 statements and a commit per 100 events).

The stock OpenLineage client sends one event per request. Committing each alone makes the commit
and the graph writes (one job, a few datasets and edges: the same rows for many events of a busy
pipeline) the cost of every request. Here each request validates its own event, then hands it to
one writer per process; while the writer commits a batch, the events that arrive meanwhile queue
up and go together in the next transaction. No timer: a lone event is written at once, a crowd is
written in batches as large as the crowd. Every request is answered only after the transaction that
holds its event commits, so a 2xx still means stored (a crash loses nothing acknowledged).

An event is still atomic: if a batch fails for a reason other than a transient lock, its events are
written one per transaction, so one event's failure is that event's alone.

On PostgreSQL a large group (OVERLAP_MIN events or more: concurrent batch requests) lets the next group
start as soon as it holds its locks, on a second thread and connection: the next group stores its raw
events while this one writes its projection, and a node both touch is still written in arrival order
(governance.lineage.overlap explains why; /lineage/batch ~4% faster). Small groups go one by one.

On SQLite the writer first tries the batch on the event loop itself, through connections that never
wait for the write lock: a batch takes ~0.3 ms, less than handing it to a thread and back (and the
thread's GIL hand-offs slowed every request: 900-1,000 vs 1,300-1,350 events/s from four stock
clients, bench/http_ingest.py). If the lock is held (another worker, a CLI ingest) or anything else
fails, the batch goes to the writer thread, which waits for the lock and retries as before.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from governance.lineage.collect import Accepted

# Events per transaction at most: bounds the latency of the request that waits longest.
MAX_BATCH = 2_000
# SQLite: groups up to this size are first tried on the event loop (~0.3 ms for a few events); a larger
# group (concurrent batch requests) would hold the loop for tens of milliseconds, so it goes to the thread.
ON_LOOP_MAX = 64
# PostgreSQL: after a group of at least this many events holds its locks, the next group starts
# (governance.lineage.overlap explains the order and why no deadlock). Smaller groups are written in a
# millisecond or two; overlapping them would only split the crowd into smaller groups.
OVERLAP_MIN = 64


class _Request:
    """The events of one batch request: one future for all of them, set when the last is settled (a
    future per event cost the event loop more than validating the event's numbers)."""

    __slots__ = ("future", "outcomes", "pending")

    def __init__(self, future: asyncio.Future[list[str | BaseException]], size: int) -> None:
        self.future, self.pending = future, size
        self.outcomes: list[str | BaseException] = [""] * size

    def settle(self, index: int, outcome: str | BaseException) -> None:
        self.outcomes[index] = outcome
        self.pending -= 1
        if self.pending == 0 and not self.future.done():
            self.future.set_result(self.outcomes)


Waiter = tuple["Accepted", "asyncio.Future[str] | tuple[_Request, int]"]
Writer = Callable[..., "list[str]"]  # (engine, events[, locked=callback]) -> statuses


class GroupCommit:
    """One writer per process: `await submit(event)` returns "accepted" or "duplicate" once committed."""

    def __init__(
        self, engine: Engine, *, max_batch: int = MAX_BATCH, writer: Writer | None = None, on_loop: Engine | None = None
    ) -> None:
        self.engine, self.max_batch = engine, max_batch
        self.writer: Writer = writer or write_statuses  # one transaction per call; blocking
        self.on_loop = on_loop  # a no-wait SQLite engine: try each batch on the event loop first
        # PostgreSQL with the default writer: a large group's successor starts once it holds its locks.
        self.overlap = writer is None and engine.dialect.name == "postgresql"
        self._queue: list[Waiter] = []
        self._writer: asyncio.Task[None] | None = None
        self._arrived: asyncio.Event | None = None
        # Batches are written in the order they formed: one thread, or two with the overlap.
        self._thread = ThreadPoolExecutor(max_workers=2 if self.overlap else 1, thread_name_prefix="gov-group-commit")

    async def submit(self, event: Accepted) -> str:
        """Queue one validated event; wait until its transaction committed (or raise its error)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._queue.append((event, future))
        self._notify()
        # The writer only ever waits inside `_write`, and re-reads the queue after it: a live writer
        # will take this event; a finished one (or one left on another event loop) needs a successor.
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = loop.create_task(self._drain())
        return await asyncio.shield(future)  # a caller that goes away does not cancel the write

    async def submit_many(self, events: list[Accepted]) -> list[str | BaseException]:
        """Queue validated events (one batch request); per event, its status once committed, or the error
        that kept it out of the store. The events may share transactions with other requests' and span
        two; each event is atomic on its own."""
        if not events:
            return []
        loop = asyncio.get_running_loop()
        request = _Request(loop.create_future(), len(events))
        self._queue.extend((event, (request, index)) for index, event in enumerate(events))
        self._notify()
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = loop.create_task(self._drain())
        return list(await asyncio.shield(request.future))

    def _notify(self) -> None:
        if self._arrived is not None:
            self._arrived.set()

    async def _drain(self) -> None:
        if self.overlap:
            await self._drain_overlapped()
            return
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            await self._write_and_settle(batch, None)

    async def _drain_overlapped(self) -> None:
        """PostgreSQL: at most two groups in flight; a group starts once the one before holds its locks."""
        inflight: set[asyncio.Task[None]] = set()
        arrived = self._arrived = asyncio.Event()
        while True:
            inflight = {task for task in inflight if not task.done()}
            if len(inflight) >= 2 or (inflight and not self._queue):
                # Wait for a group to finish or (one in flight, none queued) for new events.
                waits: set[asyncio.Future[Any]] = set(inflight)
                waiter = None
                if len(inflight) < 2:
                    arrived.clear()
                    waiter = asyncio.ensure_future(arrived.wait())
                    waits.add(waiter)
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                if waiter is not None:
                    waiter.cancel()
                continue
            if not self._queue:
                return
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            if len(batch) < OVERLAP_MIN:
                await asyncio.gather(*inflight)  # the one before first: small groups go one by one
                await self._write_and_settle(batch, None)
                continue
            locked = asyncio.Event()
            inflight.add(asyncio.ensure_future(self._write_and_settle(batch, locked)))
            await locked.wait()  # set also when the write ends, whatever its outcome

    async def _write_and_settle(self, batch: list[Waiter], locked: asyncio.Event | None) -> None:
        try:
            outcomes = await self._write([event for event, _ in batch], locked)
        finally:
            if locked is not None:
                locked.set()
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(future, tuple):
                request, index = future
                request.settle(index, outcome)
                continue
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _write(self, events: list[Accepted], locked: asyncio.Event | None = None) -> list[str | BaseException]:
        """Per event: its status, or the error that kept it out of the store. `locked` is set once the
        transaction holds its locks (governance.lineage.overlap)."""
        from governance.store.retry import retry_transient

        if self.on_loop is not None and len(events) <= ON_LOOP_MAX and not any(_has_fairness(e) for e in events):
            try:
                return list(self.writer(self.on_loop, events))
            except Exception:  # noqa: BLE001 - rolled back; the thread below waits, retries, isolates
                pass
        if locked is not None:
            loop = asyncio.get_running_loop()
            signal = functools.partial(loop.call_soon_threadsafe, locked.set)
            write: Callable[..., list[str]] = functools.partial(self.writer, locked=signal)
        else:
            write = self.writer
        try:
            return list(await retry_transient(write, self.engine, events, executor=self._thread))
        except Exception as exc:  # noqa: BLE001 - handed to the waiters, the writer lives on
            if len(events) == 1:
                return [exc]
        # Not transient, and more than one event: write each alone, so only the culprit fails.
        outcomes: list[str | BaseException] = []
        for event in events:
            try:
                outcomes.extend(await retry_transient(self.writer, self.engine, [event], executor=self._thread))
            except Exception as exc:  # noqa: BLE001
                outcomes.append(exc)
        return outcomes

    def close(self) -> None:
        """Stop the writer thread (after the server has answered every request)."""
        self._thread.shutdown(wait=True)
        if self.on_loop is not None:
            self.on_loop.dispose()


def _has_fairness(event: Accepted) -> bool:
    """Whether an event carries a fairness facet: storing it computes point estimates over up to 1,000
    groups (the bootstrap is deferred: governance.evidence.intervals), so its batch is written by the
    writer thread, never on the event loop (/health keeps answering)."""
    facets = event.facts.run_facets
    return bool(facets) and any(key.endswith("fairnessEvaluation") for key in facets)  # type: ignore[union-attr]


def write_statuses(engine: Engine, events: list[Accepted], locked: Callable[[], None] | None = None) -> list[str]:
    """Write events in one transaction; per event "accepted" (new) or "duplicate" (stored before, or
    an earlier copy in this same batch). `locked`: see project.write_batch."""
    from governance.lineage.project import write_batch

    new = write_batch(engine, events, locked=locked)
    statuses = []
    for event in events:
        if event.digest in new:
            statuses.append("accepted")
            new.discard(event.digest)  # a second copy in the same batch is a duplicate
        else:
            statuses.append("duplicate")
    return statuses
