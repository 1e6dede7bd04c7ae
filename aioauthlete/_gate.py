"""A counting gate for the calls in flight, with a synchronous fast path.

``asyncio.Semaphore`` would do, but every call of the hot path would pay for a coroutine
and two scans of its waiters; here a free slot is taken without awaiting anything.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class Gate:
    """``size`` slots; ``try_enter`` takes one if free, ``enter`` waits in line for one.

    A slot given up by ``leave`` goes straight to the oldest waiter, so waiters are served
    in order and a newcomer cannot overtake them.
    """

    __slots__ = ("_free", "_waiters")

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_enter(self) -> bool:
        """Take a slot if one is free and nobody waits; never blocks."""
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    async def enter(self) -> None:
        """Wait in line for a slot (call ``try_enter`` first)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # the slot arrived as we were cancelled: pass it on
            else:
                # A leave() that ran between the cancellation and now has already
                # dropped the cancelled waiter.
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def leave(self) -> None:
        """Give a slot back: to the oldest waiter if there is one."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
