"""The one retry loop: attempts, backoff sleeps, the retry budget and the hard deadline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from ._backoff import RetryBudget, is_retryable, next_delay
from ._errors import AuthleteError, AuthleteTimeoutError, AuthleteTransportError
from ._gate import Gate
from ._log import log_attempt, log_give_up, logger
from ._models import BackchannelAuthenticationFailResponse
from ._policies import RetryPolicy, TimeoutPolicy
from ._watchdog import Guard, Watchdog

Response = BackchannelAuthenticationFailResponse
#: One attempt: given the seconds it may take, return an answer or raise an AuthleteError.
Attempt = Callable[[float], Awaitable[Response]]


_DEBUG = logging.DEBUG
_debug_enabled = logger.isEnabledFor  # the success path skips even the call when off


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
        service_id: str,
        ticket: str,
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
        """
        clock = self.clock
        loop = asyncio.get_running_loop()
        loop_time = loop.time
        watchdog = self._watchdog
        if watchdog is None or watchdog.loop is not loop:
            watchdog = self._watchdog_for(loop)
        deadline = clock() + timeout.total
        hard_deadline = loop_time() + timeout.total
        number = spent = 0
        ambiguous = False
        error: AuthleteError
        while True:
            number += 1
            if not gate.try_enter():  # queue under the deadline; the fast path has no timer
                try:
                    async with asyncio.timeout_at(hard_deadline):
                        await gate.enter()
                except TimeoutError:
                    late = self._past_deadline(timeout, number - 1, ambiguous, service_id, ticket)
                    raise late from None
            try:
                started = clock()
                remaining = min(deadline - started, hard_deadline - loop_time())
                if remaining <= 0:
                    raise self._past_deadline(timeout, number - 1, ambiguous, service_id, ticket)
                bound = min(timeout.attempt, remaining)
                try:
                    if self.closed:
                        raise _closed_during_call()
                    with Guard(watchdog, bound):
                        response = await attempt(bound)
                except AuthleteError as exc:
                    error = exc
                except TimeoutError:  # ours: anything inside raises AuthleteErrors only
                    error = AuthleteTimeoutError(
                        detail=f"the attempt's time limit of {bound:.3g} s passed",
                        may_have_reached=True,
                    )
                else:
                    if _debug_enabled(_DEBUG):
                        log_attempt(service_id, ticket, number, response, clock() - started)
                    self.budget.refund(spent or retry.budget_refund)
                    return Answered(response, number, ambiguous)
            finally:
                gate.leave()
            log_attempt(service_id, ticket, number, error, clock() - started)
            if isinstance(error, AuthleteTimeoutError) and _gone(
                deadline - clock(), hard_deadline - loop_time()
            ):
                # The attempt's bound was the deadline itself.
                raise self._past_deadline(timeout, number, True, service_id, ticket)
            delay = next_delay(retry, number, error, self.random)
            why = self._refusal(retry, number, error, delay, deadline, hard_deadline)
            ambiguous = ambiguous or error.ambiguous
            if why is not None:
                error.attempts, error.ambiguous = number, ambiguous
                if is_retryable(retry, error):
                    log_give_up(service_id, ticket, error, why)
                raise error
            assert delay is not None
            spent += _cost(retry, error)
            await self.sleep(delay)

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
        timeout: TimeoutPolicy, attempts: int, may_have_reached: bool, service_id: str, ticket: str
    ) -> AuthleteTimeoutError:
        error = AuthleteTimeoutError(
            detail=f"the call's deadline of {timeout.total:g} s passed",
            may_have_reached=may_have_reached,
            deadline=True,
            attempts=attempts,
        )
        log_give_up(service_id, ticket, error, "deadline")
        return error


#: Timers may fire a hair early (the loop's clock resolution); within this, time is up.
_SLACK = 1e-3


def _gone(*remaining: float) -> bool:
    return min(remaining) <= _SLACK


def _closed_during_call() -> AuthleteTransportError:
    return AuthleteTransportError(
        detail="the client was closed during the call", may_have_reached=False, retryable=False
    )


def _cost(retry: RetryPolicy, error: AuthleteError) -> int:
    if isinstance(error, AuthleteTimeoutError):
        return retry.budget_timeout_cost
    return retry.budget_retry_cost
