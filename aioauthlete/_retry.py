"""The one retry loop: attempts, backoff sleeps, the retry budget and the hard deadline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, NamedTuple, Protocol, TypeVar

from ._backoff import RetryBudget, is_retryable, may_have_acted, next_delay
from ._errors import (
    AuthleteApiError,
    AuthleteError,
    AuthleteTimeoutError,
    AuthleteTransportError,
)
from ._gate import Gate
from ._log import Subject, log_attempt, log_give_up, logger
from ._policies import RetryPolicy, TimeoutPolicy
from ._redact import forget_locals
from ._watchdog import Guard, Watchdog

Resp = TypeVar("Resp")
#: One attempt: given the seconds it may take, return an answer or raise an AuthleteError.
Attempt = Callable[[float], Awaitable[Resp]]

#: Timers may fire a hair early (the loop's clock resolution); within this, time is up.
_SLACK = 1e-3


class Pacer(Protocol):
    """A batch's rate limit, as the retry loop sees it (``RateLimiter``)."""

    async def acquire(self) -> None:
        """Wait for the next request's turn."""

    def throttled(self, retry_after: float | None) -> float:
        """A 429 came back: slow everyone down; return the seconds until sending resumes."""


class Answered(NamedTuple, Generic[Resp]):
    """An answer, with how many attempts it took and whether an earlier one was ambiguous."""

    response: Resp
    attempts: int
    ambiguous: bool


class Deadline:
    """A call's deadline, on two clocks at once.

    The injected clock is what tests drive (backoff arithmetic); the event loop's clock is
    where the deadline is hard, so a fake clock can make it irrelevant but never switch it
    off. Time left is the lesser of the two.
    """

    __slots__ = ("_at", "_clock", "_loop", "hard_at")

    def __init__(
        self, clock: Callable[[], float], loop: asyncio.AbstractEventLoop, seconds: float
    ) -> None:
        self._clock = clock
        self._loop = loop
        self._at = clock() + seconds
        #: When the deadline passes on the event loop's clock.
        self.hard_at = loop.time() + seconds

    def left(self) -> float:
        soft, hard = self._at - self._clock(), self.hard_at - self._loop.time()
        return soft if soft < hard else hard

    def passed_after(self, delay: float) -> bool:
        """Whether the deadline passes before *delay* seconds from now have (compared as
        instants: ``now + delay`` against the deadline, not against a difference that
        rounds differently)."""
        return self._clock() + delay >= self._at or self._loop.time() + delay >= self.hard_at


