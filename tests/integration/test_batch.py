"""Batches against the emulator: order, nothing lost, bounded concurrency, laziness, cancel."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import attrs
import pytest

from aioauthlete import (
    AuthleteApiError,
    AuthleteClient,
    AuthleteTimeoutError,
    AuthleteTransportError,
    BackchannelAuthenticationFailRequest,
    FailAction,
    FailOutcome,
    FailReason,
    RetryPolicy,
    TimeoutPolicy,
)
from aioauthlete.testing import AuthleteEmulator
from tests.helpers import fail_request
from tests.integration.conftest import FAST_RETRY


def requests_for(tickets: list[str]) -> list[BackchannelAuthenticationFailRequest]:
    return [fail_request(t) for t in tickets]


def ticket_of(outcome: FailOutcome) -> str:
    assert isinstance(outcome.request, BackchannelAuthenticationFailRequest)
    return outcome.request.ticket


def batch_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "_work"]  # type: ignore[union-attr]


async def test_thousand_tickets_mixed_outcomes_nothing_lost(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """1,000 tickets with answers, 400s, retried 503s, timeouts and lost connections:
    one outcome each, in input order, each of the expected kind."""
    tickets = emulator.tickets.issue_tickets(1000)
    rng = random.Random(20261129)
    plan = {t: rng.choice(["ok", "ok", "400", "503-once", "slow", "drop"]) for t in tickets}
    for ticket, kind in plan.items():
        if kind == "400":
            emulator.faults.fail_ticket(ticket, [400])
        elif kind == "503-once":
            emulator.faults.fail_ticket(ticket, [503], retry_after=0)
        elif kind == "slow":
            emulator.faults.slow_ticket(ticket, 1.0, count=3)
        elif kind == "drop":
            emulator.faults.drop_ticket(ticket, count=3)
    async with AuthleteClient(
        **emulator.client_kwargs(base_url),
        max_connections=64,
        retry=attrs.evolve(FAST_RETRY, budget_capacity=None),  # every ticket its retries
        timeout=TimeoutPolicy(total=1.5, attempt=0.4, connect=0.5),
    ) as client:
        outcomes = await client.backchannel_authentication_fail_many(
            requests_for(tickets), concurrency=64
        )

    assert [o.index for o in outcomes] == list(range(1000))
    assert [ticket_of(o) for o in outcomes] == tickets
    for outcome in outcomes:
        kind = plan[ticket_of(outcome)]
        if kind in {"ok", "503-once"}:
            assert outcome.ok, kind
            assert outcome.response is not None
            assert outcome.response.action is FailAction.FORBIDDEN
            assert outcome.error is None
            assert outcome.attempts == (2 if kind == "503-once" else 1)
        elif kind == "400":
            assert isinstance(outcome.error, AuthleteApiError)
            assert (outcome.error.status, outcome.attempts) == (400, 1)
        elif kind == "slow":
            assert isinstance(outcome.error, AuthleteTimeoutError)
            assert outcome.ambiguous
        else:
            assert isinstance(outcome.error, AuthleteTransportError)
            assert outcome.ambiguous
            assert outcome.attempts == 3
        assert outcome.ok is (outcome.error is None)
    hits = emulator.stats.ticket_hits
    assert all(hits[t] == 2 for t, k in plan.items() if k == "503-once")
    assert all(hits[t] == 1 for t, k in plan.items() if k in {"ok", "400"})


async def test_concurrency_bound_holds(emulator: AuthleteEmulator, base_url: str) -> None:
    """No more than `concurrency` requests are ever in flight at the server."""
    emulator.faults.latency = 0.02
    tickets = emulator.tickets.issue_tickets(60)
    async with AuthleteClient(**emulator.client_kwargs(base_url), max_connections=32) as client:
        outcomes = await client.backchannel_authentication_fail_many(
            requests_for(tickets), concurrency=6
        )
    assert all(o.ok for o in outcomes)
    assert 2 <= emulator.stats.peak_in_flight <= 6


async def test_concurrency_above_the_pool_is_refused(client: AuthleteClient) -> None:
    """Asking for more workers than pooled connections is a ValueError, before any I/O."""
    with pytest.raises(ValueError, match="max_connections"):
        await client.backchannel_authentication_fail_many([], concurrency=101)


async def test_empty_input_gives_no_outcomes(client: AuthleteClient) -> None:
    """An empty batch returns an empty list and leaves no worker behind."""
    assert await client.backchannel_authentication_fail_many([]) == []
    assert batch_tasks() == []


async def test_cancelling_a_batch_propagates_and_leaves_no_task(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """Cancel mid-batch: CancelledError reaches the caller and every worker is gone."""
    emulator.faults.latency = 0.05
    tickets = emulator.tickets.issue_tickets(400)
    midway = asyncio.Event()

    def source() -> Iterator[BackchannelAuthenticationFailRequest]:
        for index, request in enumerate(requests_for(tickets)):
            if index == 24:  # pulled once 16 tickets are done (8 workers)
                midway.set()
            yield request

    task = asyncio.create_task(client.backchannel_authentication_fail_many(source(), concurrency=8))
    async with asyncio.timeout(10):
        await midway.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert batch_tasks() == []
    sent = emulator.stats.requests
    assert sent < 400
    await asyncio.sleep(0.1)  # nothing keeps sending after the cancellation
    assert emulator.stats.requests <= sent + 8


async def test_outer_timeout_stops_a_batch_as_timeout_error(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """An asyncio.timeout around the batch surfaces as TimeoutError, workers gone."""
    emulator.faults.latency = 0.05
    tickets = emulator.tickets.issue_tickets(400)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await client.backchannel_authentication_fail_many(requests_for(tickets), concurrency=4)
    assert batch_tasks() == []


async def test_stream_reads_its_input_lazily(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """The first outcome arrives after only about `concurrency` inputs were read."""
    pulled = 0

    def endless() -> Iterator[BackchannelAuthenticationFailRequest]:
        nonlocal pulled
        while True:
            pulled += 1
            yield BackchannelAuthenticationFailRequest(
                ticket=f"t{pulled}", reason=FailReason.SERVER_ERROR
            )

    stream = client.backchannel_authentication_fail_stream(endless(), concurrency=4)
    async with contextlib.aclosing(stream):
        first = await anext(stream)
    assert first.ok
    assert pulled <= 4 + 4 + 1  # workers' first picks, their refills, one in hand
    assert batch_tasks() == []


async def test_stream_accepts_an_async_iterable(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """An async generator feeds the stream; every index appears once."""
    tickets = emulator.tickets.issue_tickets(50)

    async def source() -> AsyncIterator[BackchannelAuthenticationFailRequest]:
        for request in requests_for(tickets):
            await asyncio.sleep(0)
            yield request

    seen: list[FailOutcome] = [
        o async for o in client.backchannel_authentication_fail_stream(source(), concurrency=8)
    ]
    assert sorted(o.index for o in seen) == list(range(50))
    assert all(ticket_of(o) == tickets[o.index] for o in seen)


async def test_input_errors_stop_the_batch(client: AuthleteClient) -> None:
    """An exception from the input iterator is raised by the batch (it is a bug, not a ticket)."""

    def broken() -> Iterator[BackchannelAuthenticationFailRequest]:
        yield BackchannelAuthenticationFailRequest(ticket="a", reason=FailReason.ACCESS_DENIED)
        raise RuntimeError("input file is corrupt")

    with pytest.raises(RuntimeError, match="corrupt"):
        await client.backchannel_authentication_fail_many(broken(), concurrency=2)
    assert batch_tasks() == []


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_a_none_in_the_input_is_refused_not_taken_for_the_end(
    client: AuthleteClient, asynchronous: bool
) -> None:
    """A None among the requests stops the batch with the TypeError of a bad request."""
    items = [BackchannelAuthenticationFailRequest(ticket="a", reason=FailReason.ACCESS_DENIED)]
    inputs: list[BackchannelAuthenticationFailRequest | None] = [*items, None, *items]

    async def aiterate() -> AsyncIterator[BackchannelAuthenticationFailRequest | None]:
        for item in inputs:
            yield item

    source = aiterate() if asynchronous else iter(inputs)
    with pytest.raises(TypeError, match="not NoneType"):
        await client.backchannel_authentication_fail_many(source, concurrency=1)  # type: ignore[arg-type]
    assert batch_tasks() == []


async def test_rate_limit_paces_the_batch(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """rate=50/s with a burst of 5: 30 tickets take at least (30 - 5) / 50 s."""
    tickets = emulator.tickets.issue_tickets(30)
    loop = asyncio.get_running_loop()
    started = loop.time()
    outcomes = await client.backchannel_authentication_fail_many(
        requests_for(tickets), concurrency=8, rate=50.0, burst=5
    )
    assert loop.time() - started >= (30 - 5) / 50 * 0.95
    assert all(o.ok for o in outcomes)


async def test_throttled_batch_pauses_and_slows_down_instead_of_hammering(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """Against a server limited to 100/s, a batch asking for 400/s gets 429s, pauses for the
    Retry-After and lowers its rate: every ticket is answered, and 429s stay a minority."""
    emulator.faults.rate_limit = (100.0, 10)
    tickets = emulator.tickets.issue_tickets(120)
    async with AuthleteClient(
        **emulator.client_kwargs(base_url), retry=RetryPolicy(attempts=6)
    ) as client:
        outcomes = await client.backchannel_authentication_fail_many(
            requests_for(tickets), concurrency=16, rate=400.0, burst=40
        )
    assert all(o.ok for o in outcomes), Counter(type(o.error).__name__ for o in outcomes)
    throttled = emulator.stats.statuses[429]
    assert throttled > 0
    assert throttled < len(tickets) / 2


async def test_budget_stops_a_batch_from_multiplying_traffic(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """Authlete down (503 to everything): 300 tickets cost 300 first attempts plus at most the
    budget's worth of retries, not 3x the traffic."""
    emulator.faults.fail_next(10_000, status=503)
    policy = RetryPolicy(
        wait_initial=0.0,
        wait_max=0.0,
        throttle_wait_initial=0.0,
        throttle_wait_max=0.0,
        budget_capacity=100,
        budget_retry_cost=5,
    )
    tickets = [f"t{i}" for i in range(300)]
    async with AuthleteClient(**emulator.client_kwargs(base_url), retry=policy) as client:
        outcomes = await client.backchannel_authentication_fail_many(
            requests_for(tickets), concurrency=16
        )
    assert all(isinstance(o.error, AuthleteApiError) and o.error.status == 503 for o in outcomes)
    assert emulator.stats.requests == 300 + 100 // 5


