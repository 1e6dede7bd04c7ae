"""The retry loop, driven by fake attempts, a fake clock and a fake sleep: no real waiting."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

import pytest

from aioauthlete import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTimeoutError,
    AuthleteTransportError,
    BackchannelAuthenticationFailResponse,
    FailAction,
    RetryPolicy,
    TimeoutPolicy,
)
from aioauthlete._backoff import RetryBudget
from aioauthlete._gate import Gate
from aioauthlete._retry import Answered, Attempt, Retrier
from tests.helpers import SERVICE_ID, TICKET, CallSubject, FakeTime

ANSWER = BackchannelAuthenticationFailResponse(result_code="A185001", action=FailAction.FORBIDDEN)
Outcome = BackchannelAuthenticationFailResponse | AuthleteError


class Script:
    """An attempt function that plays a list of outcomes and records its timeouts."""

    def __init__(self, outcomes: Sequence[Outcome], time: FakeTime, cost: float = 0.0) -> None:
        self.outcomes = list(outcomes)
        self.time = time
        self.cost = cost
        self.timeouts: list[float] = []

    async def __call__(self, seconds: float) -> BackchannelAuthenticationFailResponse:
        self.timeouts.append(seconds)
        self.time.now += self.cost
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, AuthleteError):
            raise outcome
        return outcome


def make_retrier(time: FakeTime, budget: int | None = 500, draw: float = 0.5) -> Retrier:
    return Retrier(
        budget=RetryBudget(budget), clock=time.clock, sleep=time.sleep, random=lambda: draw
    )


def call(
    retrier: Retrier,
    attempt: Attempt[BackchannelAuthenticationFailResponse],
    *,
    gate: Gate | None = None,
    retry: RetryPolicy | None = None,
    timeout: TimeoutPolicy | None = None,
    converges: bool = True,
) -> Coroutine[Any, Any, Answered[BackchannelAuthenticationFailResponse]]:
    """``retrier.call`` for the test ticket, with a fresh gate and default policies unless given."""
    return retrier.call(
        attempt,
        gate=Gate(1) if gate is None else gate,
        retry=retry or RetryPolicy(),
        timeout=timeout or TimeoutPolicy(),
        subject=CallSubject(SERVICE_ID, TICKET),
        converges=converges,
    )


async def run(
    retrier: Retrier,
    script: Script,
    retry: RetryPolicy | None = None,
    timeout: TimeoutPolicy | None = None,
) -> BackchannelAuthenticationFailResponse:
    return (await call(retrier, script, retry=retry, timeout=timeout)).response


def reset() -> AuthleteTransportError:
    return AuthleteTransportError(detail="ClientOSError: reset", may_have_reached=True)


def refused() -> AuthleteTransportError:
    return AuthleteTransportError(detail="ClientConnectorError", may_have_reached=False)


async def test_first_answer_is_returned_without_sleeping() -> None:
    """An answer on the first attempt returns at once."""
    time = FakeTime()
    script = Script([ANSWER], time)
    assert await run(make_retrier(time), script) is ANSWER
    assert time.sleeps == []


async def test_transient_failures_are_retried_with_jittered_backoff() -> None:
    """503, then a reset, then an answer: three attempts, two full-jitter sleeps."""
    time = FakeTime()
    script = Script([AuthleteApiError(status=503), reset(), ANSWER], time)
    answered = await call(make_retrier(time, draw=0.5), script)
    assert answered == (ANSWER, 3, True)  # the reset may have reached Authlete
    # 503 is throttling (1.0 s ceiling); the reset is transient (0.4 s ceiling at retry 2).
    assert time.sleeps == pytest.approx([0.5, 0.2])


async def test_gives_up_after_the_attempts_with_counts_on_the_error() -> None:
    """The last error is raised with the number of attempts and the ambiguity of the call."""
    time = FakeTime()
    script = Script([reset(), refused(), refused()], time)
    with pytest.raises(AuthleteTransportError) as info:
        await run(make_retrier(time), script)
    assert info.value.attempts == 3
    assert info.value.may_have_reached  # the first attempt may have reached Authlete
    assert "ClientConnectorError" in str(info.value)


async def test_not_sent_failures_stay_unambiguous() -> None:
    """When no attempt left the client, the error says the ticket was not touched."""
    time = FakeTime()
    with pytest.raises(AuthleteTransportError) as info:
        await run(make_retrier(time), Script([refused()] * 3, time))
    assert not info.value.may_have_reached


@pytest.mark.parametrize(
    "error",
    [
        AuthleteApiError(status=400, result_code="A"),
        AuthleteApiError(status=401),
        AuthleteApiError(status=403),
        AuthleteApiError(status=404),
        AuthleteResponseError(status=200, problem="not JSON"),
        AuthleteTransportError(detail="ClientSSLError", may_have_reached=False, retryable=False),
    ],
)
async def test_definitive_failures_make_one_attempt(error: AuthleteError) -> None:
    """Client errors, unusable answers and TLS failures are raised after one attempt."""
    time = FakeTime()
    script = Script([error, ANSWER], time)
    with pytest.raises(type(error)) as info:
        await run(make_retrier(time), script)
    assert info.value.attempts == 1
    assert len(script.timeouts) == 1


async def test_retry_after_is_slept_when_it_fits() -> None:
    """A 503 with Retry-After 2 s sleeps exactly 2 s before the next attempt."""
    time = FakeTime()
    script = Script([AuthleteApiError(status=503, retry_after=2.0), ANSWER], time)
    assert await run(make_retrier(time), script) is ANSWER
    assert time.sleeps == [2.0]


async def test_retry_after_past_the_deadline_gives_up_at_once() -> None:
    """A wait that does not fit the deadline is not slept; the error carries the wait."""
    time = FakeTime()
    error = AuthleteApiError(status=429, retry_after=4.0)
    script = Script([error, ANSWER], time)
    with pytest.raises(AuthleteApiError) as info:
        await run(make_retrier(time), script, timeout=TimeoutPolicy(total=3.0, attempt=1.0))
    assert time.sleeps == []
    assert info.value.retry_after == 4.0
    assert info.value.attempts == 1


async def test_retry_after_above_the_cap_gives_up_at_once() -> None:
    """A Retry-After longer than retry_after_max is not slept even with time to spare."""
    time = FakeTime()
    script = Script([AuthleteApiError(status=429, retry_after=30.0), ANSWER], time)
    with pytest.raises(AuthleteApiError):
        await run(make_retrier(time), script, timeout=TimeoutPolicy(total=60.0))
    assert time.sleeps == []


async def test_attempt_timeout_is_clipped_to_the_remaining_deadline() -> None:
    """Each attempt gets min(attempt, time left), so the deadline bounds the last one."""
    time = FakeTime()
    script = Script([reset(), reset(), ANSWER], time, cost=2.5)
    await run(
        make_retrier(time, draw=0.0),
        script,
        timeout=TimeoutPolicy(total=6.0, attempt=3.0),
    )
    assert script.timeouts == pytest.approx([3.0, 3.0, 1.0])


async def test_backoff_that_reaches_the_deadline_raises_the_last_error() -> None:
    """When no time is left for another attempt, the last real failure is raised."""
    time = FakeTime()
    script = Script([reset(), ANSWER], time, cost=5.0)
    with pytest.raises(AuthleteTransportError) as info:
        await run(make_retrier(time, draw=0.0), script, timeout=TimeoutPolicy(total=5.0))
    assert info.value.attempts == 1
    assert len(script.timeouts) == 1


async def test_no_attempt_starts_after_the_deadline() -> None:
    """A call that queued at the gate past its deadline ends without sending anything."""
    time = FakeTime()
    gate = Gate(1)
    script = Script([ANSWER], time)
    assert gate.try_enter()
    task = asyncio.create_task(
        call(make_retrier(time), script, gate=gate, timeout=TimeoutPolicy(total=5.0))
    )
    await asyncio.sleep(0)
    time.now += 6.0
    gate.leave()
    with pytest.raises(AuthleteTimeoutError) as info:
        await task
    assert info.value.deadline
    assert info.value.attempts == 0
    assert not info.value.may_have_reached
    assert script.timeouts == []


async def test_hard_deadline_stops_a_hanging_attempt() -> None:
    """An attempt that never returns is cut by the real deadline: 0.2 s returns well within 2 s."""
    time = FakeTime()
    hang = asyncio.Event()

    async def never(seconds: float) -> BackchannelAuthenticationFailResponse:
        await hang.wait()
        raise AssertionError("unreachable")

    retrier = make_retrier(time)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(AuthleteTimeoutError) as info:
        await call(retrier, never, timeout=TimeoutPolicy(total=0.2))
    assert loop.time() - started < 2.0
    assert info.value.deadline
    assert info.value.may_have_reached
    assert isinstance(info.value, TimeoutError)


async def test_gate_wait_does_not_shorten_the_attempt() -> None:
    """Time spent waiting for the gate is charged to the deadline, not to the attempt timer."""
    time = FakeTime()
    gate = Gate(1)
    script = Script([ANSWER], time)
    assert gate.try_enter()
    task = asyncio.create_task(
        call(make_retrier(time), script, gate=gate, timeout=TimeoutPolicy(total=10.0, attempt=4.0))
    )
    await asyncio.sleep(0)
    time.now += 5.0  # queued for 5 s
    gate.leave()
    assert (await task).response is ANSWER
    assert script.timeouts == [4.0]


async def test_cancellation_propagates_and_is_not_retried() -> None:
    """Cancelling the caller cancels the attempt; no further attempt is made."""
    time = FakeTime()
    started = asyncio.Event()
    calls = 0

    async def slow(seconds: float) -> BackchannelAuthenticationFailResponse:
        nonlocal calls
        calls += 1
        started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    task = asyncio.create_task(call(make_retrier(time), slow))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls == 1


async def test_budget_stops_retries_but_not_first_attempts() -> None:
    """With an empty budget a failing call makes one attempt; the budget refills on answers."""
    time = FakeTime()
    retrier = make_retrier(time, budget=10)
    policy = RetryPolicy(budget_capacity=10)
    with pytest.raises(AuthleteApiError) as info:
        await run(retrier, Script([AuthleteApiError(status=503)] * 3, time), retry=policy)
    assert info.value.attempts == 3  # spent 5 + 5
    assert retrier.budget.tokens == 0
    with pytest.raises(AuthleteApiError) as info:
        await run(retrier, Script([AuthleteApiError(status=503)] * 3, time), retry=policy)
    assert info.value.attempts == 1  # nothing left to spend
    await run(retrier, Script([ANSWER], time), retry=policy)
    assert retrier.budget.tokens == 1


async def test_timeouts_cost_more_budget() -> None:
    """A retry after a timeout costs budget_timeout_cost; success after retries refunds it."""
    time = FakeTime()
    retrier = make_retrier(time, budget=100)
    timeout_error = AuthleteTimeoutError(detail="slow", may_have_reached=True)
    script = Script(
        [timeout_error, AuthleteTimeoutError(detail="slow", may_have_reached=True)], time
    )
    with pytest.raises(AuthleteTimeoutError):
        await run(retrier, script, retry=RetryPolicy(attempts=2))
    assert retrier.budget.tokens == 90
    await run(retrier, Script([reset(), ANSWER], time))
    assert retrier.budget.tokens == 90  # spent 5 on the retry, refunded 5 on the answer


async def test_logs_each_attempt_and_the_give_up_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """DEBUG per attempt, WARNING on giving up; the ticket shows only as a hash."""
    caplog.set_level(logging.DEBUG, logger="aioauthlete")
    time = FakeTime()
    with pytest.raises(AuthleteApiError):
        await run(
            make_retrier(time), Script([AuthleteApiError(status=503, result_code="X\nY")] * 3, time)
        )
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage().split("attempt=")[1][0] for r in debug] == ["1", "2", "3"]
    assert len(warnings) == 1
    assert "attempts exhausted" in warnings[0].getMessage()
    for record in caplog.records:
        message = record.getMessage()
        assert TICKET not in message
        assert SERVICE_ID in message
        assert "\n" not in message


async def test_definitive_errors_do_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    """A 400 is the caller's answer, not a give-up: no WARNING record."""
    caplog.set_level(logging.DEBUG, logger="aioauthlete")
    time = FakeTime()
    with pytest.raises(AuthleteApiError):
        await run(make_retrier(time), Script([AuthleteApiError(status=400)], time))
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]


def test_library_logger_has_a_null_handler() -> None:
    """Without application logging set up, give-up warnings are not printed to stderr."""
    handlers = logging.getLogger("aioauthlete").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)
