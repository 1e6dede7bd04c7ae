"""Rows 9, 10 and the deadline: slow answers end at the attempt bound, calls at the deadline.

Time bounds are generous on purpose: lower bounds prove a timer did not fire early, upper
bounds only prove it fired at all (a loaded machine is slower, never faster).
"""

from __future__ import annotations

import logging
import time

from aioauthlete import (
    AuthleteApiError,
    AuthleteTimeoutError,
    RetryPolicy,
    TimeoutPolicy,
)
from tests.faults import no_answer, respond, sequence, slow_headers, trickle_body
from tests.faults.fixtures import RawServerFactory
from tests.helpers import FakeTime
from tests.reliability.conftest import (
    OK_BODY,
    Canary,
    ClientFactory,
    FastTime,
    Watch,
    outcome_of,
)

ATTEMPT = 0.3
SLOW = TimeoutPolicy(total=5.0, attempt=ATTEMPT, connect=0.3)


async def test_slow_headers_end_the_attempt_and_the_retry_answers(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 9: no status line within the attempt bound: retried, the second answer returned."""
    server = await raw_server_factory(sequence([slow_headers(delay=3.0), respond(200, OK_BODY)]))
    client = await client_factory(server.url, timeout=SLOW)
    started = time.monotonic()
    outcome = await outcome_of(client, canary.request())
    elapsed = time.monotonic() - started
    watch.add(outcome)
    assert outcome.response is not None
    assert (outcome.attempts, outcome.ambiguous) == (2, True)
    assert ATTEMPT * 0.9 <= elapsed < 2.5
    assert len(server.requests) == 2


async def test_slow_headers_every_time_end_in_an_attempt_timeout(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 9: always too slow: an ambiguous timeout per attempt, not the deadline."""
    server = await raw_server_factory(no_answer())
    client = await client_factory(server.url, timeout=SLOW, retry=RetryPolicy(attempts=2))
    started = time.monotonic()
    error = await watch.fails(AuthleteTimeoutError, client)
    elapsed = time.monotonic() - started
    assert (error.attempts, error.may_have_reached, error.deadline) == (2, True, False)
    assert 2 * ATTEMPT * 0.9 <= elapsed < 3.0
    assert len(server.requests) == 2


async def test_trickling_body_is_bounded_by_the_attempt_not_per_read(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 10: a byte every 50 ms never trips a per-read timer; the attempt bound ends it."""
    server = await raw_server_factory(
        sequence([trickle_body(0.05, count=200, document=OK_BODY), respond(200, OK_BODY)])
    )
    client = await client_factory(server.url, timeout=SLOW)
    started = time.monotonic()
    outcome = await outcome_of(client, canary.request())
    elapsed = time.monotonic() - started
    watch.add(outcome)
    assert outcome.response is not None  # from the second attempt: the first needed 10 s
    assert (outcome.attempts, outcome.ambiguous) == (2, True)
    assert ATTEMPT * 0.9 <= elapsed < 2.5
    assert len(server.requests) == 2


async def test_trickling_body_every_time_is_a_timeout(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 10: always trickling: an ambiguous attempt timeout, one per attempt."""
    server = await raw_server_factory(trickle_body(0.05, count=200, document=OK_BODY))
    client = await client_factory(server.url, timeout=SLOW, retry=RetryPolicy(attempts=2))
    error = await watch.fails(AuthleteTimeoutError, client)
    assert (error.attempts, error.may_have_reached, error.deadline) == (2, True, False)
    assert len(server.requests) == 2


async def test_deadline_of_half_a_second_returns_within_two(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """A 0.5 s deadline over 4 s attempts: the call ends at the deadline, ambiguous."""
    server = await raw_server_factory(no_answer())
    client = await client_factory(
        server.url, timeout=TimeoutPolicy(total=0.5, attempt=4.0, connect=0.3)
    )
    started = time.monotonic()
    error = await watch.fails(AuthleteTimeoutError, client)
    elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 2.0
    assert error.may_have_reached is True
    assert error.attempts == 1
    assert len(server.requests) == 1


async def test_hard_deadline_holds_even_with_a_frozen_injected_clock(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """The deadline runs on the event loop's clock: a fake clock cannot switch it off."""
    frozen = FakeTime()  # its clock only moves when its sleep is called
    server = await raw_server_factory(no_answer())
    client = await client_factory(
        server.url,
        timeout=TimeoutPolicy(total=0.5, attempt=30.0, connect=0.3),
        clock=frozen.clock,
        sleep=frozen.sleep,
    )
    started = time.monotonic()
    error = await watch.fails(AuthleteTimeoutError, client)
    assert 0.45 <= time.monotonic() - started < 2.0
    assert error.deadline is True
    assert error.retryable is False
    # The attempt's own bound (clipped to the same 0.5 s) must not swallow the deadline's
    # cancellation, or the frozen clock would let retries run past it.
    assert error.attempts == 1
    assert len(server.requests) == 1
    assert [r.levelname for r in watch.records()][-1] == "WARNING"


async def test_backoff_that_would_cross_the_deadline_is_not_slept(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """A backoff that would end past the deadline is not slept: the last error, at once."""
    server = await raw_server_factory(respond(503, {"resultCode": "X", "resultMessage": "busy"}))
    client = await client_factory(
        server.url,
        timeout=TimeoutPolicy(total=0.4, attempt=0.3, connect=0.3),
        retry=RetryPolicy(throttle_wait_initial=2.0),  # the 0.5 draw asks for 1 s
    )
    error = await watch.fails(AuthleteApiError, client)
    assert (error.status, error.attempts) == (503, 1)
    assert fast_time.sleeps == []
    assert len(server.requests) == 1
    [warning] = watch.messages(logging.WARNING)
    assert "backoff would pass the deadline" in warning


async def test_each_ticket_of_a_batch_keeps_its_own_deadline(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 35 (partly): a batch has no deadline of its own, but each ticket's holds."""
    server = await raw_server_factory(no_answer())
    client = await client_factory(
        server.url, timeout=TimeoutPolicy(total=0.5, attempt=4.0, connect=0.3)
    )
    tickets = [f"{canary.ticket}-{i}" for i in range(4)]
    started = time.monotonic()
    outcomes = await client.backchannel_authentication_fail_many(
        [canary.request(ticket=t) for t in tickets], concurrency=4
    )
    elapsed = time.monotonic() - started
    watch.add(*outcomes)
    assert 0.45 <= elapsed < 2.0  # four deadlines side by side, not one after another
    assert [o.index for o in outcomes] == [0, 1, 2, 3]
    for outcome in outcomes:
        assert isinstance(outcome.error, AuthleteTimeoutError)
        assert (outcome.attempts, outcome.ambiguous) == (1, True)
    assert len(server.requests) == 4
