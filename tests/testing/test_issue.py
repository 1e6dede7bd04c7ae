"""/backchannel/authentication/issue over real loopback sockets: auth_req_ids, their
expiry and interval, and the ticket's life around them."""

from __future__ import annotations

import json

import pytest

from aioauthlete.testing import (
    DEFAULT_PING_CLIENT,
    DEFAULT_POLL_CLIENT,
    DEFAULT_PUSH_CLIENT,
    AuthleteEmulator,
    EmulatorResult,
    ServiceSettings,
)
from tests.testing.support import (
    FAIL_API,
    ISSUE_API,
    SERVICE_ID,
    TOKEN,
    Caller,
    FakeClock,
    Flow,
    api_path,
)

POLL, PING, PUSH = DEFAULT_POLL_CLIENT, DEFAULT_PING_CLIENT, DEFAULT_PUSH_CLIENT


async def test_issue_answers_an_auth_req_id_and_leaves_the_ticket_valid(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """OK with authReqId, expiresIn 600 and interval 5, the same in responseContent (in
    the spec example's order); the ticket stays live."""
    ticket = await flow.ticket(POLL)
    reply = await flow.issue(ticket)
    body = reply.json()
    assert (body["resultCode"], body["action"]) == ("A183001", "OK")
    assert body["resultMessage"] == "[A183001] An auth_req_id was issued successfully."
    assert (body["expiresIn"], body["interval"]) == (600, 5)
    assert len(body["authReqId"]) == 43
    assert body["responseContent"] == (
        f'{{"auth_req_id":"{body["authReqId"]}","interval":5,"expires_in":600}}'
    )
    assert emulator.tickets.has_ticket(ticket)
    assert body["authReqId"] in emulator.auth_requests


async def test_push_client_gets_no_interval(flow: Flow) -> None:
    """A push client never polls, so neither interval nor its content key is there."""
    _, auth_req_id = await flow.auth_req_id(PUSH)
    ticket = await flow.ticket(PUSH)
    body = (await flow.issue(ticket)).json()
    assert "interval" not in body
    assert json.loads(body["responseContent"]).keys() == {"auth_req_id", "expires_in"}
    assert auth_req_id != body["authReqId"]


async def test_requested_expiry_and_settings_give_expires_in_and_interval(
    clock: FakeClock, api: Caller
) -> None:
    """expires_in is the client's requested_expiry, else the service's duration; the
    interval is the service's."""
    settings = ServiceSettings(auth_req_id_duration=300, polling_interval=2)
    emulator = AuthleteEmulator(
        service_id=SERVICE_ID, access_token=TOKEN, clock=clock, settings=settings, environ={}
    )
    async with emulator.serve() as base_url:
        flow = Flow(Caller(api.session, base_url))
        plain = (await flow.issue(await flow.ticket(POLL))).json()
        asked = (await flow.issue(await flow.ticket(POLL, requested_expiry="42"))).json()
    assert (plain["expiresIn"], plain["interval"]) == (300, 2)
    assert asked["expiresIn"] == 42


async def test_second_issue_answers_the_same_auth_req_id_with_the_time_left(
    flow: Flow, clock: FakeClock
) -> None:
    """Issuing one ticket twice gives one auth_req_id; expiresIn counts down."""
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    clock.advance(100.5)
    again = (await flow.issue(ticket)).json()
    assert (again["authReqId"], again["expiresIn"]) == (auth_req_id, 500)


async def test_issued_ticket_lives_as_long_as_its_auth_req_id(
    emulator: AuthleteEmulator, flow: Flow, clock: FakeClock
) -> None:
    """A ticket whose auth_req_id outlives the ticket's own time to live is kept for it."""
    ticket, _ = await flow.auth_req_id(POLL, requested_expiry="3600")
    clock.advance(emulator.tickets.ttl + 1)
    assert emulator.tickets.has_ticket(ticket)
    clock.advance(3600)
    assert not emulator.tickets.has_ticket(ticket)


@pytest.mark.parametrize(
    ("body", "action", "result"),
    [
        ({"ticket": "never-issued"}, "INVALID_TICKET", EmulatorResult.ISSUE_UNKNOWN_TICKET),
        ({}, "INTERNAL_SERVER_ERROR", EmulatorResult.ISSUE_MISSING_TICKET),
        ({"ticket": ""}, "INTERNAL_SERVER_ERROR", EmulatorResult.ISSUE_MISSING_TICKET),
        ({"ticket": ["t"]}, "INTERNAL_SERVER_ERROR", EmulatorResult.ISSUE_BAD_PARAMETER),
    ],
    ids=["unknown", "missing", "empty", "not-text"],
)
async def test_issue_refusals(
    api: Caller, body: dict[str, object], action: str, result: EmulatorResult
) -> None:
    """Unknown ticket: INVALID_TICKET; the caller's mistakes: INTERNAL_SERVER_ERROR; both
    with server_error content naming the result."""
    reply = await api.post(api_path(ISSUE_API), json_body=body)
    assert (reply.json()["action"], reply.json()["resultCode"]) == (action, result.code)
    assert reply.content() == {"error": "server_error", "error_description": result.message}


async def test_expired_ticket_cannot_be_issued(
    emulator: AuthleteEmulator, flow: Flow, clock: FakeClock
) -> None:
    """A ticket past its time to live (injected clock) gets INVALID_TICKET."""
    ticket = await flow.ticket(POLL)
    clock.advance(emulator.tickets.ttl)
    assert (await flow.issue(ticket)).json()["action"] == "INVALID_TICKET"


async def test_seeded_ticket_stands_for_a_request_of_the_first_client(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """issue_tickets() tickets can go through issue and complete (as the poll client)."""
    [ticket] = emulator.tickets.issue_tickets(1)
    assert (await flow.issue(ticket)).json()["action"] == "OK"
    body = (await flow.complete(ticket)).json()
    assert (body["action"], body["clientId"]) == ("NO_ACTION", POLL.client_id)


async def test_fail_after_issue_deletes_the_ticket(emulator: AuthleteEmulator, flow: Flow) -> None:
    """The ticket stays valid after issue, so fail can still delete it."""
    ticket, _ = await flow.auth_req_id(POLL)
    reply = await flow.call(FAIL_API, {"ticket": ticket, "reason": "ACCESS_DENIED"})
    assert reply.json()["action"] == "FORBIDDEN"
    assert not emulator.tickets.has_ticket(ticket)
    assert (await flow.complete(ticket)).json()["action"] == "SERVER_ERROR"


@pytest.mark.parametrize(
    "setting", ["auth_req_id_duration", "polling_interval", "access_token_duration"]
)
@pytest.mark.parametrize("value", [0, -5, 2.5, True])
def test_settings_refuse_durations_that_are_not_whole_seconds(setting: str, value: object) -> None:
    """Every duration and the interval are whole seconds of 1 or more."""
    with pytest.raises(ValueError, match=f"{setting} must be a whole number"):
        ServiceSettings(**{setting: value})  # type: ignore[arg-type]
