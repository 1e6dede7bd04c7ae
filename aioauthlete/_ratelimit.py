"""A client-side rate limit for batches that slows down, as a whole, when throttled.

Authlete's API README states 100 requests/s per token (bursts to 200) and 429 beyond. A
batch that lets every ticket retry its own 429 keeps hammering the limit; this limiter
instead pauses every worker for the ``Retry-After`` and halves the rate, then creeps back
up to the target, a twentieth of it per second (additive increase, multiplicative decrease).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

#: The pause after a 429 that carries no usable Retry-After.
DEFAULT_THROTTLE_PAUSE = 1.0
#: The longest pause a Retry-After can order: a batch waits, but not for hours.
MAX_THROTTLE_PAUSE = 60.0
#: The lowest rate a throttled limiter falls to, as a fraction of the target.
FLOOR_FRACTION = 1 / 64
_EPSILON = 1e-9
#: How much of the target rate comes back per second without throttling.
RECOVERY_PER_SECOND = 1 / 20


def check_rate(rate: float) -> None:
    """Refuse a rate that is not a finite number of requests per second above 0."""
    if not math.isfinite(rate) or rate <= 0:
        raise ValueError("rate must be a finite number of requests per second above 0")


class RateLimiter:
    """A token bucket of ``burst`` tokens refilled at ``rate`` per second.

    Acquisitions are served in arrival order (one waiter sleeps at a time), so pacing
    stays smooth however many workers wait.
    """

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        check_rate(rate)
        if burst is None:
            burst = max(1, math.ceil(rate))
        if burst < 1:
            raise ValueError("burst must be 1 or more")
        self.target = float(rate)
        self.rate = float(rate)
        self.burst = burst
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        # Nothing accrues during a pause: a burst right after it would meet the same 429s.
        elapsed = max(0.0, now - max(self._stamp, self._paused_until))
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        if self.rate < self.target:
            self.rate = min(self.target, self.rate + elapsed * self.target * RECOVERY_PER_SECOND)
        self._stamp = now

    async def acquire(self) -> None:
        """Wait for one token (and for any pause ordered by a throttled answer)."""
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                    continue
                if self._tokens >= 1 - _EPSILON:  # refills are floats: 0.1 s * 10/s < 1
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await self._sleep((1 - self._tokens) / self.rate)

    def throttled(self, retry_after: float | None) -> float:
        """A 429 came back: pause everyone and halve the rate; return the seconds until
        the pause ends."""
        now = self._clock()
        self._refill(now)
        pause = DEFAULT_THROTTLE_PAUSE if retry_after is None else retry_after
        pause = min(pause, MAX_THROTTLE_PAUSE)
        if now >= self._paused_until:
            # Halve once per episode: 429s for requests already in flight when the pause
            # began say nothing new about the rate.
            self.rate = max(self.target * FLOOR_FRACTION, self.rate / 2)
        self._paused_until = max(self._paused_until, now + pause)
        self._tokens = 0.0
        return self._paused_until - now
