"""The one retry loop: attempts, backoff sleeps, the retry budget and the hard deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from ._backoff import RetryBudget, is_retryable, next_delay
from ._errors import AuthleteError, AuthleteTimeoutError
from ._log import log_attempt, log_give_up
from ._models import BackchannelAuthenticationFailResponse
from ._policies import RetryPolicy, TimeoutPolicy

Response = BackchannelAuthenticationFailResponse
#: One attempt: given the seconds it may take, return an answer or raise an AuthleteError.
Attempt = Callable[[float], Awaitable[Response]]


class Answered(NamedTuple):
    """An answer, with how many attempts it took and whether an earlier one was ambiguous."""

    response: Response
    attempts: int
    ambiguous: bool


class Retrier:
    """Runs attempts under one client's budget, with injectable sleep, clock and randomness.

    *clock* measures the deadline and the backoff (``time.monotonic`` by default); the hard
    deadline itself is an ``asyncio.timeout`` on the event loop's clock, so a fake clock in
    tests cannot switch it off, only make it irrelevant.
    """

    __slots__ = ("budget", "clock", "random", "sleep")

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

    async def call(
        self,
        attempt: Attempt,
        *,
        gate: asyncio.Semaphore,
        retry: RetryPolicy,
        timeout: TimeoutPolicy,
        service_id: str,
        ticket: str,
    ) -> Answered:
        """Run *attempt* until it answers, a retry is not allowed, or the deadline passes.

        *gate* bounds the attempts in flight; it is acquired before the attempt's timer
        starts, so queueing for a connection never counts as a timed-out attempt.
        """
        clock = self.clock
        deadline = clock() + timeout.total
        number = 0
        spent = 0
        ambiguous = False
        sending = False
        started = 0.0  # when the current attempt began
        try:
            async with asyncio.timeout(timeout.total):
                while True:
                    number += 1
                    async with gate:
                        started = clock()
                        remaining = deadline - started
                        if remaining <= 0:
                            raise _deadline(timeout, number - 1, ambiguous)
                        sending = True
                        try:
                            response = await attempt(min(timeout.attempt, remaining))
                        except AuthleteError as exc:
                            error = exc
                            sending = False  # kept True if the deadline cancels the attempt
                        else:
                            log_attempt(service_id, ticket, number, response, clock() - started)
                            self.budget.refund(spent or retry.budget_refund)
                            return Answered(response, number, ambiguous)
                    log_attempt(service_id, ticket, number, error, clock() - started)
                    delay = next_delay(retry, number, error, self.random)
                    why = self._refusal(retry, number, error, delay, deadline)
                    ambiguous = ambiguous or error.ambiguous
                    if why is not None:
                        error.attempts, error.ambiguous = number, ambiguous
                        if is_retryable(retry, error):
                            log_give_up(service_id, ticket, error, why)
                        raise error
                    assert delay is not None
                    spent += _cost(retry, error)
                    await self.sleep(delay)
        except AuthleteError:
            raise
        except TimeoutError:
            error = _deadline(timeout, number, ambiguous or sending)
            if sending:  # the deadline cut this attempt short: it gets its record too
                log_attempt(service_id, ticket, number, error, clock() - started)
            log_give_up(service_id, ticket, error, "deadline")
            raise error from None

    def _refusal(
        self,
        retry: RetryPolicy,
        number: int,
        error: AuthleteError,
        delay: float | None,
        deadline: float,
    ) -> str | None:
        """Why the call must not retry now, or ``None`` (the budget is then charged)."""
        if delay is None:
            if number >= retry.attempts:
                return "attempts exhausted"
            return "not retryable or Retry-After above retry_after_max"
        if self.clock() + delay >= deadline:
            return "backoff would pass the deadline"
        if not self.budget.try_spend(_cost(retry, error)):
            return "retry budget exhausted"
        return None


def _cost(retry: RetryPolicy, error: AuthleteError) -> int:
    if isinstance(error, AuthleteTimeoutError):
        return retry.budget_timeout_cost
    return retry.budget_retry_cost


def _deadline(
    timeout: TimeoutPolicy, attempts: int, may_have_reached: bool
) -> AuthleteTimeoutError:
    return AuthleteTimeoutError(
        detail=f"the call's deadline of {timeout.total:g} s passed",
        may_have_reached=may_have_reached,
        deadline=True,
        attempts=attempts,
    )
