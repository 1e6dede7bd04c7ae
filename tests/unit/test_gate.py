"""The gate that bounds calls in flight."""

from __future__ import annotations

import asyncio

import pytest

from aioauthlete._gate import Gate


async def test_free_slots_are_taken_without_waiting() -> None:
    """try_enter takes free slots synchronously and refuses when none is left."""
    gate = Gate(2)
    assert gate.try_enter()
    assert gate.try_enter()
    assert not gate.try_enter()
    gate.leave()
    assert gate.try_enter()


async def test_waiters_are_served_in_order_and_newcomers_cannot_overtake() -> None:
    """A released slot goes to the oldest waiter, not to a later try_enter."""
    gate = Gate(1)
    assert gate.try_enter()
    served: list[int] = []

    async def wait(n: int) -> None:
        await gate.enter()
        served.append(n)

    tasks = [asyncio.create_task(wait(n)) for n in range(3)]
    await asyncio.sleep(0)
    gate.leave()
    assert not gate.try_enter()  # the slot is promised to waiter 0
    await asyncio.sleep(0)
    assert served == [0]
    gate.leave()
    gate.leave()
    await asyncio.gather(*tasks)
    assert served == [0, 1, 2]


async def test_cancelled_waiter_gives_up_its_place_or_its_slot() -> None:
    """A waiter cancelled while waiting leaves the line; one cancelled after being granted
    a slot passes the slot on, so no slot is ever lost."""
    gate = Gate(1)
    assert gate.try_enter()
    first = asyncio.create_task(gate.enter())
    second = asyncio.create_task(gate.enter())
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    gate.leave()  # goes to `second`
    second.cancel()  # granted and cancelled in the same step: the slot moves on
    with pytest.raises(asyncio.CancelledError):
        await second
    assert gate.try_enter()
    assert not gate.try_enter()


async def test_waiter_cancelled_then_dropped_by_leave_ends_with_its_cancellation() -> None:
    """A queued call cancelled just as another call frees a slot: ``leave`` drops the
    cancelled waiter first, and the cancelled call then ends with CancelledError (never
    a ValueError from removing it a second time), with the slot counted once."""
    gate = Gate(1)
    assert gate.try_enter()
    waiting = asyncio.create_task(gate.enter())
    await asyncio.sleep(0)  # queued
    waiting.cancel()  # cancels its waiter future; the task has not resumed yet
    gate.leave()  # finds the cancelled waiter, drops it, frees the slot
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert gate.try_enter()
    assert not gate.try_enter()
