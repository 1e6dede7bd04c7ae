"""The one retry loop: attempts, backoff sleeps, the retry budget and the hard deadline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NamedTuple, Protocol

from ._backoff import RetryBudget, is_retryable, next_delay
from ._errors import (
    AuthleteApiError,
    AuthleteError,
    AuthleteTimeoutError,
    AuthleteTransportError,
)
from ._gate import Gate
from ._log import Subject, log_attempt, log_give_up, logger
from ._models import BackchannelAuthenticationFailResponse
from ._policies import RetryPolicy, TimeoutPolicy
from ._redact import forget_locals
from ._watchdog import Guard, Watchdog

Response = BackchannelAuthenticationFailResponse
#: One attempt: given the seconds it may take, return an answer or raise an AuthleteError.
Attempt = Callable[[float], Awaitable[Response]]


_DEBUG = logging.DEBUG
_debug_enabled = logger.isEnabledFor  # the success path skips even the call when off


class Pacer(Protocol):
    """A batch's rate limit, as the retry loop sees it (``RateLimiter``)."""

    async def acquire(self) -> None:
        """Wait for the next request's turn."""

    def throttled(self, retry_after: float | None) -> float:
        """A 429 came back: slow everyone down; return the seconds until sending resumes."""


class Answered(NamedTuple):
    """An answer, with how many attempts it took and whether an earlier one was ambiguous."""

    response: Response
    attempts: int
    ambiguous: bool


class Retrier:
    """Runs attempts under one client's budget, with injectable sleep, clock and randomness.

    *clock* measures the deadline and the backoff (``time.monotonic`` by default); the
    deadline is also kept on the event loop's clock, where it is hard, so a fake clock in
    tests cannot switch it off, only make it irrelevant.
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

    def _watchdog_for(self, loop: asyncio.AbstractEventLoop) -> Watchdog:
        watchdog = self._watchdog = Watchdog(loop)
        return watchdog

    async def call(
        self,
        attempt: Attempt,
        *,
        gate: Gate,
        retry: RetryPolicy,
        timeout: TimeoutPolicy,
        subject: Subject,
        pacer: Pacer | None = None,
    ) -> Answered:
        """Run *attempt* until it answers, a retry is not allowed, or the deadline passes.

        The deadline is kept twice: on the injected clock (for the arithmetic tests drive)
        and on the event loop's clock, where it is hard. There is no timer over the whole
        call: each attempt runs under a limit of ``min(attempt, time left)`` kept by the
        client's ``Watchdog`` (one timer for all attempts, see ``_watchdog``), a backoff
        that would cross the deadline is not slept, and only a wait at the *gate* gets a
        timer of its own.

        *gate* bounds the attempts in flight; it is acquired before the attempt's timer
        starts, so queueing for a connection never counts as a timed-out attempt.
        *subject* names the call in log records (its service and its ticket's hash).

        *pacer* is a paced batch's rate limit. Its first turn is the batch's business (it
        comes before the deadline starts); every retry waits for a turn within the
        deadline, and a 429 pauses and slows the whole batch: the pause then replaces this
        call's own backoff. Either way a retry is a retry: attempts, the budget and the
        deadline bound it.
        """
        loop = asyncio.get_running_loop()
        watchdog = self._watchdog
        if watchdog is None or watchdog.loop is not loop:
            watchdog = self._watchdog_for(loop)
        clock = self.clock
        started, loop_now, remaining = clock(), loop.time(), timeout.total
        deadline, hard_deadline = started + remaining, loop_now + remaining
        number = spent = 0
        ambiguous = False
        fresh = True  # started, loop_now and remaining are current (the first attempt's)
        error: AuthleteError
        while True:
            number += 1
            if not gate.try_enter():  # queue under the deadline; the fast path has no timer
                try:
                    async with asyncio.timeout_at(hard_deadline):
                        await gate.enter()
                except TimeoutError:
                    raise self._past_deadline(timeout, number - 1, ambiguous, subject) from None
                fresh = False
            try:
                if not fresh:
                    started, loop_now = clock(), loop.time()
                    remaining = min(deadline - started, hard_deadline - loop_now)
                    if remaining <= 0:
                        raise self._past_deadline(timeout, number - 1, ambiguous, subject)
                fresh = False
                bound = min(timeout.attempt, remaining)
                try:
                    if self.closed:
                        raise client_closed()
                    with Guard(watchdog, loop_now + bound):
                        response = await attempt(bound)
                except AuthleteError as exc:
                    forget_locals(exc)  # the frames that built it hold the raw answer
                    error = subject.scrub(exc)
                except TimeoutError:  # ours: anything inside raises AuthleteErrors only
                    error = AuthleteTimeoutError(
                        detail=f"the attempt's time limit of {bound:.3g} s passed",
                        may_have_reached=True,
                    )
                else:
                    if _debug_enabled(_DEBUG):
                        log_attempt(subject, number, response, clock() - started)
                    if not self.budget.full:
                        self.budget.refund(spent or retry.budget_refund)
                    # tuple.__new__: a NamedTuple's own __new__ is a Python function.
                    return tuple.__new__(Answered, (response, number, ambiguous))
            finally:
                gate.leave()
            log_attempt(subject, number, error, clock() - started)
            if isinstance(error, AuthleteTimeoutError) and _gone(
                deadline - clock(), hard_deadline - loop.time()
            ):
                # The attempt's bound was the deadline itself.
                raise self._past_deadline(timeout, number, True, subject)
            delay = next_delay(retry, number, error, self.random)
            pause = _batch_pause(pacer, error)
            if pause is not None and delay is not None:
                delay = pause  # the batch's pause replaces this call's backoff
            why = self._refusal(retry, number, error, delay, deadline, hard_deadline)
            ambiguous = ambiguous or error.ambiguous
            if why is not None:
                error.attempts, error.ambiguous = number, ambiguous
                if is_retryable(retry, error):
                    log_give_up(subject, error, why)
                raise error
            assert delay is not None
            spent += _cost(retry, error)
            if pause is None:
                await self.sleep(delay)
            if pacer is not None:
                try:
                    async with asyncio.timeout_at(hard_deadline):
                        await pacer.acquire()
                except TimeoutError:
                    raise self._past_deadline(timeout, number, ambiguous, subject) from None

    def _refusal(
        self,
        retry: RetryPolicy,
        number: int,
        error: AuthleteError,
        delay: float | None,
        deadline: float,
        hard_deadline: float,
    ) -> str | None:
        """Why the call must not retry now, or ``None`` (the budget is then charged)."""
        if delay is None:
            if number >= retry.attempts:
                return "attempts exhausted"
            return "not retryable or Retry-After above retry_after_max"
        loop_time = asyncio.get_running_loop().time()
        if self.clock() + delay >= deadline or loop_time + delay >= hard_deadline:
            return "backoff would pass the deadline"
        if not self.budget.try_spend(_cost(retry, error)):
            return "retry budget exhausted"
        return None

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


#: Timers may fire a hair early (the loop's clock resolution); within this, time is up.
_SLACK = 1e-3


def _gone(*remaining: float) -> bool:
    return min(remaining) <= _SLACK


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