class Retrier:
    """Runs attempts under one client's budget, with injectable sleep, clock and randomness.

    *clock* measures the deadline and the backoff (``time.monotonic`` by default); see
    ``Deadline`` for why the event loop's clock keeps it too.
    """

    __slots__ = ("_watchdog", "budget", "clock", "closed", "random", "sleep")

    def __init__(
        self,
        *,
        budget: RetryBudget,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[object]],
        random: Callable[[], float],
    ) -> None:
        self.budget = budget
        self.clock = clock
        self.sleep = sleep
        self.random = random
        self._watchdog: Watchdog | None = None
        #: Set when the client closes: a call in flight then makes no further attempt.
        self.closed = False

    async def call(
        self,
        attempt: Attempt[Resp],
        *,
        gate: Gate,
        retry: RetryPolicy,
        timeout: TimeoutPolicy,
        subject: Subject,
        converges: bool,
        pacer: Pacer | None = None,
    ) -> Answered[Resp]:
        """Run *attempt* until it answers, a retry is not allowed, or the deadline passes.

        The policy, as this loop applies it:

        - an attempt waits for a slot of the *gate* (the pool) within the deadline, then
          runs under ``min(attempt, time left)``, kept by the client's ``Watchdog`` (one
          timer for all attempts in flight; the queueing is not charged to the attempt);
        - a failure is retried when the policy and the operation allow it (*converges*:
          see ``Operation``), attempts remain, the backoff fits before the deadline, and
          the retry budget pays for it;
        - *pacer* is a paced batch's rate limit. Its first turn is the batch's business
          (it comes before the deadline starts); every retry waits for a turn within the
          deadline, and a 429 pauses and slows the whole batch, the pause replacing this
          call's own backoff. A re-sent request is a retry like any other.

        *subject* names the call in log records and masks its secrets in errors.
        """
        loop = asyncio.get_running_loop()
        watchdog = self._watchdog
        if watchdog is None or watchdog.loop is not loop:
            watchdog = self._watchdog = Watchdog(loop)
        clock = self.clock
        deadline = Deadline(clock, loop, timeout.total)
        number = spent = 0
        ambiguous = False
        error: AuthleteError
        while True:
            number += 1
            if not gate.try_enter():  # the fast path has no timer
                await self._within(deadline, gate.enter(), timeout, number - 1, ambiguous, subject)
            try:
                left = deadline.left()
                if left <= 0:
                    raise self._past_deadline(timeout, number - 1, ambiguous, subject)
                limit = min(timeout.attempt, left)
                started = clock()
                try:
                    if self.closed:
                        raise client_closed()
                    with Guard(watchdog, loop.time() + limit):
                        response = await attempt(limit)
                except AuthleteError as exc:
                    forget_locals(exc)  # the frames that built it hold the raw answer
                    error = subject.scrub(exc)
                except TimeoutError:  # ours: anything inside raises AuthleteErrors only
                    error = AuthleteTimeoutError(
                        detail=f"the attempt's time limit of {limit:.3g} s passed",
                        may_have_reached=True,
                    )
                else:
                    if logger.isEnabledFor(logging.DEBUG):
                        log_attempt(subject, number, response, clock() - started)
                    if not self.budget.full:
                        self.budget.refund(spent or retry.budget_refund)
                    return Answered(response, number, ambiguous)
            finally:
                gate.leave()
            log_attempt(subject, number, error, clock() - started)
            if may_have_acted(error, converges):
                error.ambiguous = True
            ambiguous = ambiguous or error.ambiguous
            if isinstance(error, AuthleteTimeoutError) and deadline.left() <= _SLACK:
                # The attempt's bound was the deadline itself.
                raise self._past_deadline(timeout, number, True, subject)
            delay = next_delay(retry, number, error, self.random, converges=converges)
            pause = _batch_pause(pacer, error)
            if pause is not None and delay is not None:
                delay = pause  # the batch's pause replaces this call's backoff
            why = self._refusal(retry, number, delay, deadline, error)
            if why is not None:
                error.attempts, error.ambiguous = number, ambiguous
                if is_retryable(retry, error, converges=converges):
                    log_give_up(subject, error, why)
                raise error
            assert delay is not None
            spent += _cost(retry, error)
            if pause is None:
                await self.sleep(delay)
            if pacer is not None:
                await self._within(deadline, pacer.acquire(), timeout, number, ambiguous, subject)

    def _refusal(
        self,
        retry: RetryPolicy,
        number: int,
        delay: float | None,
        deadline: Deadline,
        error: AuthleteError,
    ) -> str | None:
        """Why the call must not retry now, or ``None`` (the budget is then charged)."""
        if delay is None:
            if number >= retry.attempts:
                return "attempts exhausted"
            return "not retryable or Retry-After above retry_after_max"
        if deadline.passed_after(delay):
            return "backoff would pass the deadline"
        if not self.budget.try_spend(_cost(retry, error)):
            return "retry budget exhausted"
        return None

    async def _within(
        self,
        deadline: Deadline,
        wait: Awaitable[None],
        timeout: TimeoutPolicy,
        attempts: int,
        ambiguous: bool,
        subject: Subject,
    ) -> None:
        """Wait (for the pool, for the batch's turn), but not past the deadline."""
        try:
            async with asyncio.timeout_at(deadline.hard_at):
                await wait
        except TimeoutError:
            raise self._past_deadline(timeout, attempts, ambiguous, subject) from None

    @staticmethod
    def _past_deadline(
        timeout: TimeoutPolicy, attempts: int, may_have_reached: bool, subject: Subject
    ) -> AuthleteTimeoutError:
        error = AuthleteTimeoutError(
            detail=f"the call's deadline of {timeout.total:g} s passed",
            may_have_reached=may_have_reached,
            deadline=True,
            attempts=attempts,
        )
        log_give_up(subject, error, "deadline")
        return error


def _batch_pause(pacer: Pacer | None, error: AuthleteError) -> float | None:
    """For a 429 in a paced batch: slow the batch down, return the seconds its pause
    lasts. ``None`` otherwise."""
    if pacer is None or not isinstance(error, AuthleteApiError) or error.status != 429:
        return None
    return pacer.throttled(error.retry_after)


def client_closed(attempts: int = 1) -> AuthleteTransportError:
    """The error of a call that a closed client will not (or no longer) send."""
    return AuthleteTransportError(
        detail="the client is closed (aclose() was called): nothing more is sent",
        may_have_reached=False,
        retryable=False,
        attempts=attempts,
    )


def _cost(retry: RetryPolicy, error: AuthleteError) -> int:
    if isinstance(error, AuthleteTimeoutError):
        return retry.budget_timeout_cost
    return retry.budget_retry_cost
