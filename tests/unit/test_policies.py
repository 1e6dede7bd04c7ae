"""Retry and timeout policies are frozen, keyword-only, validated values."""

from __future__ import annotations

import math

import attrs
import pytest

from aioauthlete import RetryPolicy, TimeoutPolicy


def test_defaults_suit_a_call_inside_a_web_request() -> None:
    """Three attempts, sub-second first backoff, a ten-second deadline."""
    retry, timeout = RetryPolicy(), TimeoutPolicy()
    assert retry.attempts == 3
    assert retry.wait_initial < 1 <= retry.wait_max <= 5
    assert (timeout.total, timeout.attempt, timeout.connect) == (10.0, 4.0, 2.0)
    assert timeout.connect <= timeout.attempt <= timeout.total


def test_policies_are_changed_with_evolve() -> None:
    """evolve gives a new value and leaves the original untouched."""
    retry = RetryPolicy()
    changed = attrs.evolve(retry, attempts=5)
    assert (retry.attempts, changed.attempts) == (3, 5)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        retry.attempts = 1  # type: ignore[misc]


def test_policies_are_keyword_only() -> None:
    """Positional arguments are refused, so a swapped pair of numbers cannot slip through."""
    with pytest.raises(TypeError):
        TimeoutPolicy(1.0, 2.0)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempts": 0},
        {"wait_initial": -1.0},
        {"wait_max": math.inf},
        {"wait_exp_base": 0},
        {"retry_after_max": math.nan},
        {"budget_capacity": -1},
        {"budget_retry_cost": -5},
    ],
)
def test_retry_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    """Negative, zero or non-finite values are refused at construction."""
    with pytest.raises(ValueError, match="must be"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["total", "attempt", "connect"])
@pytest.mark.parametrize("value", [0, -1.0, math.inf, math.nan])
def test_timeout_policy_refuses_non_positive_or_infinite(field: str, value: float) -> None:
    """Every timeout must be a finite number of seconds above zero."""
    with pytest.raises(ValueError, match=f"{field} must be a finite number"):
        TimeoutPolicy(**{field: value})


@pytest.mark.parametrize("value", ["1", True, None])
def test_timeout_policy_refuses_non_numbers(value: object) -> None:
    """Strings, booleans and None are type errors, not silently coerced."""
    with pytest.raises(TypeError, match="number of seconds"):
        TimeoutPolicy(total=value)  # type: ignore[arg-type]


def test_budget_can_be_switched_off() -> None:
    """budget_capacity=None is accepted and means no budget."""
    assert RetryPolicy(budget_capacity=None).budget_capacity is None