async def test_paced_batch_in_a_429_storm_stays_within_the_budget(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """429 with ``Retry-After: 0`` to everything, with ``rate=``: throttled re-sends are
    retries, so 200 tickets cost their first attempts plus the budget's worth, as without
    ``rate=``, not ten tries each."""
    emulator.faults.fail_next(10_000, status=429, retry_after=0)
    policy = RetryPolicy(budget_capacity=100, budget_retry_cost=5)
    async with AuthleteClient(**emulator.client_kwargs(base_url), retry=policy) as client:
        outcomes = await client.backchannel_authentication_fail_many(
            requests_for([f"t{i}" for i in range(200)]), concurrency=16, rate=100_000.0
        )
        assert client._retrier.budget.tokens is not None
        assert client._retrier.budget.tokens < 5  # spent: the re-sends were charged
    assert all(isinstance(o.error, AuthleteApiError) and o.error.status == 429 for o in outcomes)
    assert sum(o.attempts for o in outcomes) == emulator.stats.requests
    assert emulator.stats.requests == 200 + 100 // 5
    assert max(o.attempts for o in outcomes) <= policy.attempts


async def test_paced_batch_pause_that_does_not_fit_the_deadline_ends_the_ticket_at_once(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """A 429 without Retry-After pauses a paced batch for a second; a ticket whose deadline
    (0.5 s) that pause would cross gives up at once with the 429, one request each,
    instead of waiting out pause after pause. (The pauses still hold the batch back
    between tickets: that is what they are for, and the deadline starts at a ticket's
    first attempt.)"""
    emulator.faults.fail_next(10_000, status=429)
    timeout = TimeoutPolicy(total=0.5, attempt=0.4, connect=0.3)
    async with AuthleteClient(**emulator.client_kwargs(base_url), timeout=timeout) as client:
        outcomes = await client.backchannel_authentication_fail_many(
            requests_for([f"t{i}" for i in range(20)]), concurrency=4, rate=1000.0
        )
    assert all(isinstance(o.error, AuthleteApiError) and o.error.status == 429 for o in outcomes)
    assert all(o.attempts == 1 for o in outcomes)
    assert emulator.stats.requests == 20
    assert all(o.elapsed < 2.0 for o in outcomes)  # each ticket's deadline held


async def test_stream_checks_its_options_when_created(client: AuthleteClient) -> None:
    """Bad batch options fail at the call, not later when the stream is first iterated."""
    with pytest.raises(ValueError, match="max_connections"):
        client.backchannel_authentication_fail_stream([], concurrency=500)
    with pytest.raises(ValueError, match="rate"):
        client.backchannel_authentication_fail_stream([], rate=0.0)
