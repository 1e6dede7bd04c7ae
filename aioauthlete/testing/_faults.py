"""Fault switches: make the emulator slow, failing, disconnecting or throttling on demand.

Tests flip them from their own thread while the emulator serves, so every switch takes a
lock. Queued faults are taken one per request, first in, first out. What an injected
failure's body says is assumption 7 of ``_assumptions``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TypeVar

from attrs import frozen

from ._ratelimit import RateDecision, RateLimiter

RetryAfter = int | str
T = TypeVar("T")


@frozen
class Fault:
    """One scripted answer: a *status* with a result body, or no answer (``status=None``).

    A drop with *after_processing* lets the request take effect (the ticket is deleted)
    and then closes the connection: the client cannot tell whether it happened.
    """

    status: int | None
    retry_after: RetryAfter | None = None
    after_processing: bool = False


def _check_count(count: int) -> None:
    if count < 0:
        raise ValueError("count must be 0 or more")


def _check_status(status: int) -> None:
    # 204/205/304 cannot carry the result body; 1xx are not final answers.
    if isinstance(status, bool) or not 200 <= status <= 599 or status in {204, 205, 304}:
        raise ValueError("status must be a final HTTP status that carries a body (200-599)")


def _check_retry_after(value: RetryAfter | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or (isinstance(value, int) and value < 0):
        raise ValueError("retry_after must be whole seconds (0 or more) or an HTTP date")
    if isinstance(value, str) and (not value or not value.isprintable() or not value.isascii()):
        raise ValueError("retry_after text must be printable ASCII, e.g. an HTTP date")


class Faults:
    """The emulator's fault switches (``emulator.faults``); all off by default.

    Latency and queued or per-ticket faults act before authentication, so they hit any
    request; the rate limit counts per credential, after authentication.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._latency = 0.0
        self._queue: deque[tuple[Fault, int]] = deque()
        self._by_ticket: dict[str, deque[Fault]] = {}
        self._slow: dict[str, deque[float]] = {}
        self._limiter: RateLimiter | None = None

    def __repr__(self) -> str:
        return (
            f"<Faults latency={self._latency:g}s queued={self.pending}"
            f" tickets={len(self._by_ticket)} rate_limit={self.rate_limit}>"
        )

    @property
    def latency(self) -> float:
        """Seconds every request waits before it is handled (0 = none)."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError("latency must be a finite number of seconds, 0 or more")
        self._latency = float(seconds)

    @property
    def rate_limit(self) -> tuple[float, int] | None:
        """``(requests per second, burst)`` per credential, or None (off, the default)."""
        limiter = self._limiter
        return None if limiter is None else (limiter.rate, limiter.burst)

    @rate_limit.setter
    def rate_limit(self, value: tuple[float, int] | None) -> None:
        # Setting it (again) starts from full buckets.
        self._limiter = None if value is None else RateLimiter(value[0], value[1], self._clock)

    def check_rate(self, bucket: str) -> RateDecision | None:
        """Spend one request of *bucket*'s allowance; None while the rate limit is off."""
        limiter = self._limiter
        return None if limiter is None else limiter.take(bucket)

    @property
    def pending(self) -> int:
        """How many requests the queued ``fail_next``/``drop_next`` faults will still answer."""
        with self._lock:
            return sum(remaining for _, remaining in self._queue)

    def fail_next(
        self, count: int = 1, status: int = 503, retry_after: RetryAfter | None = None
    ) -> None:
        """Answer the next *count* requests with *status*, a result body and ``Retry-After``.

        *retry_after* is whole seconds or a text such as an HTTP date, sent as given.
        """
        _check_count(count)
        _check_status(status)
        _check_retry_after(retry_after)
        self._enqueue(Fault(status, retry_after), count)

    def drop_next(self, count: int = 1, *, after_processing: bool = False) -> None:
        """Close the connection of the next *count* requests without answering them."""
        _check_count(count)
        self._enqueue(Fault(None, after_processing=after_processing), count)

    def fail_ticket(
        self, ticket: str, statuses: Iterable[int], *, retry_after: RetryAfter | None = None
    ) -> None:
        """Answer the next requests for *ticket* with *statuses*, one each, in order.

        Once they are used up the ticket is handled normally, so a batch test can mix
        outcomes per ticket.
        """
        codes = list(statuses)
        for status in codes:
            _check_status(status)
        _check_retry_after(retry_after)
        self._script(ticket, [Fault(status, retry_after) for status in codes])

    def drop_ticket(self, ticket: str, count: int = 1, *, after_processing: bool = False) -> None:
        """Close the connection of the next *count* requests for *ticket* without answering."""
        _check_count(count)
        self._script(ticket, [Fault(None, after_processing=after_processing)] * count)

    def slow_ticket(self, ticket: str, seconds: float, count: int = 1) -> None:
        """Delay the next *count* requests for *ticket* by *seconds* (on top of ``latency``).

        The request is then handled normally; with a short client timeout this makes one
        ticket of a batch time out while the others answer.
        """
        _check_count(count)
        if not ticket:
            raise ValueError("ticket must be a non-empty string")
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError("seconds must be a finite number, 0 or more")
        if count:
            with self._lock:
                self._slow.setdefault(ticket, deque()).extend([float(seconds)] * count)

    def take_delay(self, ticket: str | None) -> float:
        """The extra delay scripted for *ticket*'s request being handled (0 when none)."""
        delay = self._take_scripted(self._slow, ticket)
        return 0.0 if delay is None else delay

    def clear(self) -> None:
        """Switch every fault off: no latency, no queued faults, no rate limit."""
        with self._lock:
            self._latency = 0.0
            self._queue.clear()
            self._by_ticket.clear()
            self._slow.clear()
            self._limiter = None

    def take_next(self) -> Fault | None:
        """The fault for the request being handled, if one is queued."""
        if not self._queue:  # the common case, without the lock
            return None
        with self._lock:
            if not self._queue:
                return None
            fault, remaining = self._queue.popleft()
            if remaining > 1:
                self._queue.appendleft((fault, remaining - 1))
            return fault

    def take_for_ticket(self, ticket: str | None) -> Fault | None:
        """The fault scripted for *ticket*'s request being handled, if any."""
        return self._take_scripted(self._by_ticket, ticket)

    def _take_scripted(self, table: dict[str, deque[T]], ticket: str | None) -> T | None:
        if ticket is None or not table:
            return None
        with self._lock:
            script = table.get(ticket)
            if not script:
                return None
            item = script.popleft()
            if not script:
                del table[ticket]
            return item

    def _enqueue(self, fault: Fault, count: int) -> None:
        if count:
            with self._lock:
                self._queue.append((fault, count))

    def _script(self, ticket: str, faults: list[Fault]) -> None:
        if not ticket:
            raise ValueError("ticket must be a non-empty string")
        if faults:
            with self._lock:
                self._by_ticket.setdefault(ticket, deque()).extend(faults)
