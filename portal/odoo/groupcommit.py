"""Group commit: concurrent callers in one process share one write and one commit.

The webhook intake answers only once its event is committed, so every call pays a
round trip and a WAL flush in PostgreSQL; with a dozen requests at once in a process
(threads, or greenlets under gevent, whose patched locks this uses unchanged), most of
that is the same work done side by side. Here each caller queues its item. A
caller that finds no write in progress leads: it takes everything queued (its own item
included), writes it with one call on its own database connection, hands each waiter its
outcome, and passes the lead to the first caller that arrived during the write. Each
waiter sleeps on a lock of its own and is woken once. No thread is started and nothing
waits for a timer: a caller alone is written at once, as without batching.

`write` receives the batch and returns one outcome per item, in order: a value, or the
exception that refused that item alone. An exception raised by `write` itself reaches
every caller of the batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    __slots__ = ("done", "error", "item", "value", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.value: R | None = None
        self.error: BaseException | None = None
        self.wake = threading.Lock()
        self.wake.acquire()  # released once: with the outcome, or to lead the next write

    def outcome(self) -> R:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # set before done


class GroupCommit(Generic[T, R]):
    def __init__(self, write: Callable[[list[T]], Sequence[R | BaseException]]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[_Slot[T, R]] = []
        self._writing = False
        self.batches = 0  # writes so far, and items in them (the benchmark reports both)
        self.items = 0

    def submit(self, item: T) -> R:
        """Write `item` with whatever else is waiting; its outcome, or its exception."""
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            lead = not self._writing
            self._writing = True
        if not lead:
            slot.wake.acquire()
            if slot.done:
                return slot.outcome()
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            outcomes = self._write([s.item for s in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"write gave {len(outcomes)} outcomes for {len(batch)} items")
        except BaseException as exc:  # noqa: BLE001 - every waiter must get an outcome
            outcomes = [exc] * len(batch)
        for queued, result in zip(batch, outcomes, strict=True):
            if isinstance(result, BaseException):
                queued.error = result
            else:
                queued.value = result
            queued.done = True
        with self._lock:
            self.batches += 1
            self.items += len(batch)
            successor = self._queue[0] if self._queue else None
            self._writing = successor is not None
        for queued in batch:
            if queued is not slot:
                queued.wake.release()
        if successor is not None:
            successor.wake.release()
        return slot.outcome()
