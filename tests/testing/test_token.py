"""/auth/token with the CIBA grant over real loopback sockets: polling through
authorization_pending and slow_down to tokens, denial, expiry, single use, and clients."""

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
    TOKEN_API,
    Caller,
    FakeClock,
    Flow,
    Reply,
    api_path,
    basic,
    form,
    token_request,
)

POLL, PING, PUSH = DEFAULT_POLL_CLIENT, DEFAULT_PING_CLIENT, DEFAULT_PUSH_CLIENT
OTHER_POLL = CibaClient(555000111, "other-poll-secret", "poll", alias="other")


def _error(reply: Reply) -> tuple[str, str, str]:
    body = reply.json()
    return body["action"], body["resultCode"], reply.content()["error"]


async def test_polling_goes_from_pending_through_slow_down_to_tokens(
    emulator: AuthleteEmulator, flow: Flow, clock: FakeClock
) -> None:
    """Pending; too soon: slow_down, and the interval grows by 5 s for later polls;
    after complete: OK with tokens."""
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    first = await flow.token(POLL, auth_req_id)
    clock.advance(4.9)
    too_soon = await flow.token(POLL, auth_req_id)
    clock.advance(9.9)  # less than the interval, now 10 s
    still_too_soon = await flow.token(POLL, auth_req_id)
    clock.advance(15)  # the interval is now 15 s
    pending = await flow.token(POLL, auth_req_id)
    await flow.complete(ticket)
    clock.advance(15)
    granted = await flow.token(POLL, auth_req_id)
    assert _error(first) == ("BAD_REQUEST", "A050396", "authorization_pending")
    assert _error(too_soon) == ("BAD_REQUEST", "A050397", "slow_down")
    assert _error(still_too_soon)[2] == "slow_down"
    assert _error(pending)[2] == "authorization_pending"
    body = granted.json()
    assert (body["action"], body["resultCode"], body["grantType"]) == ("OK", "A050001", "CIBA")
    assert granted.content() == {
        "access_token": body["accessToken"],
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "openid",
        "refresh_token": body["refreshToken"],
        "id_token": body["idToken"],
    }
    assert (body["subject"], body["clientId"], body["scopes"]) == (
        "248289761001",
        POLL.client_id,
        ["openid"],
    )
    assert auth_req_id not in emulator.auth_requests


async def test_tokens_come_once(flow: Flow) -> None:
    """A second exchange of a used auth_req_id is invalid_grant."""
    ticket, auth_req_id = await flow.auth_req_id(PING)
    await flow.complete(ticket)
    assert (await flow.token(PING, auth_req_id)).json()["action"] == "OK"
    again = await flow.token(PING, auth_req_id)
    assert _error(again) == ("BAD_REQUEST", "A050395", "invalid_grant")


async def test_first_poll_right_after_issue_is_not_too_soon(flow: Flow) -> None:
    """The interval is between polls: the first one may come at once, and a decided
    request is answered whatever the interval."""
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    await flow.complete(ticket)
    assert (await flow.token(POLL, auth_req_id)).json()["action"] == "OK"


async def test_denial_is_access_denied_with_the_callers_description(flow: Flow) -> None:
    """ACCESS_DENIED reaches the poller as access_denied, with complete's description,
    as long as the auth_req_id lives."""
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    await flow.complete(ticket, "ACCESS_DENIED", errorDescription="declined on the phone")
    replies = [await flow.token(POLL, auth_req_id) for _ in range(2)]
    for reply in replies:
        assert _error(reply) == ("BAD_REQUEST", "A050399", "access_denied")
        assert reply.content()["error_description"] == "declined on the phone"


async def test_transaction_failed_is_expired_token(flow: Flow) -> None:
    """TRANSACTION_FAILED reaches the poller as expired_token, as Authlete maps it."""
    ticket, auth_req_id = await flow.auth_req_id(PING)
    await flow.complete(ticket, "TRANSACTION_FAILED")
    assert _error(await flow.token(PING, auth_req_id))[2] == "expired_token"


async def test_expired_auth_req_id_is_expired_token_then_forgotten(
    emulator: AuthleteEmulator, flow: Flow, clock: FakeClock
) -> None:
    """At expires_in (injected clock) the answer is expired_token;
    10 minutes later the auth_req_id is unknown."""
    _, auth_req_id = await flow.auth_req_id(POLL, requested_expiry="60")
    await flow.token(POLL, auth_req_id)
    clock.advance(59.9)
    assert _error(await flow.token(POLL, auth_req_id))[2] == "authorization_pending"
    clock.advance(0.1)
    assert _error(await flow.token(POLL, auth_req_id)) == (
        "BAD_REQUEST",
        "A050398",
        "expired_token",
    )
    clock.advance(600)
    assert len(emulator.auth_requests) == 0
    assert _error(await flow.token(POLL, auth_req_id))[2] == "invalid_grant"


