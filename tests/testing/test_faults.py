"""Fault switches over real sockets: latency, injected statuses, drops and the rate limit,
on the fail API and the other CIBA APIs."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from aioauthlete.testing import DEFAULT_POLL_CLIENT, AuthleteEmulator, EmulatorResult, Faults
from tests.testing.support import ISSUE_API, TOKEN_API, V2_PATH, Caller, FakeClock, Flow, basic


def _ticket(emulator: AuthleteEmulator) -> str:
    [ticket] = emulator.tickets.issue_tickets(1)
    return ticket


async def test_latency_delays_every_answer(emulator: AuthleteEmulator, api: Caller) -> None:
    """With latency set, an answer takes at least that long (asyncio.sleep never wakes early)."""
    emulator.faults.latency = 0.05
    loop = asyncio.get_running_loop()
    started = loop.time()
    reply = await api.fail(_ticket(emulator))
    assert loop.time() - started >= 0.05
    assert reply.status == 200


async def test_overlapping_requests_raise_peak_in_flight(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """Requests held by latency overlap, and stats record how many were in flight at most."""
    emulator.faults.latency = 0.1
    tickets = emulator.tickets.issue_tickets(4)
    replies = await asyncio.gather(*(api.fail(t) for t in tickets))
    assert [r.status for r in replies] == [200] * 4
    assert emulator.stats.peak_in_flight == 4
    assert emulator.stats.in_flight == 0


async def test_fail_next_answers_with_status_body_and_retry_after(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """fail_next(2, 503, retry_after=3): two 503 answers with a result body, then normal."""
    ticket = _ticket(emulator)
    emulator.faults.fail_next(2, status=503, retry_after=3)
    assert emulator.faults.pending == 2
    first, second, third = [await api.fail(ticket) for _ in range(3)]
    assert (first.status, second.status, third.status) == (503, 503, 200)
    assert first.headers["Retry-After"] == "3"
    assert first.json() == EmulatorResult.SERVER_ERROR.body()
    assert third.json()["resultCode"] == "A185001"
    assert emulator.faults.pending == 0


async def test_fail_next_with_http_date_over_the_wire(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """A text Retry-After (an HTTP date) is sent verbatim; a 429 carries RATE_LIMITED."""
    date = "Tue, 01 Jan 2030 00:00:00 GMT"
    emulator.faults.fail_next(status=429, retry_after=date)
    reply = await api.fail("any")
    assert reply.status == 429
    assert reply.headers["Retry-After"] == date
    assert reply.json() == EmulatorResult.RATE_LIMITED.body()


async def test_injected_fault_comes_before_authentication(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """A queued fault answers even an unauthenticated request (4xx: INJECTED_FAULT)."""
    emulator.faults.fail_next(status=400)
    reply = await api.post(json_body={"ticket": "t"}, authorization=None)
    assert reply.status == 400
    assert reply.json() == EmulatorResult.INJECTED_FAULT.body()
    assert "Retry-After" not in reply.headers


async def test_drop_next_disconnects_without_answer_and_is_counted(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """drop_next closes the connection: the client sees a disconnect, the ticket survives."""
    ticket = _ticket(emulator)
    emulator.faults.drop_next()
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.fail(ticket)
    assert emulator.stats.dropped == 1
    assert emulator.stats.statuses == {}
    assert emulator.tickets.has_ticket(ticket)
    assert (await api.fail(ticket)).status == 200


async def test_drop_after_processing_deletes_the_ticket_but_loses_the_answer(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """The ambiguous case: the fail takes effect, the answer never arrives."""
    ticket = _ticket(emulator)
    emulator.faults.drop_next(after_processing=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.fail(ticket)
    assert not emulator.tickets.has_ticket(ticket)
    retry = await api.fail(ticket)
    assert retry.json()["resultCode"] == EmulatorResult.UNKNOWN_TICKET.code


async def test_fail_ticket_scripts_one_tickets_answers_only(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """fail_ticket answers that ticket's next requests with the statuses, others normally."""
    scripted, plain = emulator.tickets.issue_tickets(2)
    emulator.faults.fail_ticket(scripted, [503, 502], retry_after=1)
    assert (await api.fail(plain)).status == 200
    statuses = [(await api.fail(scripted)).status for _ in range(3)]
    assert statuses == [503, 502, 200]
    assert not emulator.tickets.has_ticket(scripted)


