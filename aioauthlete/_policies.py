"""Retry and timeout policies: frozen, keyword-only values, changed with ``attrs.evolve``.

The defaults suit a call made inside a web request handler: the whole call, backoff
included, is over within ten seconds, and a single attempt gets four.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from attrs import field, frozen
from attrs.validators import ge, instance_of, optional


def _check_seconds(name: str, value: object, *, zero_ok: bool) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number of seconds")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        bound = ", 0 or more" if zero_ok else " above 0"
        raise ValueError(f"{name} must be a finite number of seconds{bound}")


def _finite_positive(_: object, attribute: Any, value: object) -> None:
    _check_seconds(attribute.name, value, zero_ok=False)


def _finite_non_negative(_: object, attribute: Any, value: object) -> None:
    _check_seconds(attribute.name, value, zero_ok=True)


def _optional_count(_: object, attribute: Any, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be an int or None")
    if value < 0:
        raise ValueError(f"{attribute.name} must be 0 or more")


_int = instance_of(int)

#: Statuses retried by default: throttling, and the server errors a retry can outlast.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def _statuses(values: Iterable[int]) -> frozenset[int]:
    statuses = frozenset(values)
    if not all(100 <= s <= 599 for s in statuses):
        raise ValueError("retry_statuses must be HTTP status codes (100-599)")
    return statuses


@frozen(kw_only=True)
class RetryPolicy:
    """When and how long to wait before trying again.

    Backoff is exponential with full jitter: before retry *n* the client sleeps a random
    time in ``[0, min(wait_max, wait_initial * wait_exp_base ** (n - 1))]``. Throttling
    answers (429 and 503) use the ``throttle_*`` pair instead, and a ``Retry-After`` header
    replaces the draw when it is no longer than ``retry_after_max`` and fits the deadline.

    ``retry_statuses`` are the HTTP statuses worth another attempt; other non-2xx answers
    are definitive. ``retry_ambiguous`` says whether failures that may have reached Authlete
    are retried: ``None`` (the default) leaves it to the operation (yes for those that
    converge: authentication, issue, fail; no for complete and token, whose effect is
    single-use); ``False`` retries only failures that certainly did not reach Authlete (and
    throttling); ``True`` retries them for every operation.

    The retry budget is a token bucket shared by every call of one client: a retry costs
    ``budget_retry_cost`` tokens (``budget_timeout_cost`` after a timeout), an answer on the
    first attempt gives ``budget_refund`` back. When the bucket is empty, calls still make
    their first attempt but no longer retry, so an outage does not multiply a batch's
    traffic. ``budget_capacity=None`` turns the budget off.
    """

    attempts: int = field(default=3, validator=[_int, ge(1)])
    wait_initial: float = field(default=0.2, validator=_finite_non_negative)
    wait_max: float = field(default=2.0, validator=_finite_non_negative)
    wait_exp_base: float = field(default=2.0, validator=_finite_positive)
    throttle_wait_initial: float = field(default=1.0, validator=_finite_non_negative)
    throttle_wait_max: float = field(default=5.0, validator=_finite_non_negative)
    retry_after_max: float = field(default=5.0, validator=_finite_non_negative)
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES, converter=_statuses)
    retry_ambiguous: bool | None = field(default=None, validator=optional(instance_of(bool)))
    budget_capacity: int | None = field(default=500, validator=_optional_count)
    budget_retry_cost: int = field(default=5, validator=[_int, ge(0)])
    budget_timeout_cost: int = field(default=10, validator=[_int, ge(0)])
    budget_refund: int = field(default=1, validator=[_int, ge(0)])


@frozen(kw_only=True)
class TimeoutPolicy:
    """How long one call may take.

    ``total`` is a hard deadline over every attempt and every backoff sleep; ``attempt``
    bounds one attempt (connecting, sending and reading), clipped to what is left of
    ``total``; ``connect`` bounds opening a new connection. Waiting for a free pooled
    connection is not charged to ``attempt`` (the client queues calls itself before the
    attempt timer starts), but it is charged to ``total``.
    """

    total: float = field(default=10.0, validator=_finite_positive)
    attempt: float = field(default=4.0, validator=_finite_positive)
    connect: float = field(default=2.0, validator=_finite_positive)
