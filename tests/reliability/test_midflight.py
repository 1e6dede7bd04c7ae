"""Rows 6-8, 11, 12: the request left, the answer did not come back whole.

Each of these may have reached Authlete (the raw server did read the request), so each is
retried (the fail call converges) and, when attempts run out, reported as ambiguous.
"""

from __future__ import annotations

import pytest

from aioauthlete import AuthleteApiError, AuthleteTransportError, FailAction, RetryPolicy
from tests.faults import (
    Handler,
    close_after_request,
    garbage_status_line,
    json_answer,
    reset_after_request,
    respond,
    send_raw,
    sequence,
    stale_keepalive,
    truncated_body,
)
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import (
    FAIL_PATH,
    OK_BODY,
    Canary,
    ClientFactory,
    Watch,
    outcome_of,
)

# (matrix row, script, the aiohttp failure named in the error's detail)
BROKEN_ANSWERS: list[tuple[int, Handler, str]] = [
    (6, reset_after_request(), "Connection reset"),
    (7, close_after_request(), "ServerDisconnectedError"),
    (11, truncated_body(declared=100, sent=20), "ClientPayloadError"),
    (12, garbage_status_line(), "Bad status line"),
]
IDS = ["6-reset", "7-close", "11-truncated", "12-garbage-status"]


@pytest.mark.parametrize(("row", "script", "named"), BROKEN_ANSWERS, ids=IDS)
async def test_broken_answer_is_retried_and_the_next_answer_returned(
    row: int,
    script: Handler,
    named: str,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Rows 6, 7, 11, 12: one broken answer, then a good one: the answer, flagged ambiguous."""
    server = await raw_server_factory(sequence([script, respond(200, OK_BODY)]))
    client = await client_factory(server.url)
    outcome = await outcome_of(client, canary.request())
    watch.add(outcome)
    assert outcome.response is not None
    assert outcome.response.action is FailAction.FORBIDDEN
    assert outcome.attempts == 2
    assert outcome.ambiguous is True  # the first attempt may have deleted the ticket
    assert [r.json()["ticket"] for r in server.requests] == [canary.ticket] * 2
    assert all(r.path == FAIL_PATH for r in server.requests)


@pytest.mark.parametrize(("row", "script", "named"), BROKEN_ANSWERS, ids=IDS)
async def test_broken_answers_every_time_end_ambiguous_after_all_attempts(
    row: int,
    script: Handler,
    named: str,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Rows 6, 7, 11, 12: always broken: a transport error, may have reached, 3 attempts."""
    server = await raw_server_factory(script)
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteTransportError, client)
    assert error.may_have_reached is True
    assert error.attempts == 3
    assert error.retryable
    assert named in error.detail
    assert len(server.requests) == 3


async def test_garbage_status_line_is_never_an_http_400(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 12: aiohttp reports a parse failure as status 400; it must not become an API 400."""
    server = await raw_server_factory(garbage_status_line())
    client = await client_factory(server.url, retry=RetryPolicy(attempts=1))
    error = await watch.fails(AuthleteTransportError, client)
    assert not isinstance(error, AuthleteApiError)
    assert not hasattr(error, "status")
    assert error.may_have_reached is True
    assert len(server.requests) == 1


def status_line_answer(status: bytes) -> bytes:
    """A complete JSON answer (Authlete's error shape) behind the status line *status*."""
    body = b'{"resultCode":"A001101","resultMessage":"odd status"}'
    return (
        b"HTTP/1.1 " + status + b" Odd\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


# Other 1xx statuses are interim answers to aiohttp, which waits for the final one (the
# attempt's time limit then ends it, as for slow headers); 101 (switching protocols) it
# hands over as the answer.
@pytest.mark.parametrize("status", [b"000", b"099", b"600", b"999", b"101"])
async def test_status_outside_the_final_range_is_a_garbled_status_line(
    status: bytes,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 12: a status outside 200-599 as the final answer (000, 999, an informational
    101) is no answer: retried as a garbled status line, ambiguous, never an API error."""
    server = await raw_server_factory(send_raw(status_line_answer(status)))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteTransportError, client)
    assert not isinstance(error, AuthleteApiError)
    assert error.may_have_reached is True
    assert error.retryable
    assert error.attempts == 3
    assert len(server.requests) == 3
    assert "status" in error.detail


async def test_status_outside_the_final_range_then_an_answer_returns_the_answer(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 12: after a 999 the retry gets Authlete's answer, flagged ambiguous."""
    server = await raw_server_factory(
        sequence([send_raw(status_line_answer(b"999")), respond(200, OK_BODY)])
    )
    client = await client_factory(server.url)
    outcome = await outcome_of(client, canary.request())
    watch.add(outcome)
    assert outcome.response is not None
    assert (outcome.attempts, outcome.ambiguous) == (2, True)


async def test_stale_pooled_connection_is_retried_on_a_fresh_one(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 8: a pooled connection closed under a POST: retried on a new connection, answered."""
    server = await raw_server_factory(stale_keepalive(json_answer(200, OK_BODY)))
    client = await client_factory(server.url)
    first = await outcome_of(client, canary.request())
    second = await outcome_of(client, canary.request())
    watch.add(first, second)
    assert (first.attempts, first.ambiguous) == (1, False)
    assert second.ok
    assert (second.attempts, second.ambiguous) == (2, True)
    # Request 2 went out on the pooled connection and was dropped; request 3 on a new one.
    assert server.connections == 2
    assert len(server.requests) == 3


async def test_stale_pooled_connection_without_retries_is_ambiguous(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 8: aiohttp does not re-send a POST itself; only the library's retry does."""
    server = await raw_server_factory(stale_keepalive(json_answer(200, OK_BODY)))
    client = await client_factory(server.url, retry=RetryPolicy(attempts=1))
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    error = await watch.fails(AuthleteTransportError, client)
    assert error.may_have_reached is True
    assert "ServerDisconnectedError" in error.detail
    assert server.connections == 1
    assert len(server.requests) == 2


async def test_strict_policy_does_not_retry_ambiguous_failures(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Rows 6-12: ``retry_ambiguous=False`` stops at the first attempt that may have landed."""
    server = await raw_server_factory(reset_after_request())
    client = await client_factory(server.url, retry=RetryPolicy(retry_ambiguous=False))
    error = await watch.fails(AuthleteTransportError, client)
    assert (error.attempts, error.may_have_reached) == (1, True)
    assert len(server.requests) == 1


async def test_interim_100_continue_is_skipped(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 12 (neighbour): an informational 100 before the answer is not a status to decode."""
    server = await raw_server_factory(
        send_raw(b"HTTP/1.1 100 Continue\r\n\r\n" + json_answer(200, OK_BODY))
    )
    client = await client_factory(server.url)
    response = await client.backchannel_authentication_fail(canary.request())
    watch.add(response)
    assert response.action is FailAction.FORBIDDEN
    assert len(server.requests) == 1