async def test_drop_ticket_drops_only_that_tickets_request(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """drop_ticket disconnects the named ticket's next request; the retry succeeds."""
    ticket = _ticket(emulator)
    emulator.faults.drop_ticket(ticket)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.fail(ticket)
    assert (await api.fail(ticket)).json()["resultCode"] == "A185001"
    assert emulator.stats.ticket_hits[ticket] == 2


async def test_rate_limit_is_off_by_default(emulator: AuthleteEmulator, api: Caller) -> None:
    """Without a rate limit, answers carry no X-RateLimit-* headers."""
    reply = await api.fail(_ticket(emulator))
    assert emulator.faults.rate_limit is None
    assert "X-RateLimit-Limit" not in reply.headers


async def test_rate_limit_answers_429_with_headers_beyond_the_burst(
    emulator: AuthleteEmulator, api: Caller, clock: FakeClock
) -> None:
    """A (1/s, burst 2) limit lets two calls through, refuses the third, refills with time."""
    emulator.faults.rate_limit = (1.0, 2)
    ok1, ok2, refused = [await api.fail("t") for _ in range(3)]
    assert (ok1.status, ok2.status, refused.status) == (200, 200, 429)
    assert ok1.headers["X-RateLimit-Limit"] == "1"
    assert [ok1.headers["X-RateLimit-Remaining"], ok2.headers["X-RateLimit-Remaining"]] == [
        "1",
        "0",
    ]
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Reset"] == "2"
    assert refused.json() == EmulatorResult.RATE_LIMITED.body()
    clock.advance(1.0)
    assert (await api.fail("t")).status == 200


async def test_rate_limit_is_per_credential_and_after_authentication(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """Unauthenticated requests spend nothing; a Basic caller has its own bucket."""
    emulator.faults.rate_limit = (1.0, 1)
    assert (await api.post(json_body={"ticket": "t"}, authorization=None)).status == 401
    assert (await api.fail("t")).status == 200
    assert (await api.fail("t")).status == 429
    v2 = await api.post(V2_PATH, json_body={"ticket": "t"}, authorization=basic())
    assert v2.status == 200


async def test_clear_switches_every_fault_off(emulator: AuthleteEmulator, api: Caller) -> None:
    """faults.clear() removes latency, queued and per-ticket faults and the rate limit."""
    ticket = _ticket(emulator)
    faults = emulator.faults
    faults.latency = 5.0
    faults.fail_next(3)
    faults.fail_ticket(ticket, [500])
    faults.rate_limit = (1.0, 1)
    faults.clear()
    assert emulator.faults.rate_limit is None
    assert (faults.latency, faults.pending) == (0.0, 0)
    reply = await api.fail(ticket)
    assert reply.status == 200
    assert "X-RateLimit-Limit" not in reply.headers


@pytest.mark.parametrize(
    "switch",
    [
        lambda f: f.fail_next(status=204),
        lambda f: f.fail_next(status=99),
        lambda f: f.fail_next(count=-1),
        lambda f: f.fail_next(retry_after=-1),
        lambda f: f.fail_next(retry_after="1\r\nX-Evil: 1"),
        lambda f: f.fail_ticket("", [503]),
        lambda f: setattr(f, "latency", -0.1),
        lambda f: setattr(f, "rate_limit", (0.0, 1)),
        lambda f: setattr(f, "rate_limit", (1.0, 0)),
    ],
    ids=[
        "no-body-status",
        "status-range",
        "negative-count",
        "negative-retry-after",
        "header-injection",
        "empty-ticket",
        "negative-latency",
        "zero-rate",
        "zero-burst",
    ],
)
def test_invalid_switch_values_are_refused(switch: object) -> None:
    """Switch values that cannot make a valid answer raise ValueError at once."""
    faults = Faults()
    with pytest.raises(ValueError, match="must"):
        switch(faults)  # type: ignore[operator]
    assert faults.pending == 0


async def test_slow_ticket_delays_only_that_tickets_next_requests(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """slow_ticket holds back one ticket's request, then lets it through normally."""
    slow, fast = emulator.tickets.issue_tickets(2)
    emulator.faults.slow_ticket(slow, 0.3)
    loop = asyncio.get_running_loop()
    finished: list[str] = []

    async def call(ticket: str) -> int:
        reply = await api.fail(ticket)
        finished.append(ticket)
        return reply.status

    started = loop.time()
    statuses = await asyncio.gather(call(slow), call(fast))
    assert loop.time() - started >= 0.29
    assert list(statuses) == [200, 200]
    assert finished == [fast, slow]
    assert emulator.faults.take_delay(slow) == 0.0


# -- faults on the other CIBA APIs ---------------------------------------------------------


async def test_ticket_faults_select_issue_and_complete_calls_too(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """fail_ticket scripts the ticket's next calls whichever API they go to, and an
    injected 5xx names the API that was called."""
    ticket = await flow.ticket(DEFAULT_POLL_CLIENT)
    emulator.faults.fail_ticket(ticket, [503, 500])
    refused = await flow.issue(ticket)
    failed = await flow.complete(ticket)
    issued = await flow.issue(ticket)
    assert (refused.status, failed.status, issued.status) == (503, 500, 200)
    assert refused.json() == EmulatorResult.SERVER_ERROR.body(ISSUE_API)
    assert refused.json()["resultMessage"].startswith("[A001101] /backchannel/authentication/issue")
    assert (await flow.complete(ticket)).json()["action"] == "NO_ACTION"


async def test_complete_answer_lost_after_processing_used_the_ticket(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """The ambiguous case for complete: it took effect, the answer never came, and a
    retry finds the ticket gone (SERVER_ERROR) while the decision stands."""
    ticket, auth_req_id = await flow.auth_req_id(DEFAULT_POLL_CLIENT)
    emulator.faults.drop_ticket(ticket, after_processing=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await flow.complete(ticket)
    retry = (await flow.complete(ticket)).json()
    assert retry["resultCode"] == EmulatorResult.COMPLETE_UNKNOWN_TICKET.code
    assert (await flow.token(DEFAULT_POLL_CLIENT, auth_req_id)).json()["action"] == "OK"


async def test_rate_limit_is_one_bucket_for_every_api(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """One credential's allowance is spent by calls to any API; the 429 names the API."""
    emulator.faults.rate_limit = (1.0, 2)
    ticket = await flow.ticket(DEFAULT_POLL_CLIENT)
    issued = await flow.issue(ticket)
    refused = await flow.token(DEFAULT_POLL_CLIENT, "x")
    assert issued.headers["X-RateLimit-Remaining"] == "0"
    assert refused.status == 429
    assert refused.json() == EmulatorResult.RATE_LIMITED.body(TOKEN_API)


async def test_stats_count_requests_per_operation(emulator: AuthleteEmulator, flow: Flow) -> None:
    """stats.operations counts the requests each API got (a snapshot keeps them)."""
    ticket, auth_req_id = await flow.auth_req_id(DEFAULT_POLL_CLIENT)
    await flow.token(DEFAULT_POLL_CLIENT, auth_req_id)
    await flow.complete(ticket)
    snapshot = emulator.stats.snapshot()
    assert snapshot.operations == {"authentication": 1, "issue": 1, "token": 1, "complete": 1}
    assert emulator.stats.ticket_hits == {ticket: 2}
    emulator.stats.reset()
    assert not emulator.stats.operations
