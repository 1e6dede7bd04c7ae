"""The batch rate limiter: pacing, bursts, pauses on 429 and recovery, on a fake clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from aioauthlete._ratelimit import (
    DEFAULT_THROTTLE_PAUSE,
    FLOOR_FRACTION,
    MAX_THROTTLE_PAUSE,
    RECOVERY_PER_SECOND,
    RateLimiter,
)
from tests.helpers import FakeTime


def limiter(time: FakeTime, rate: float = 10.0, burst: int | None = None) -> RateLimiter:
    return RateLimiter(rate, burst, clock=time.clock, sleep=time.sleep)


async def test_burst_passes_without_waiting_then_paces_at_the_rate() -> None:
    """A full bucket lets `burst` through at once; then one token per 1/rate seconds."""
    time = FakeTime()
    bucket = limiter(time, rate=10.0, burst=5)
    start = time.now
    for _ in range(5):
        await bucket.acquire()
    assert time.now == start
    for _ in range(10):
        await bucket.acquire()
    assert time.now - start == pytest.approx(1.0)


async def test_default_burst_is_one_second_of_rate() -> None:
    """Without burst, the bucket holds ceil(rate) tokens."""
    assert RateLimiter(100.0).burst == 100
    assert RateLimiter(0.5).burst == 1


async def test_throttled_pauses_for_retry_after_and_halves_the_rate() -> None:
    """A 429 stops everyone for its Retry-After and halves the pace."""
    time = FakeTime()
    bucket = limiter(time, rate=10.0, burst=1)
    await bucket.acquire()
    bucket.throttled(3.0)
    assert bucket.rate == 5.0
    start = time.now
    await bucket.acquire()
    assert time.now - start >= 3.0
    start = time.now
    await bucket.acquire()
    assert time.now - start == pytest.approx(1 / 5.0, rel=0.05)  # the rate creeps back up


async def test_throttled_without_retry_after_uses_the_default_pause() -> None:
    """No usable Retry-After: pause for the default, capped pauses for huge values."""
    time = FakeTime()
    bucket = limiter(time)
    bucket.throttled(None)
    start = time.now
    await bucket.acquire()
    assert time.now - start >= DEFAULT_THROTTLE_PAUSE
    bucket.throttled(10_000.0)
    start = time.now
    await bucket.acquire()
    assert MAX_THROTTLE_PAUSE <= time.now - start < MAX_THROTTLE_PAUSE + 1


async def test_rate_never_falls_below_the_floor_and_recovers_over_time() -> None:
    """Repeated throttling stops at the floor; the rate then climbs back linearly."""
    time = FakeTime()
    bucket = limiter(time, rate=64.0)
    for _ in range(20):
        bucket.throttled(0.0)
        time.now += 0.001
    assert bucket.rate == pytest.approx(64.0 * FLOOR_FRACTION, rel=0.01)
    time.now += 10.0
    await bucket.acquire()
    expected = 64.0 * FLOOR_FRACTION + 64.0 * 10 * RECOVERY_PER_SECOND
    assert bucket.rate == pytest.approx(expected, rel=0.01)
    time.now += 100.0
    await bucket.acquire()
    assert bucket.rate == 64.0


async def test_waiters_are_served_one_at_a_time_in_order() -> None:
    """Concurrent acquirers get tokens in arrival order, spaced by the rate."""
    time = FakeTime()
    bucket = limiter(time, rate=4.0, burst=1)
    order: list[tuple[int, float]] = []

    async def take(n: int) -> None:
        await bucket.acquire()
        order.append((n, time.now))

    await asyncio.gather(*(take(n) for n in range(5)))
    assert [n for n, _ in order] == [0, 1, 2, 3, 4]
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(order)]
    assert gaps == pytest.approx([0.25] * 4)


@pytest.mark.parametrize(
    ("rate", "burst"), [(0.0, None), (-1.0, None), (float("inf"), None), (5.0, 0)]
)
def test_nonsense_settings_are_refused(rate: float, burst: int | None) -> None:
    """A zero, negative or infinite rate, or an empty bucket, is a ValueError."""
    with pytest.raises(ValueError, match="must be"):
        RateLimiter(rate, burst)


async def test_throttles_within_one_pause_halve_the_rate_once() -> None:
    """429s of requests already in flight during a pause do not halve the rate again."""
    time = FakeTime()
    bucket = limiter(time, rate=100.0)
    for _ in range(16):
        bucket.throttled(1.0)
    assert bucket.rate == 50.0
    time.now += 1.5  # half a second after the pause: 50 + 0.5 s * 5/s recovered
    bucket.throttled(1.0)
    assert bucket.rate == pytest.approx(52.5 / 2)


async def test_no_burst_builds_up_during_a_pause() -> None:
    """After a pause the bucket starts empty: requests resume one by one, not in a burst."""
    time = FakeTime()
    bucket = limiter(time, rate=10.0, burst=10)
    bucket.throttled(5.0)
    await bucket.acquire()
    resumed = time.now
    await bucket.acquire()
    assert time.now - resumed == pytest.approx(1 / 5.0, rel=0.05)
