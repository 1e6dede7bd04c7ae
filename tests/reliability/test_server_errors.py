"""Rows 16-18: 5xx storms are retried within the attempts and the client's retry budget;
4xx answers are definitive and cost exactly one request.
"""

from __future__ import annotations

import logging

import pytest

from aioauthlete import AuthleteApiError, RetryPolicy, TimeoutPolicy
from aioauthlete.testing import AuthleteEmulator
from tests.faults import reset_after_request, respond, sequence
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import (
    SERVICE_ID,
    Canary,
    ClientFactory,
    FastTime,
    Watch,
)

TICKETS = 1000


@pytest.mark.parametrize("statuses", [(500, 500, 500), (502, 503, 504), (500, 502, 504)], ids=str)
async def test_server_error_storm_ends_after_three_attempts(
    statuses: tuple[int, int, int],
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 16: a 5xx on every attempt: three requests, the last status, Authlete's body."""
    emulator.faults.fail_ticket(canary.ticket, statuses)
    client = await client_factory(emulator_url)
    error = await watch.fails(AuthleteApiError, client)
    assert error.status == statuses[-1]
    assert error.result_code is not None  # the emulator's A001101 body was decoded
    assert (error.attempts, error.ambiguous) == (3, False)  # answered every time
    assert len(fast_time.sleeps) == 2
    assert emulator.stats.ticket_hits[canary.ticket] == 3
    assert canary.ticket in emulator.tickets  # never processed
    [warning] = watch.messages(logging.WARNING)
    assert "attempts exhausted" in warning


async def test_server_errors_after_a_lost_answer_stay_ambiguous(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 16: a reset then 500s: the last error is a 500, flagged as maybe processed."""
    body = {"resultCode": "A001101", "resultMessage": "error"}
    server = await raw_server_factory(sequence([reset_after_request(), respond(500, body)]))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteApiError, client)
    assert (error.status, error.attempts, error.ambiguous) == (500, 3, True)
    assert len(server.requests) == 3


async def storm(
    emulator: AuthleteEmulator,
    client_factory: ClientFactory,
    emulator_url: str,
    canary: Canary,
    watch: Watch,
    retry: RetryPolicy,
) -> int:
    """Fail TICKETS tickets while the emulator answers 503 to everything; requests seen."""
    emulator.faults.fail_next(10 * TICKETS, status=503)
    client = await client_factory(
        emulator_url,
        retry=retry,
        max_connections=64,
        timeout=TimeoutPolicy(total=60.0, attempt=30.0, connect=5.0),  # no deadline in play
    )
    requests = [canary.request(ticket=f"{canary.ticket}-{i}") for i in range(TICKETS)]
    outcomes = await client.backchannel_authentication_fail_many(requests, concurrency=64)
    assert [o.index for o in outcomes] == list(range(TICKETS))
    for outcome in outcomes:
        assert isinstance(outcome.error, AuthleteApiError)
        assert outcome.error.status == 503
    watch.add(outcomes[0], outcomes[-1])
    total = sum(o.attempts for o in outcomes)
    assert total == emulator.stats.requests  # every attempt reached the server, once
    return total


async def test_retry_budget_keeps_a_batch_storm_near_one_request_per_ticket(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 17: 1,000 tickets, all 503: the budget allows capacity/cost retries, no more."""
    fast_time.advance = False  # concurrent calls share the clock: skipped waits must not add up
    policy = RetryPolicy()  # capacity 500, cost 5: 100 retries
    assert policy.budget_capacity is not None
    allowed = policy.budget_capacity // policy.budget_retry_cost
    total = await storm(emulator, client_factory, emulator_url, canary, watch, policy)
    assert TICKETS <= total <= TICKETS + allowed
    assert total == TICKETS + allowed  # no answer ever refunds the bucket
    assert len(fast_time.sleeps) == allowed
    assert any("retry budget exhausted" in m for m in watch.messages(logging.WARNING))


async def test_without_a_budget_the_same_storm_triples_the_traffic(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 17 (control): ``budget_capacity=None``: every ticket makes its three attempts."""
    fast_time.advance = False
    policy = RetryPolicy(budget_capacity=None)
    total = await storm(emulator, client_factory, emulator_url, canary, watch, policy)
    assert total == 3 * TICKETS


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
async def test_client_error_is_definitive_after_one_request(
    status: int,
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 18: a 4xx with a result body is raised as is: one request, no backoff, no WARNING."""
    emulator.faults.fail_next(1, status=status)
    client = await client_factory(emulator_url)
    error = await watch.fails(AuthleteApiError, client)
    assert error.status == status
    assert error.result_code is not None
    assert error.result_message
    assert (error.attempts, error.ambiguous, error.retry_after) == (1, False, None)
    assert fast_time.sleeps == []
    assert emulator.stats.requests == 1
    assert watch.messages(logging.WARNING) == []


async def test_wrong_token_is_a_definitive_401_without_the_token(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 18: the wrong credential gets a 401 once; neither token shows in the error."""
    client = await client_factory(emulator_url, access_token=canary.secret)
    error = await watch.fails(AuthleteApiError, client)
    assert error.status == 401
    assert error.attempts == 1
    assert emulator.stats.requests == 1
    assert canary.ticket in emulator.tickets


async def test_service_the_token_does_not_cover_gets_a_definitive_403(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 18: a service the token does not cover is a 403 with a result body, once."""
    assert SERVICE_ID != "1234"
    client = await client_factory(emulator_url, service_id="1234")
    error = await watch.fails(AuthleteApiError, client)
    assert (error.status, error.result_code, error.attempts) == (403, "A001293", 1)
    assert emulator.stats.requests == 1
