"""Group commit: callers that arrive during a write share the next one; outcomes stay apart."""

from __future__ import annotations

import threading
import time

import pytest

from portal.odoo.groupcommit import GroupCommit


class Gate:
    """A write that records its batches and holds the first one until opened."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, items: list[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        self.entered.set()
        assert self.opened.wait(10)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


def test_a_lone_caller_is_written_at_once() -> None:
    group = GroupCommit(lambda items: [i + 1 for i in items])
    assert group.submit(1) == 2
    assert (group.batches, group.items) == (1, 1)


def test_callers_during_a_write_share_the_next_write_and_get_their_own_outcomes() -> None:
    gate = Gate()
    group: GroupCommit[int, int] = GroupCommit(gate)
    results: dict[int, object] = {}

    def call(item: int) -> None:
        try:
            results[item] = group.submit(item)
        except ValueError as exc:
            results[item] = str(exc)

    leader = threading.Thread(target=call, args=(0,))
    leader.start()
    assert gate.entered.wait(5)  # the first write is in progress and held
    waiters = [threading.Thread(target=call, args=(i,)) for i in range(1, 7)]
    for t in waiters:
        t.start()
    deadline = time.monotonic() + 5
    while len(group._queue) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.opened.set()
    for t in [leader, *waiters]:
        t.join(10)

    assert gate.batches[0] == [0]
    assert sorted(gate.batches[1]) == [1, 2, 3, 4, 5, 6]  # one write for all six
    assert len(gate.batches) == 2
    assert results == {0: 0, 1: "odd 1", 2: 20, 3: "odd 3", 4: 40, 5: "odd 5", 6: 60}


def test_a_failing_write_reaches_every_caller_of_its_batch_and_the_next_one_runs() -> None:
    calls: list[list[str]] = []

    def write(items: list[str]) -> list[str]:
        calls.append(items)
        if "boom" in items:
            raise ConnectionError("database went away")
        return [i.upper() for i in items]

    group: GroupCommit[str, str] = GroupCommit(write)
    with pytest.raises(ConnectionError):
        group.submit("boom")
    assert group.submit("ok") == "OK"  # the group is not left "writing"


def test_a_write_with_the_wrong_number_of_outcomes_is_an_error_not_a_hang() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="0 outcomes for 1"):
        group.submit(1)


def test_many_threads_each_get_exactly_their_own_result() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda items: [i * i for i in items])
    seen: dict[int, int] = {}

    def worker(base: int) -> None:
        for i in range(base, base + 200):
            seen[i] = group.submit(i)

    threads = [threading.Thread(target=worker, args=(n * 1000,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(seen) == 1600
    assert all(value == key * key for key, value in seen.items())
    assert group.items == 1600
