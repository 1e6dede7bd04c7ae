"""Rows 39-40: properties of the backoff and of the classification, beyond tests/unit.

tests/unit/test_backoff.py already proves the per-draw bounds, the jitter and the budget's
invariants, and tests/unit/test_transport.py maps every aiohttp exception type. Added here:
the retry loop's sleeps against the deadline, the Retry-After rules, a botocore-style
distribution check, and totality over every status and every BaseException.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from aioauthlete._answer import decode_answer, parse_retry_after
from aioauthlete._backoff import RetryBudget, backoff_ceiling, is_retryable, next_delay
from aioauthlete._gate import Gate
from aioauthlete._policies import RETRY_STATUSES
from aioauthlete._retry import Retrier
from aioauthlete.operations import FAIL
from tests.helpers import CallSubject, FakeTime
from tests.reliability.conftest import SERVICE_ID

ANSWER = BackchannelAuthenticationFailResponse(result_code="A185001", action=FailAction.FORBIDDEN)
OK_JSON = b'{"resultCode":"A185001","action":"FORBIDDEN"}'

errors = st.one_of(
    st.builds(
        AuthleteApiError,
        status=st.sampled_from([400, 401, 429, 500, 502, 503, 504]),
        retry_after=st.none() | st.floats(0, 20),
    ),
    st.builds(AuthleteTransportError, detail=st.just("x"), may_have_reached=st.booleans()),
    st.builds(AuthleteTimeoutError, detail=st.just("x"), may_have_reached=st.booleans()),
    st.builds(AuthleteResponseError, status=st.just(200), problem=st.just("x")),
)
policies = st.builds(
    RetryPolicy,
    attempts=st.integers(1, 8),
    wait_initial=st.floats(0, 3),
    wait_max=st.floats(0, 10),
    throttle_wait_initial=st.floats(0, 3),
    throttle_wait_max=st.floats(0, 10),
    retry_after_max=st.floats(0, 10),
    budget_capacity=st.none() | st.integers(0, 50),
)


class Attempts:
    """Plays a list of outcomes, recording the time each attempt starts and its bound."""

    def __init__(self, outcomes: Sequence[AuthleteError | None], time: FakeTime) -> None:
        self.outcomes = list(outcomes)
        self.time = time
        self.started: list[tuple[float, float]] = []

    async def __call__(self, seconds: float) -> BackchannelAuthenticationFailResponse:
        self.started.append((self.time.now, seconds))
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is None:
            return ANSWER
        raise outcome


@settings(max_examples=200, deadline=None)
@given(
    policy=policies,
    total=st.floats(0.5, 30),
    outcomes=st.lists(errors, min_size=1, max_size=8),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_retry_loop_sleeps_stay_inside_the_deadline_and_the_caps(
    policy: RetryPolicy,
    total: float,
    outcomes: list[AuthleteError],
    draw: float,
) -> None:
    """Row 39: every sleep fits before the deadline and under its cap; attempts are bounded."""
    time = FakeTime()
    retrier = Retrier(
        budget=RetryBudget(policy.budget_capacity),
        clock=time.clock,
        sleep=time.sleep,
        random=lambda: draw,
    )
    attempts = Attempts(outcomes, time)
    timeout = TimeoutPolicy(total=total, attempt=4.0)

    async def run() -> AuthleteError | None:
        try:
            await retrier.call(
                attempts,
                gate=Gate(1),
                retry=policy,
                timeout=timeout,
                subject=CallSubject(SERVICE_ID, "t"),
                converges=True,
            )
        except AuthleteError as error:
            return error
        return None

    error = asyncio.run(run())
    assert error is None or error.attempts == len(attempts.started)
    deadline = 1000.0 + total
    assert 1 <= len(attempts.started) <= policy.attempts
    assert len(time.sleeps) == len(attempts.started) - 1
    assert sum(time.sleeps) < total
    ceiling = max(policy.wait_max, policy.throttle_wait_max, policy.retry_after_max)
    for slept in time.sleeps:
        assert 0 <= slept <= ceiling
    for started, bound in attempts.started:
        assert started < deadline
        # The bound is also clipped to the deadline on the loop's real clock, a hair
        # shorter than the injected one (the real clock moved while the test ran); the
        # first attempt's bound is the total itself, which `deadline - started` may miss
        # by a rounding.
        assert bound <= min(4.0, deadline - started) + 1e-9
        assert bound == pytest.approx(min(4.0, deadline - started), abs=0.5)


@given(retry_after=st.floats(0, 1e9), cap=st.floats(0, 100), attempt=st.integers(1, 2))
def test_retry_after_is_used_as_is_up_to_the_cap_else_the_call_gives_up(
    retry_after: float, cap: float, attempt: int
) -> None:
    """Row 39: a Retry-After replaces the draw when <= retry_after_max, else means "stop"."""
    policy = RetryPolicy(attempts=3, retry_after_max=cap)
    delay = next_delay(
        policy, attempt, AuthleteApiError(status=429, retry_after=retry_after), random.random
    )
    assert delay == (retry_after if retry_after <= cap else None)


@given(st.text(max_size=64) | st.from_regex(r"\s*[0-9.eE+-]{1,12}\s*", fullmatch=True))
def test_retry_after_parsing_is_total(value: str) -> None:
    """Row 39 (15): any header text parses to None or a finite wait >= 0, never raises."""
    parsed = parse_retry_after(value, now=1_800_000_000.0)
    assert parsed is None or 0 <= parsed < float("inf")


def test_jitter_fills_ten_bins_evenly() -> None:
    """Row 39: 10,000 draws from a seeded generator land within 20 % of uniform per bin."""
    rng = random.Random(20261129)
    policy = RetryPolicy(attempts=10)
    ceiling = backoff_ceiling(policy, 3, throttled=False)
    bins = [0] * 10
    for _ in range(10_000):
        delay = next_delay(policy, 3, AuthleteApiError(status=500), rng.random)
        assert delay is not None
        bins[min(9, int(delay / ceiling * 10))] += 1
    assert all(800 <= count <= 1200 for count in bins), bins


bodies = st.sampled_from([OK_JSON, b"", b"[]", b"{}", b"<html/>", b'{"resultCode":1}'])
content_types = st.sampled_from(["application/json", "text/html", "", "application/problem+json"])


def classify(
    status: int, content_type: str, body: bytes
) -> BackchannelAuthenticationFailResponse | AuthleteError:
    try:
        return decode_answer(FAIL.response, status, content_type, body, None)
    except AuthleteError as error:
        return error


@given(status=st.integers(0, 999), content_type=content_types, body=bodies)
def test_every_status_has_exactly_one_classification(
    status: int, content_type: str, body: bytes
) -> None:
    """Row 40: each status is one of answer, unusable answer, API error, or (outside
    200-599) no answer at all; few are retried."""
    policy = RetryPolicy()
    result = classify(status, content_type, body)
    if isinstance(result, AuthleteTransportError):
        assert not 200 <= status < 600
        assert result.may_have_reached
        assert is_retryable(policy, result)
    elif isinstance(result, AuthleteApiError):
        assert not 200 <= status < 400
        assert result.status == status
        assert is_retryable(policy, result) is (status in RETRY_STATUSES)
        if 400 <= status < 500 and status != 429:
            assert next_delay(policy, 1, result, random.random) is None
    elif isinstance(result, AuthleteResponseError):
        assert 200 <= status < 400
        assert not is_retryable(policy, result)
    else:
        assert isinstance(result, BackchannelAuthenticationFailResponse)
        assert 200 <= status < 300
        assert result.action is FailAction.FORBIDDEN


@given(error=errors, attempt=st.integers(1, 5), draw=st.floats(0, 1, exclude_max=True))
def test_every_error_gets_one_decision(error: AuthleteError, attempt: int, draw: float) -> None:
    """Row 40: next_delay stops exactly when retrying is not allowed, else waits >= 0."""
    policy = RetryPolicy(attempts=5)
    delay = next_delay(policy, attempt, error, lambda: draw)
    too_long = (
        isinstance(error, AuthleteApiError)
        and error.retry_after is not None
        and error.retry_after > policy.retry_after_max
    )
    stop = attempt >= policy.attempts or not is_retryable(policy, error) or too_long
    assert (delay is None) is stop
    assert delay is None or 0 <= delay < float("inf")


@pytest.mark.parametrize(
    "exc",
    [asyncio.CancelledError(), KeyboardInterrupt(), SystemExit(3), GeneratorExit()],
    ids=lambda e: type(e).__name__,
)
async def test_base_exceptions_are_never_retried_nor_wrapped(exc: BaseException) -> None:
    """Row 40: CancelledError and other BaseExceptions end the call at once, unchanged."""
    time = FakeTime()
    calls = 0

    async def attempt(seconds: float) -> BackchannelAuthenticationFailResponse:
        nonlocal calls
        calls += 1
        raise exc

    retrier = Retrier(
        budget=RetryBudget(500), clock=time.clock, sleep=time.sleep, random=random.random
    )
    with pytest.raises(type(exc)) as info:
        await retrier.call(
            attempt,
            gate=Gate(1),
            retry=RetryPolicy(),
            timeout=TimeoutPolicy(),
            subject=CallSubject(SERVICE_ID, "t"),
            converges=True,
        )
    assert info.value is exc
    assert calls == 1
    assert time.sleeps == []
