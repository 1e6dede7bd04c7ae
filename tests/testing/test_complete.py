"""/backchannel/authentication/complete over real loopback sockets: what each delivery
mode gets, the ticket used up, refusals, expiry, form bodies."""

from __future__ import annotations

import pytest

from aioauthlete.testing import (
    DEFAULT_PING_CLIENT,
    DEFAULT_POLL_CLIENT,
    DEFAULT_PUSH_CLIENT,
    AuthleteEmulator,
    CibaClient,
    EmulatorResult,
)
from tests.testing.support import (
    COMPLETE_API,
    SECRET,
    SERVICE_ID,
    Caller,
    FakeClock,
    Flow,
    api_path,
    basic,
)

POLL, PING, PUSH = DEFAULT_POLL_CLIENT, DEFAULT_PING_CLIENT, DEFAULT_PUSH_CLIENT


async def test_poll_complete_is_no_action_with_the_specs_message(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """Poll mode: NO_ACTION, A198001 with the example's wording, the ticket used up."""
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    body = (await flow.complete(ticket)).json()
    assert body == {
        "resultCode": "A198001",
        "resultMessage": "[A198001] Successfully updated the database so that the token "
        "endpoint can generate tokens (mode = poll, result = AUTHORIZED).",
        "action": "NO_ACTION",
        "authReqId": auth_req_id,
        "clientId": POLL.client_id,
        "clientIdAlias": "poll-client",
        "clientIdAliasUsed": False,
        "clientName": "Emulator poll client",
        "deliveryMode": "POLL",
    }
    assert not emulator.tickets.has_ticket(ticket)


@pytest.mark.parametrize("result", ["AUTHORIZED", "ACCESS_DENIED", "TRANSACTION_FAILED"])
async def test_ping_complete_notifies_with_the_auth_req_id_only(flow: Flow, result: str) -> None:
    """Ping mode: NOTIFICATION to the client's endpoint with its token, body
    {"auth_req_id"} whatever the result."""
    ticket, auth_req_id = await flow.auth_req_id(PING)
    reply = await flow.complete(ticket, result)
    body = reply.json()
    assert body["action"] == "NOTIFICATION"
    assert body["clientNotificationEndpoint"] == PING.endpoint
    assert body["clientNotificationToken"] == "notification-token-for-tests"
    assert reply.content() == {"auth_req_id": auth_req_id}
    assert f"mode = ping, result = {result}" in body["resultMessage"]


async def test_push_complete_authorized_carries_the_tokens(flow: Flow) -> None:
    """Push mode, AUTHORIZED: the notification body is the token response plus
    auth_req_id, and the tokens are in the answer's own fields too."""
    ticket, auth_req_id = await flow.auth_req_id(PUSH, scope="openid profile")
    reply = await flow.complete(ticket)
    body, content = reply.json(), reply.content()
    assert (body["action"], body["resultCode"]) == ("NOTIFICATION", "A198091")
    assert content == {
        "access_token": body["accessToken"],
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "openid profile",
        "refresh_token": body["refreshToken"],
        "id_token": body["idToken"],
        "auth_req_id": auth_req_id,
    }
    assert (body["accessTokenDuration"], body["refreshTokenDuration"]) == (3600, 86400)
    assert body["clientNotificationEndpoint"] == PUSH.endpoint


@pytest.mark.parametrize(
    ("result", "error"),
    [("ACCESS_DENIED", "access_denied"), ("TRANSACTION_FAILED", "expired_token")],
)
async def test_push_complete_refused_carries_the_error(flow: Flow, result: str, error: str) -> None:
    """Push mode otherwise: access_denied, or expired_token for TRANSACTION_FAILED (as
    Authlete says), with the caller's description and URI and the auth_req_id."""
    ticket, auth_req_id = await flow.auth_req_id(PUSH)
    reply = await flow.complete(
        ticket, result, errorDescription="the user said no", errorUri="https://e.example/x"
    )
    assert reply.json()["action"] == "NOTIFICATION"
    assert reply.content() == {
        "error": error,
        "error_description": "the user said no",
        "error_uri": "https://e.example/x",
        "auth_req_id": auth_req_id,
    }
    assert "accessToken" not in reply.json()


async def test_push_error_has_a_description_only_when_the_caller_gave_one(flow: Flow) -> None:
    """As the spec says for push mode: error_description and error_uri appear only when
    errorDescription and errorUri were given."""
    ticket, auth_req_id = await flow.auth_req_id(PUSH)
    reply = await flow.complete(ticket, "ACCESS_DENIED")
    assert reply.content() == {"error": "access_denied", "auth_req_id": auth_req_id}


async def test_complete_uses_the_ticket_up(flow: Flow) -> None:
    """A second complete of one ticket is SERVER_ERROR with UNKNOWN_TICKET."""
    ticket, _ = await flow.auth_req_id(POLL)
    await flow.complete(ticket)
    again = (await flow.complete(ticket)).json()
    assert (again["action"], again["resultCode"]) == (
        "SERVER_ERROR",
        EmulatorResult.COMPLETE_UNKNOWN_TICKET.code,
    )
    assert "responseContent" not in again


async def test_complete_before_issue_keeps_the_ticket(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """Without an auth_req_id there is nothing to complete: NOT_ISSUED, ticket kept."""
    ticket = await flow.ticket(POLL)
    body = (await flow.complete(ticket)).json()
    assert body["resultCode"] == EmulatorResult.COMPLETE_NOT_ISSUED.code
    assert emulator.tickets.has_ticket(ticket)


@pytest.mark.parametrize(
    ("fields", "result"),
    [
        ({"ticket": ""}, EmulatorResult.COMPLETE_MISSING_TICKET),
        ({"result": "MAYBE"}, EmulatorResult.COMPLETE_UNKNOWN_RESULT),
        ({"result": None}, EmulatorResult.COMPLETE_UNKNOWN_RESULT),
        ({"subject": None}, EmulatorResult.COMPLETE_MISSING_SUBJECT),
        ({"subject": ""}, EmulatorResult.COMPLETE_MISSING_SUBJECT),
        ({"claims": "not json"}, EmulatorResult.COMPLETE_BAD_PARAMETER),
        ({"claims": {"a": 1}}, EmulatorResult.COMPLETE_BAD_PARAMETER),
        ({"scopes": "openid"}, EmulatorResult.COMPLETE_BAD_PARAMETER),
        ({"authTime": "1700000000"}, EmulatorResult.COMPLETE_BAD_PARAMETER),
        ({"properties": [{"key": "k"}]}, EmulatorResult.COMPLETE_BAD_PARAMETER),
    ],
    ids=[
        "no-ticket",
        "unknown-result",
        "no-result",
        "no-subject",
        "empty-subject",
        "claims-not-json",
        "claims-an-object",
        "scopes-not-a-list",
        "auth-time-text",
        "property-without-value",
    ],
)
async def test_complete_refusals_leave_the_ticket(
    emulator: AuthleteEmulator, flow: Flow, fields: dict[str, object], result: EmulatorResult
) -> None:
    """The caller's mistakes: SERVER_ERROR with their own result; nothing is used up."""
    ticket, _ = await flow.auth_req_id(POLL)
    body: dict[str, object] = {"ticket": ticket, "result": "AUTHORIZED", "subject": "s"}
    body.update(fields)
    reply = await flow.call(COMPLETE_API, {k: v for k, v in body.items() if v is not None})
    assert (reply.json()["action"], reply.json()["resultCode"]) == ("SERVER_ERROR", result.code)
    assert emulator.tickets.has_ticket(ticket)


async def test_denial_needs_no_subject(flow: Flow) -> None:
    """subject is required only for AUTHORIZED (the operation's text, not its schema)."""
    ticket, _ = await flow.auth_req_id(POLL)
    reply = await flow.call(COMPLETE_API, {"ticket": ticket, "result": "ACCESS_DENIED"})
    assert reply.json()["action"] == "NO_ACTION"


@pytest.mark.parametrize(
    ("client", "action", "content"),
    [
        (POLL, "SERVER_ERROR", None),
        (PING, "NOTIFICATION", {"auth_req_id"}),
        (PUSH, "NOTIFICATION", {"error", "auth_req_id"}),
    ],
    ids=["poll", "ping", "push"],
)
async def test_complete_after_the_auth_req_id_expired(
    flow: Flow,
    clock: FakeClock,
    client: CibaClient,
    action: str,
    content: set[str] | None,
) -> None:
    """Too late: poll gets SERVER_ERROR; ping and push notify (push with expired_token)."""
    ticket, _ = await flow.auth_req_id(client, requested_expiry="30")
    clock.advance(30)
    reply = await flow.complete(ticket)
    body = reply.json()
    assert (body["action"], body["resultCode"]) == (action, EmulatorResult.COMPLETE_EXPIRED.code)
    if content is None:
        assert "responseContent" not in body
    else:
        assert reply.content().keys() == content
        assert reply.content().get("error", "expired_token") == "expired_token"


async def test_form_encoded_complete_on_the_v2_path(api: Caller, flow: Flow) -> None:
    """A form body on the 2.x path (Basic): scopes repeat their key, numbers are digits."""
    ticket, auth_req_id = await flow.auth_req_id(PUSH, scope="openid email profile")
    reply = await api.post(
        api_path(COMPLETE_API, None),
        data=(
            f"ticket={ticket}&result=AUTHORIZED&subject=248289761003&scopes=openid"
            "&scopes=email&accessTokenDuration=60&authTime=1700000000&acr=urn%3Aacr"
        ).encode(),
        content_type="application/x-www-form-urlencoded",
        authorization=basic(SERVICE_ID, SECRET),
    )
    content = reply.content()
    assert (content["scope"], content["expires_in"]) == ("openid email", 60)
    assert content["auth_req_id"] == auth_req_id


async def test_properties_cannot_be_form_encoded(api: Caller, flow: Flow) -> None:
    """properties are objects, which a form body has no way to carry: BAD_PARAMETER."""
    ticket, _ = await flow.auth_req_id(POLL)
    reply = await api.post(
        api_path(COMPLETE_API),
        form={"ticket": ticket, "result": "ACCESS_DENIED", "properties": "k=v"},
    )
    assert reply.json()["resultCode"] == EmulatorResult.COMPLETE_BAD_PARAMETER.code


async def test_accept_any_ticket_completes_for_the_first_client(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """Load-test mode: an unknown ticket is issued and completed as the poll client's,
    and nothing is stored."""
    emulator.accept_any_ticket = True
    issued = (await flow.issue("made-up")).json()
    completed = (await flow.complete("made-up")).json()
    assert (issued["action"], completed["action"]) == ("OK", "NO_ACTION")
    assert (len(emulator.tickets), len(emulator.auth_requests)) == (0, 0)
