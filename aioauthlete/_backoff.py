"""Pure retry decisions: whether to try again, and how long to wait first.

Kept free of I/O and clocks so that property tests can drive them directly.
"""

from __future__ import annotations

from collections.abc import Callable

from ._errors import AuthleteApiError, AuthleteError, AuthleteTransportError
from ._policies import RetryPolicy

THROTTLING_STATUSES = frozenset({429, 503})
#: Statuses a gateway may give after forwarding the request, or Authlete after acting on
#: it: for an operation that does not converge they may have reached Authlete (429 and
#: 503 mean the request was not processed).
MAY_HAVE_ACTED_STATUSES = frozenset({500, 502, 504})


def retries_ambiguous(policy: RetryPolicy, converges: bool) -> bool:
    """Whether failures that may have reached Authlete are retried: the policy's choice,
    else the operation's own default (yes for those that converge)."""
    return converges if policy.retry_ambiguous is None else policy.retry_ambiguous


def may_have_acted(error: AuthleteError, converges: bool) -> bool:
    """Whether *error* leaves open that the request reached Authlete and took effect."""
    if isinstance(error, AuthleteApiError):
        return not converges and error.status in MAY_HAVE_ACTED_STATUSES
    return error.ambiguous


def backoff_ceiling(policy: RetryPolicy, retry: int, *, throttled: bool) -> float:
    """The upper bound of the wait before retry number *retry* (1 for the first retry)."""
    if throttled:
        initial, cap = policy.throttle_wait_initial, policy.throttle_wait_max
    else:
        initial, cap = policy.wait_initial, policy.wait_max
    try:
        return min(cap, initial * policy.wait_exp_base ** (retry - 1))
    except OverflowError:
        return cap


def is_retryable(policy: RetryPolicy, error: AuthleteError, *, converges: bool = True) -> bool:
    """Whether another attempt could change the outcome of *error* under *policy*, for an
    operation that converges (or not: see ``retries_ambiguous``)."""
    if isinstance(error, AuthleteApiError):
        if error.status not in policy.retry_statuses:
            return False
    elif not (isinstance(error, AuthleteTransportError) and error.retryable):
        return False  # an unusable answer: asking again gets the same answer
    return retries_ambiguous(policy, converges) or not may_have_acted(error, converges)


def next_delay(
    policy: RetryPolicy,
    attempt: int,
    error: AuthleteError,
    random: Callable[[], float],
    *,
    converges: bool = True,
) -> float | None:
    """Seconds to sleep before the next attempt, or ``None`` to give up now.

    *attempt* is the number of the attempt that just failed (1 for the first); *random*
    returns a float in ``[0, 1)`` and supplies the full jitter.
    """
    if attempt >= policy.attempts or not is_retryable(policy, error, converges=converges):
        return None
    throttled = False
    if isinstance(error, AuthleteApiError):
        if error.retry_after is not None:
            # The server said when; a wait longer than we accept means giving up now.
            return error.retry_after if error.retry_after <= policy.retry_after_max else None
        throttled = error.status in THROTTLING_STATUSES
    return random() * backoff_ceiling(policy, attempt, throttled=throttled)


class RetryBudget:
    """A client-wide token bucket that caps how much retrying an outage can cause.

    Modelled on the AWS SDKs' retry quota: retries spend tokens, first-try answers earn a
    few back. Single-threaded by design: one client lives on one event loop. ``full`` is a
    plain attribute, so that the answers of a healthy service (the budget is then full)
    skip the refund with one attribute read.
    """

    __slots__ = ("_capacity", "_tokens", "full")

    def __init__(self, capacity: int | None) -> None:
        self._capacity = capacity
        self._tokens = capacity or 0
        #: No token is missing (always True without a budget).
        self.full = True

    @property
    def tokens(self) -> int | None:
        """Tokens left (``None`` when the budget is off)."""
        return None if self._capacity is None else self._tokens

    def try_spend(self, cost: int) -> bool:
        """Take *cost* tokens for one retry; False (and take nothing) when too few are left."""
        if self._capacity is None:
            return True
        if cost > self._tokens:
            return False
        self._tokens -= cost
        self.full = self._tokens == self._capacity
        return True

    def refund(self, amount: int) -> None:
        """Give *amount* tokens back, never above the capacity."""
        if self._capacity is not None:
            self._tokens = min(self._capacity, self._tokens + amount)
            self.full = self._tokens == self._capacity
