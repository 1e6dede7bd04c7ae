"""Attempt time limits with one timer for all attempts in flight.

``asyncio.timeout`` schedules a timer per use. On a busy client that is one timer per
request, almost always cancelled, left in the loop's heap until it would have fired (four
seconds later), so the heap holds thousands of dead timers and every push and clean-up pays
for them: measured with callgrind, about 6% of a whole request's instructions. Here attempts
are filed in buckets of ``RESOLUTION`` seconds and a single timer walks the buckets as they
fall due, cancelling the attempts still in them. An attempt may therefore overrun its limit
by up to ``RESOLUTION``; the limits it enforces are seconds long.

The cancellation protocol is ``asyncio.timeout``'s: the task is cancelled, and when the
``CancelledError`` reaches the guard it becomes ``TimeoutError``, unless somebody else also
asked for a cancellation (``Task.uncancel``/``Task.cancelling``), in which case it stays a
cancellation.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from types import TracebackType

#: The granularity of the limits, in seconds.
RESOLUTION = 0.01


class Watchdog:
    """Cancels attempts that run past their limit; bound to one event loop."""

    __slots__ = ("_buckets", "_handle", "_ticks", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._buckets: dict[int, set[Guard]] = {}
        self._ticks: list[int] = []  # a heap of the buckets' ticks
        self._handle: asyncio.TimerHandle | None = None

    def limit(self, seconds: float) -> Guard:
        """A context manager that cancels the current task after *seconds* (sync ``with``)."""
        return Guard(self, self.loop.time() + seconds)

    def _open_bucket(self, tick: int) -> set[Guard]:
        bucket = self._buckets[tick] = set()
        heapq.heappush(self._ticks, tick)
        if self._ticks[0] == tick:  # earlier than the timer: move the timer
            self._schedule()
        return bucket

    def _schedule(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self.loop.call_at(self._ticks[0] * RESOLUTION, self._expire)

    def _expire(self) -> None:
        self._handle = None
        now = self.loop.time()
        ticks = self._ticks
        while ticks and ticks[0] * RESOLUTION <= now:
            for guard in self._buckets.pop(heapq.heappop(ticks)):
                guard.fire()
        if ticks:
            self._schedule()


class Guard:
    """One attempt's limit: enter it in the attempt's task, around the awaits it bounds.

    *at* is the time on the loop's clock when the limit passes: a caller that has just
    read that clock saves reading it again.
    """

    __slots__ = ("_at", "_cancelling", "_fired", "_task", "_tick", "_watchdog")

    def __init__(self, watchdog: Watchdog, at: float) -> None:
        self._watchdog = watchdog
        self._at = at
        self._fired = False

    def __enter__(self) -> Guard:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a time limit needs a task")
        self._task = task
        self._cancelling = task.cancelling()
        watchdog = self._watchdog
        tick = self._tick = math.ceil(self._at / RESOLUTION)
        bucket = watchdog._buckets.get(tick)
        if bucket is None:
            watchdog._open_bucket(tick).add(self)
        else:
            bucket.add(self)
        return self

    def fire(self) -> None:
        """Time is up: cancel the task (it learns why in ``__exit__``)."""
        self._fired = True
        self._task.cancel()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._fired:
            bucket = self._watchdog._buckets.get(self._tick)
            if bucket is not None:
                bucket.discard(self)
            return
        if self._task.uncancel() <= self._cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc
