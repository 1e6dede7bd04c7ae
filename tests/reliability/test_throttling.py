"""Rows 13-15: 429/503 and Retry-After: honoured when it fits, refused at once when not.

The emulator answers the injected throttling; backoff sleeps are fake (recorded, not slept).
"""

from __future__ import annotations

import email.utils
import logging
import time

import pytest

from aioauthlete import AuthleteApiError, FailAction, RetryPolicy, TimeoutPolicy
from aioauthlete.testing import AuthleteEmulator
from tests.faults import respond, sequence
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import (
    OK_BODY,
    Canary,
    ClientFactory,
    FastTime,
    Watch,
    outcome_of,
)

BUSY = {"resultCode": "A001101", "resultMessage": "busy"}


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


async def test_retry_after_seconds_is_slept_then_the_answer_returned(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 13: 503 with ``Retry-After: 1``: exactly 1 s of backoff, then the answer."""
    emulator.faults.fail_next(1, status=503, retry_after=1)
    client = await client_factory(emulator_url)
    outcome = await outcome_of(client, canary.request())
    watch.add(outcome)
    assert outcome.response is not None
    assert outcome.response.action is FailAction.FORBIDDEN
    assert (outcome.attempts, outcome.ambiguous) == (2, False)
    assert fast_time.sleeps == [1.0]  # the server's wait, not a jittered draw
    assert emulator.stats.requests == 2
    assert dict(emulator.stats.statuses) == {503: 1, 200: 1}
    assert canary.ticket not in emulator.tickets


async def test_retry_after_date_beyond_the_deadline_gives_up_at_once(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 14: 429 asking for a minute (HTTP date): no sleep, the wait on the error."""
    emulator.faults.fail_next(1, status=429, retry_after=http_date(60))
    client = await client_factory(emulator_url)
    started = time.monotonic()
    error = await watch.fails(AuthleteApiError, client)
    assert time.monotonic() - started < 1.0  # nothing waited (the deadline is 2 s)
    assert error.status == 429
    assert error.retry_after is not None
    assert 55 <= error.retry_after <= 61
    assert error.attempts == 1
    assert fast_time.sleeps == []
    assert emulator.stats.requests == 1
    [warning] = watch.messages(logging.WARNING)
    assert "Retry-After above retry_after_max" in warning


async def test_retry_after_within_the_cap_but_past_the_deadline_gives_up_at_once(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 14: a 3 s Retry-After is acceptable, but not with 1 s of deadline left."""
    emulator.faults.fail_next(1, status=503, retry_after=3)
    client = await client_factory(
        emulator_url, timeout=TimeoutPolicy(total=1.0, attempt=0.5, connect=0.3)
    )
    error = await watch.fails(AuthleteApiError, client)
    assert (error.status, error.retry_after, error.attempts) == (503, 3.0, 1)
    assert fast_time.sleeps == []
    assert emulator.stats.requests == 1
    [warning] = watch.messages(logging.WARNING)
    assert "backoff would pass the deadline" in warning


@pytest.mark.parametrize(
    "value",
    [
        "-5",
        "abc",
        "",
        "NaN",
        "inf",
        "1e309",
        "Fri, 31 Dec 1999 23:59:59",
        "1.5.2",
        "\u0663".encode().decode("latin-1"),
    ],
    ids=repr,
)
async def test_unusable_retry_after_falls_back_to_throttling_backoff(
    value: str,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 15: a Retry-After that does not parse is ignored: the jittered throttling wait."""
    server = await raw_server_factory(
        sequence([respond(429, BUSY, {"Retry-After": value}), respond(200, OK_BODY)])
    )
    client = await client_factory(server.url)
    response = await client.backchannel_authentication_fail(canary.request())
    watch.add(response)
    assert response.action is FailAction.FORBIDDEN
    assert len(fast_time.sleeps) == 1
    assert 0 <= fast_time.sleeps[0] <= RetryPolicy().throttle_wait_initial  # a draw, not the value
    assert len(server.requests) == 2


@pytest.mark.parametrize("value", ["99999999999", "86400", "Fri, 31 Dec 9999 23:59:59 GMT"])
async def test_huge_retry_after_gives_up_at_once_with_the_wait(
    value: str,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 15: a huge Retry-After parses, exceeds the cap: no wait, the value on the error."""
    server = await raw_server_factory(respond(429, BUSY, {"Retry-After": value}))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteApiError, client)
    assert error.retry_after is not None
    assert error.retry_after > RetryPolicy().retry_after_max
    assert error.attempts == 1
    assert fast_time.sleeps == []
    assert len(server.requests) == 1


@pytest.mark.parametrize(("value", "wait"), [("0", 0.0), (" 2 ", 2.0), ("1.5", 1.5)])
async def test_usable_retry_after_forms_are_honoured(
    value: str,
    wait: float,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 15: zero, padded and fractional seconds are honoured as given."""
    server = await raw_server_factory(
        sequence([respond(503, BUSY, {"Retry-After": value}), respond(200, OK_BODY)])
    )
    client = await client_factory(
        server.url, timeout=TimeoutPolicy(total=5.0, attempt=0.5, connect=0.3)
    )
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    assert fast_time.sleeps == [wait]
    assert len(server.requests) == 2


async def test_rate_limited_emulator_throttles_with_its_headers(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Rows 13-14: the emulator's own 429s: Retry-After honoured, kept on the final error."""
    emulator.faults.rate_limit = (1.0, 1)
    client = await client_factory(
        emulator_url, timeout=TimeoutPolicy(total=5.0, attempt=0.5, connect=0.3)
    )
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    error = await watch.expect(
        AuthleteApiError,
        client.backchannel_authentication_fail(canary.request(ticket=canary.ticket + "-2")),
    )
    # The bucket refills in real time only; the fake sleep cannot wait it out.
    assert error.status == 429
    assert error.retry_after is not None
    assert error.attempts == 3
    assert fast_time.sleeps == [1.0, 1.0]
    assert emulator.stats.statuses[429] == 3
