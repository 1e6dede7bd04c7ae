"""A token bucket per credential: the emulator's version of Authlete's documented limit.

The headers it yields are assumption 6 of ``_assumptions``. Buckets are keyed by a label of
the credential (``"bearer"`` or ``"basic:<service id>"``), never by the secret itself.

Why this is not ``aioauthlete._ratelimit``: that one paces a client. It makes callers
wait (asyncio, in arrival order), pauses everyone on a 429 and halves its rate, then
creeps back. This one judges a server's requests: it never waits, keeps one bucket per
credential, is called from tests' threads as well as the loop's, and reports what the
``X-RateLimit-*`` headers show. Sharing the refill arithmetic would tie what the emulator
answers to how the client reacts, which is what the emulator exists to test.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from attrs import frozen


@frozen
class RateDecision:
    """Whether one request fits, and the numbers its ``X-RateLimit-*`` headers show."""

    allowed: bool
    limit: float
    remaining: int
    reset: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        """``X-RateLimit-*`` always; ``Retry-After`` when the request was refused."""
        headers = {
            "X-RateLimit-Limit": f"{self.limit:g}",
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    """Refill *rate* tokens per second up to *burst*; each request takes one."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError("the rate limit's rate must be a positive number per second")
        if burst < 1:
            raise ValueError("the rate limit's burst must be 1 or more")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, as of)
        self._lock = threading.Lock()

    def take(self, key: str) -> RateDecision:
        """Take one token from *key*'s bucket if there is one."""
        with self._lock:
            now = self._clock()
            tokens, since = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + max(0.0, now - since) * self.rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
        return RateDecision(
            allowed=allowed,
            limit=self.rate,
            remaining=int(tokens),
            reset=math.ceil((self.burst - tokens) / self.rate),
            retry_after=max(1, math.ceil((1.0 - tokens) / self.rate)),
        )