async def test_another_clients_auth_req_id_is_invalid_grant(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """An auth_req_id issued to one client is unknown to another, and stays usable."""
    emulator.clients.add(OTHER_POLL)
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    await flow.complete(ticket)
    assert _error(await flow.token(OTHER_POLL, auth_req_id))[2] == "invalid_grant"
    assert (await flow.token(POLL, auth_req_id)).json()["action"] == "OK"


async def test_push_client_is_unauthorized_client(flow: Flow) -> None:
    """A push client gets its tokens by notification; the CIBA grant refuses it."""
    _, auth_req_id = await flow.auth_req_id(PUSH)
    assert _error(await flow.token(PUSH, auth_req_id)) == (
        "BAD_REQUEST",
        "A050394",
        "unauthorized_client",
    )


@pytest.mark.parametrize(
    "change",
    [{"client_secret": "wrong"}, {"client_secret": None}, {"client_id": "12345"}],
    ids=["wrong-secret", "no-secret", "unknown-client"],
)
async def test_client_that_does_not_authenticate_is_invalid_client(
    flow: Flow, change: dict[str, str | None]
) -> None:
    """A wrong secret (or none, or an unknown client): INVALID_CLIENT with invalid_client;
    no secret in the answer; the auth_req_id is untouched."""
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    reply = await flow.token(POLL, auth_req_id, **change)
    assert _error(reply) == ("INVALID_CLIENT", "A050390", "invalid_client")
    assert POLL.secret not in reply.text
    await flow.complete(ticket)
    assert (await flow.token(POLL, auth_req_id)).json()["action"] == "OK"


@pytest.mark.parametrize(
    ("parameters", "result", "error"),
    [
        (form(grant_type="authorization_code", code="c"), "A050393", "unsupported_grant_type"),
        (form(auth_req_id="x"), "A050392", "invalid_request"),
        (token_request(POLL, None), "A050392", "invalid_request"),
        (token_request(POLL, "x") + "&auth_req_id=y", "A050391", "invalid_request"),
    ],
    ids=["other-grant", "no-grant-type", "no-auth-req-id", "repeated-key"],
)
async def test_malformed_token_requests_are_bad_request(
    flow: Flow, parameters: str, result: str, error: str
) -> None:
    """Other grant types, missing or repeated parameters: BAD_REQUEST with their error."""
    reply = await flow.call(TOKEN_API, {"parameters": parameters})
    assert _error(reply) == ("BAD_REQUEST", result, error)


@pytest.mark.parametrize(
    ("body", "result"),
    [
        ({}, EmulatorResult.TOKEN_MISSING_PARAMETERS),
        (
            {"parameters": "grant_type=x", "accessTokenDuration": "60"},
            EmulatorResult.TOKEN_BAD_PARAMETER,
        ),
        (
            {"parameters": "grant_type=x", "dpopNonceRequired": "yes"},
            EmulatorResult.TOKEN_BAD_PARAMETER,
        ),
    ],
    ids=["no-parameters", "duration-text", "flag-text"],
)
async def test_wrong_api_call_is_internal_server_error(
    api: Caller, body: dict[str, object], result: EmulatorResult
) -> None:
    """The caller's own mistakes: INTERNAL_SERVER_ERROR with server_error."""
    reply = await api.post(api_path(TOKEN_API), json_body=body)
    assert _error(reply) == ("INTERNAL_SERVER_ERROR", result.code, "server_error")


async def test_basic_client_credentials_on_the_v2_path_in_a_form_body(
    api: Caller, flow: Flow
) -> None:
    """2.x path with the service's Basic credentials, the call form-encoded, the client's
    secret passed as clientSecret (from the client's own Basic header)."""
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    await flow.complete(ticket)
    parameters = token_request(POLL, auth_req_id, client_id=None, client_secret=None)
    reply = await api.post(
        api_path(TOKEN_API, None),
        form={"parameters": parameters, "clientId": "poll-client", "clientSecret": POLL.secret},
        authorization=basic(),
    )
    body = reply.json()
    assert (body["action"], body["clientIdAliasUsed"]) == ("OK", True)


async def test_token_call_durations_and_access_token_win(flow: Flow) -> None:
    """The token call's accessToken and durations shape the tokens it gets."""
    ticket, auth_req_id = await flow.auth_req_id(POLL)
    await flow.complete(ticket, accessTokenDuration=120)
    body = {
        "parameters": token_request(POLL, auth_req_id),
        "accessToken": "chosen-by-the-caller",
        "refreshTokenDuration": 7,
    }
    granted = (await flow.call(TOKEN_API, body)).json()
    assert (granted["accessToken"], granted["accessTokenDuration"]) == ("chosen-by-the-caller", 120)
    assert granted["refreshTokenDuration"] == 7


async def test_accept_any_ticket_grants_an_unknown_auth_req_id(
    emulator: AuthleteEmulator, flow: Flow
) -> None:
    """Load-test mode: an auth_req_id nobody issued gets tokens at once (the client must
    still authenticate, and push clients are still refused)."""
    emulator.accept_any_ticket = True
    granted = (await flow.token(PING, "made-up")).json()
    assert (granted["action"], granted["subject"]) == ("OK", "emulated-user")
    assert _error(await flow.token(PING, "made-up", client_secret="x"))[2] == "invalid_client"
    assert _error(await flow.token(PUSH, "made-up"))[2] == "unauthorized_client"
