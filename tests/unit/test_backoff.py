"""Pure retry decisions and the retry budget."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioauthlete import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTimeoutError,
    AuthleteTransportError,
    RetryPolicy,
)
from aioauthlete._backoff import RetryBudget, backoff_ceiling, is_retryable, next_delay

POLICY = RetryPolicy(attempts=10)


def top(_: object = None) -> float:
    """A 'random' draw at the top of the range, to see the ceiling itself."""
    return 1.0


@pytest.mark.parametrize(
    "error",
    [
        AuthleteApiError(status=429),
        AuthleteApiError(status=500),
        AuthleteApiError(status=502),
        AuthleteApiError(status=503),
        AuthleteApiError(status=504),
        AuthleteTransportError(detail="refused", may_have_reached=False),
        AuthleteTransportError(detail="reset", may_have_reached=True),
        AuthleteTimeoutError(detail="slow", may_have_reached=True),
    ],
)
def test_transient_failures_are_retried(error: AuthleteError) -> None:
    """Throttling, 5xx and transport failures get another attempt."""
    assert is_retryable(POLICY, error)
    assert next_delay(POLICY, 1, error, random.random) is not None


@pytest.mark.parametrize(
    "error",
    [
        AuthleteApiError(status=400),
        AuthleteApiError(status=401),
        AuthleteApiError(status=403),
        AuthleteApiError(status=404),
        AuthleteResponseError(status=200, problem="not JSON"),
        AuthleteResponseError(status=302, problem="redirect"),
        AuthleteTransportError(detail="TLS", may_have_reached=False, retryable=False),
        AuthleteTimeoutError(detail="deadline", may_have_reached=True, deadline=True),
    ],
)
def test_definitive_failures_are_not_retried(error: AuthleteError) -> None:
    """Client errors, unusable answers, TLS failures and a passed deadline end the call."""
    assert not is_retryable(POLICY, error)
    assert next_delay(POLICY, 1, error, random.random) is None


def test_ambiguous_failures_can_be_excluded() -> None:
    """retry_ambiguous=False retries only failures that certainly did not reach Authlete."""
    strict = RetryPolicy(retry_ambiguous=False)
    assert not is_retryable(strict, AuthleteTransportError(detail="reset", may_have_reached=True))
    assert is_retryable(strict, AuthleteTransportError(detail="refused", may_have_reached=False))


def test_no_delay_after_the_last_attempt() -> None:
    """The attempt count is a hard stop."""
    error = AuthleteApiError(status=503)
    assert next_delay(RetryPolicy(attempts=3), 2, error, top) is not None
    assert next_delay(RetryPolicy(attempts=3), 3, error, top) is None


def test_exponential_ceiling_for_transient_failures() -> None:
    """Transient backoff ceilings double from wait_initial and stop at wait_max."""
    ceilings = [backoff_ceiling(RetryPolicy(), n, throttled=False) for n in range(1, 7)]
    assert ceilings == pytest.approx([0.2, 0.4, 0.8, 1.6, 2.0, 2.0])


def test_throttling_uses_the_longer_schedule() -> None:
    """429/503 without Retry-After back off from throttle_wait_initial."""
    delay_503 = next_delay(POLICY, 1, AuthleteApiError(status=503), top)
    delay_500 = next_delay(POLICY, 1, AuthleteApiError(status=500), top)
    assert delay_503 == POLICY.throttle_wait_initial
    assert delay_500 == POLICY.wait_initial


def test_retry_after_replaces_the_draw_up_to_its_cap() -> None:
    """A Retry-After within retry_after_max is used as is; a longer one means give up."""
    assert next_delay(POLICY, 1, AuthleteApiError(status=429, retry_after=3.0), top) == 3.0
    assert next_delay(POLICY, 1, AuthleteApiError(status=429, retry_after=0.0), top) == 0.0
    assert next_delay(POLICY, 1, AuthleteApiError(status=429, retry_after=60.0), top) is None


def test_huge_exponents_do_not_overflow() -> None:
    """Attempt numbers far past any sane setting still give the cap."""
    policy = RetryPolicy(attempts=5000, wait_exp_base=10.0)
    assert backoff_ceiling(policy, 4000, throttled=False) == policy.wait_max


policies = st.builds(
    RetryPolicy,
    attempts=st.integers(1, 20),
    wait_initial=st.floats(0, 5),
    wait_max=st.floats(0, 30),
    wait_exp_base=st.floats(1, 4),
    throttle_wait_initial=st.floats(0, 5),
    throttle_wait_max=st.floats(0, 30),
)


@given(
    policies,
    st.integers(1, 60),
    st.sampled_from([429, 500, 502, 503, 504]),
    st.floats(0, 1, exclude_max=True),
)
def test_backoff_is_never_negative_nor_above_its_cap(
    policy: RetryPolicy, attempt: int, status: int, draw: float
) -> None:
    """Every delay lies in [0, min(cap, initial * base**(n-1))]."""
    delay = next_delay(policy, attempt, AuthleteApiError(status=status), lambda: draw)
    if attempt >= policy.attempts:
        assert delay is None
        return
    throttled = status in (429, 503)
    cap = policy.throttle_wait_max if throttled else policy.wait_max
    assert delay is not None
    assert 0 <= delay <= backoff_ceiling(policy, attempt, throttled=throttled) <= cap


@given(st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True))
def test_backoff_is_jittered(a: float, b: float) -> None:
    """Different draws give proportionally different delays (full jitter, not a constant)."""
    error = AuthleteApiError(status=500)
    da = next_delay(POLICY, 2, error, lambda: a)
    db = next_delay(POLICY, 2, error, lambda: b)
    assert da == pytest.approx(a * 0.4)
    assert db == pytest.approx(b * 0.4)


def test_jitter_is_spread_across_the_range() -> None:
    """With a real generator, 10,000 delays fill the range roughly uniformly."""
    rng = random.Random(1234)
    error = AuthleteApiError(status=500)
    delays = [next_delay(POLICY, 3, error, rng.random) for _ in range(10_000)]
    ceiling = backoff_ceiling(POLICY, 3, throttled=False)
    below_half = sum(1 for d in delays if d is not None and d < ceiling / 2)
    assert 4000 < below_half < 6000


def test_budget_spends_and_refunds_within_capacity() -> None:
    """Retries spend tokens, refunds never exceed the capacity, an empty bucket refuses."""
    budget = RetryBudget(12)
    assert budget.try_spend(5)
    assert budget.try_spend(5)
    assert not budget.try_spend(5)
    assert budget.tokens == 2
    budget.refund(100)
    assert budget.tokens == 12


def test_budget_off_always_allows() -> None:
    """A budget without capacity never refuses and reports no tokens."""
    budget = RetryBudget(None)
    assert all(budget.try_spend(1000) for _ in range(100))
    assert budget.tokens is None


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 20)), max_size=200))
def test_budget_stays_between_zero_and_capacity(operations: list[tuple[bool, int]]) -> None:
    """Whatever the sequence of spends and refunds, tokens stay within [0, capacity]."""
    budget = RetryBudget(50)
    for spend, amount in operations:
        if spend:
            budget.try_spend(amount)
        else:
            budget.refund(amount)
        assert budget.tokens is not None
        assert 0 <= budget.tokens <= 50


def test_retry_statuses_are_part_of_the_policy() -> None:
    """A policy can narrow the retried statuses (a batch handles 429 itself)."""
    policy = RetryPolicy(retry_statuses={500, 503})
    assert isinstance(policy.retry_statuses, frozenset)
    assert not is_retryable(policy, AuthleteApiError(status=429))
    assert is_retryable(policy, AuthleteApiError(status=503))
