"""Attempt limits kept by one timer: asyncio.timeout's semantics, a coarser clock."""

from __future__ import annotations

import asyncio

import pytest

from aioauthlete._watchdog import RESOLUTION, Guard, Watchdog


async def test_an_overrunning_attempt_gets_timeout_error() -> None:
    """A limit that passes turns the task's cancellation into TimeoutError, on time."""
    loop = asyncio.get_running_loop()
    watchdog = Watchdog(loop)
    started = loop.time()
    with pytest.raises(TimeoutError), watchdog.limit(0.05):
        await asyncio.sleep(5)
    elapsed = loop.time() - started
    assert 0.05 - RESOLUTION <= elapsed < 1.0


async def test_an_attempt_within_its_limit_is_untouched() -> None:
    """Leaving in time removes the guard: the timer later cancels nothing."""
    loop = asyncio.get_running_loop()
    watchdog = Watchdog(loop)
    with watchdog.limit(0.02):
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)  # past the limit, outside the guard
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_many_limits_share_one_timer_and_each_fires_once() -> None:
    """Concurrent attempts with different limits end in order, each with TimeoutError."""
    loop = asyncio.get_running_loop()
    watchdog = Watchdog(loop)
    ended: list[float] = []

    async def attempt(seconds: float) -> None:
        with pytest.raises(TimeoutError), watchdog.limit(seconds):
            await asyncio.sleep(5)
        ended.append(seconds)

    await asyncio.gather(*(attempt(s) for s in (0.09, 0.03, 0.06, 0.03)))
    assert ended == [0.03, 0.03, 0.06, 0.09]
    assert not watchdog._buckets  # every bucket walked and dropped


async def test_a_callers_cancel_stays_a_cancellation() -> None:
    """Cancelling the task from outside is not mistaken for the limit passing."""
    watchdog = Watchdog(asyncio.get_running_loop())
    entered = asyncio.Event()

    async def attempt() -> None:
        with watchdog.limit(5.0):
            entered.set()
            await asyncio.sleep(5)

    task = asyncio.create_task(attempt())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancel_racing_the_limit_stays_a_cancellation() -> None:
    """When the caller cancels in the same step the limit fires, the cancel is not swallowed
    (the rule asyncio.timeout follows)."""
    watchdog = Watchdog(asyncio.get_running_loop())
    entered = asyncio.Event()
    guards: list[Guard] = []

    async def attempt() -> None:
        with watchdog.limit(5.0) as guard:
            guards.append(guard)
            entered.set()
            await asyncio.sleep(5)

    task = asyncio.create_task(attempt())
    await entered.wait()
    guards[0].fire()  # the limit passes...
    task.cancel()  # ...and the caller cancels before the task runs again
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_outer_asyncio_timeout_still_wins() -> None:
    """A caller's shorter asyncio.timeout around a long limit surfaces as the caller's."""
    watchdog = Watchdog(asyncio.get_running_loop())
    outer = asyncio.timeout(0.02)

    async def attempt() -> None:
        async with outer:
            with watchdog.limit(5.0):
                await asyncio.sleep(5)

    with pytest.raises(TimeoutError):
        await attempt()
    assert outer.expired()


def test_a_limit_needs_a_task() -> None:
    """Outside a task there is nothing to cancel: a clear error."""
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError, match=r"loop|task"):
            Watchdog(loop).limit(1.0).__enter__()
    finally:
        loop.close()
