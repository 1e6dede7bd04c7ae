"""/backchannel/authentication over real loopback sockets: client authentication, the
CIBA request's rules, and the USER_IDENTIFICATION answer with its ticket."""

from __future__ import annotations

import base64
import json

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
    AUTHENTICATION_API,
    Caller,
    Flow,
    api_path,
    basic,
    ciba_request,
    form,
)

POLL, PING, PUSH = DEFAULT_POLL_CLIENT, DEFAULT_PING_CLIENT, DEFAULT_PUSH_CLIENT


def _jwt(claims: dict[str, object]) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


@pytest.mark.parametrize("client", [POLL, PING, PUSH], ids=["poll", "ping", "push"])
async def test_valid_request_gets_user_identification_with_a_ticket(
    emulator: AuthleteEmulator, flow: Flow, client: CibaClient
) -> None:
    """Each default client gets USER_IDENTIFICATION naming it, its mode and the request;
    the ticket is live at once."""
    reply = await flow.authenticate(
        client,
        scope="openid email",
        binding_message="W4SCT",
        user_code="1234",
        requested_expiry="120",
        acr_values="urn:a urn:b",
    )
    body = reply.json()
    assert reply.status == 200
    assert body["resultCode"] == "A179001"
    assert body["resultMessage"] == (
        "[A179001] The backchannel authentication request was processed successfully."
    )
    assert body["action"] == "USER_IDENTIFICATION"
    assert body["clientId"] == client.client_id
    assert body["deliveryMode"] == client.mode.upper()
    assert (body["hintType"], body["hint"]) == ("LOGIN_HINT", "alice")
    assert body["scopes"] == [
        {"name": "openid", "defaultEntry": False},
        {"name": "email", "defaultEntry": False},
    ]
    assert body["claimNames"] == ["email", "email_verified"]
    assert (body["bindingMessage"], body["userCode"], body["requestedExpiry"]) == (
        "W4SCT",
        "1234",
        120,
    )
    assert body["acrs"] == ["urn:a", "urn:b"]
    assert body["clientAuthMethod"] == "CLIENT_SECRET_POST"
    assert "responseContent" not in body
    assert len(body["ticket"]) == 43
    assert emulator.tickets.has_ticket(body["ticket"])


async def test_unknown_user_is_still_user_identification(flow: Flow) -> None:
    """Authlete does not know users: a hint nobody has is passed on for the server to
    identify (and fail with UNKNOWN_USER_ID)."""
    reply = await flow.authenticate(POLL, login_hint="nobody@nowhere.example")
    assert reply.json()["action"] == "USER_IDENTIFICATION"
    assert reply.json()["hint"] == "nobody@nowhere.example"


async def test_notification_token_is_passed_on_and_requested_expiry_defaults_to_0(
    flow: Flow,
) -> None:
    """A ping client's notification token comes back; no requested_expiry reads 0."""
    body = (await flow.authenticate(PING)).json()
    assert body["clientNotificationToken"] == "notification-token-for-tests"
    assert body["requestedExpiry"] == 0
    assert body["userCodeRequired"] is False


async def test_id_token_hint_reports_its_sub(flow: Flow) -> None:
    """An id_token_hint is reported with hintType ID_TOKEN_HINT and its sub claim."""
    hint = _jwt({"sub": "248289761002", "iss": "x"})
    body = (await flow.authenticate(POLL, login_hint=None, id_token_hint=hint)).json()
    assert (body["hintType"], body["sub"]) == ("ID_TOKEN_HINT", "248289761002")


async def test_login_hint_token_is_passed_on(flow: Flow) -> None:
    """A login_hint_token is passed on as it came (its format is the server's business)."""
    body = (await flow.authenticate(POLL, login_hint=None, login_hint_token="opaque")).json()
    assert (body["hintType"], body["hint"]) == ("LOGIN_HINT_TOKEN", "opaque")


@pytest.mark.parametrize(
    ("change", "result"),
    [
        ({"scope": "email profile"}, EmulatorResult.AUTHENTICATION_MISSING_OPENID),
        ({"scope": None}, EmulatorResult.AUTHENTICATION_MISSING_OPENID),
        ({"login_hint": None}, EmulatorResult.AUTHENTICATION_HINT_COUNT),
        ({"login_hint_token": "t"}, EmulatorResult.AUTHENTICATION_HINT_COUNT),
        (
            {"login_hint": None, "id_token_hint": "not-a-jwt"},
            EmulatorResult.AUTHENTICATION_ID_TOKEN_HINT,
        ),
        ({"requested_expiry": "0"}, EmulatorResult.AUTHENTICATION_REQUESTED_EXPIRY),
        ({"requested_expiry": "ten"}, EmulatorResult.AUTHENTICATION_REQUESTED_EXPIRY),
        ({"request": "eyJ..."}, EmulatorResult.AUTHENTICATION_REQUEST_OBJECT),
    ],
    ids=[
        "no-openid",
        "no-scope",
        "no-hint",
        "two-hints",
        "id-token-hint-not-a-jwt",
        "zero-expiry",
        "text-expiry",
        "request-object",
    ],
)
async def test_request_breaking_a_ciba_rule_is_bad_request_and_makes_no_ticket(
    emulator: AuthleteEmulator, flow: Flow, change: dict[str, str | None], result: EmulatorResult
) -> None:
    """Each broken rule gets BAD_REQUEST with invalid_request and its own result; no
    ticket is made."""
    reply = await flow.authenticate(POLL, **change)
    body = reply.json()
    assert (reply.status, body["action"], body["resultCode"]) == (200, "BAD_REQUEST", result.code)
    assert reply.content() == {"error": "invalid_request", "error_description": result.message}
    assert "ticket" not in body
    assert len(emulator.tickets) == 0


@pytest.mark.parametrize("client", [PING, PUSH], ids=["ping", "push"])
@pytest.mark.parametrize("token", [None, "x" * 1025], ids=["missing", "too-long"])
async def test_ping_and_push_need_a_notification_token_of_at_most_1024_chars(
    flow: Flow, client: CibaClient, token: str | None
) -> None:
    """client_notification_token is required for ping and push, and 1024 chars at most."""
    reply = await flow.authenticate(client, client_notification_token=token)
    assert reply.json()["action"] == "BAD_REQUEST"
    assert reply.json()["resultCode"] == EmulatorResult.AUTHENTICATION_NOTIFICATION_TOKEN.code


async def test_poll_client_needs_no_notification_token(flow: Flow) -> None:
    """A poll client's request without client_notification_token is fine."""
    reply = await flow.authenticate(POLL, client_notification_token=None)
    assert reply.json()["action"] == "USER_IDENTIFICATION"


# -- client authentication -------------------------------------------------------------


async def test_basic_credentials_passed_as_fields_authenticate_the_client(flow: Flow) -> None:
    """clientId/clientSecret (what HTTP Basic carried) authenticate: CLIENT_SECRET_BASIC."""
    parameters = ciba_request(POLL, client_id=None, client_secret=None)
    body = {"parameters": parameters, "clientId": str(POLL.client_id), "clientSecret": POLL.secret}
    reply = await flow.call(AUTHENTICATION_API, body)
    assert reply.json()["action"] == "USER_IDENTIFICATION"
    assert reply.json()["clientAuthMethod"] == "CLIENT_SECRET_BASIC"


async def test_client_named_by_its_alias_is_reported_so(flow: Flow) -> None:
    """The alias names the client too, and clientIdAliasUsed says it was used."""
    body = (await flow.authenticate(PING, client_id="ping-client")).json()
    assert (body["clientId"], body["clientIdAlias"], body["clientIdAliasUsed"]) == (
        PING.client_id,
        "ping-client",
        True,
    )


@pytest.mark.parametrize(
    "change",
    [
        {"client_secret": "not-the-secret"},
        {"client_secret": None},
        {"client_id": "999999"},
        {"client_id": None, "client_secret": None},
        {"client_id": str(PING.client_id)},  # the poll client's secret with the ping client's ID
    ],
    ids=["wrong-secret", "no-secret", "unknown-client", "no-client", "another-clients-id"],
)
async def test_client_that_does_not_authenticate_gets_unauthorized(
    emulator: AuthleteEmulator, flow: Flow, change: dict[str, str | None]
) -> None:
    """A wrong or missing secret, or an unknown client: UNAUTHORIZED with invalid_client,
    and the answer shows no secret."""
    reply = await flow.authenticate(POLL, **change)
    body = reply.json()
    assert body["action"] == "UNAUTHORIZED"
    assert body["resultCode"] == EmulatorResult.AUTHENTICATION_INVALID_CLIENT.code
    assert reply.content()["error"] == "invalid_client"
    assert POLL.secret not in reply.text
    assert len(emulator.tickets) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"clientSecret": POLL.secret},  # a secret in the body and in Basic
        {"clientId": str(PING.client_id)},  # two different clients named
    ],
    ids=["two-secrets", "two-client-ids"],
)
async def test_authenticating_twice_is_invalid_request(flow: Flow, fields: dict[str, str]) -> None:
    """Two client authentication methods, or two client IDs, are a malformed request."""
    reply = await flow.call(AUTHENTICATION_API, {"parameters": ciba_request(POLL), **fields})
    assert reply.json()["action"] == "BAD_REQUEST"
    assert reply.json()["resultCode"] == EmulatorResult.AUTHENTICATION_MALFORMED.code
    assert reply.content()["error"] == "invalid_request"


# -- the client's form body and the API call's own fields --------------------------------


@pytest.mark.parametrize(
    "parameters",
    [
        ciba_request(POLL) + "&scope=openid",
        ciba_request(POLL) + "&%FF=x",
        "scope&login_hint",
    ],
    ids=["repeated-key", "not-utf8", "not-a-form"],
)
async def test_client_form_body_that_is_malformed_is_invalid_request(
    flow: Flow, parameters: str
) -> None:
    """A repeated parameter, undecodable bytes or a text that is no form: invalid_request."""
    reply = await flow.call(AUTHENTICATION_API, {"parameters": parameters})
    assert reply.json()["resultCode"] == EmulatorResult.AUTHENTICATION_MALFORMED.code


async def test_resource_may_repeat_and_is_reported(flow: Flow) -> None:
    """resource (RFC 8707) is the one parameter a client may repeat."""
    parameters = ciba_request(POLL) + "&" + form(resource="https://a.example") + "&resource=b"
    reply = await flow.call(AUTHENTICATION_API, {"parameters": parameters})
    assert reply.json()["resources"] == ["https://a.example", "b"]


@pytest.mark.parametrize(
    ("body", "result"),
    [
        ({}, EmulatorResult.AUTHENTICATION_MISSING_PARAMETERS),
        ({"parameters": ""}, EmulatorResult.AUTHENTICATION_MISSING_PARAMETERS),
        ({"parameters": 7}, EmulatorResult.AUTHENTICATION_BAD_PARAMETER),
        (
            {"parameters": "scope=openid", "clientId": 4326385670},
            EmulatorResult.AUTHENTICATION_BAD_PARAMETER,
        ),
        (
            {"parameters": "scope=openid", "clientCertificatePath": "pem"},
            EmulatorResult.AUTHENTICATION_BAD_PARAMETER,
        ),
    ],
    ids=["no-parameters", "empty-parameters", "number", "numeric-client-id", "path-not-a-list"],
)
async def test_wrong_api_call_is_internal_server_error(
    api: Caller, body: dict[str, object], result: EmulatorResult
) -> None:
    """The caller's own mistakes (not the client's): INTERNAL_SERVER_ERROR, server_error."""
    reply = await api.post(api_path(AUTHENTICATION_API), json_body=body)
    assert (reply.status, reply.json()["action"]) == (200, "INTERNAL_SERVER_ERROR")
    assert reply.json()["resultCode"] == result.code
    assert reply.content()["error"] == "server_error"


async def test_form_encoded_call_on_the_v2_path_with_basic(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """The API call itself form-encoded, on the 2.x path with HTTP Basic, works too."""
    reply = await api.post(
        api_path(AUTHENTICATION_API, None),
        form={"parameters": ciba_request(PUSH)},
        authorization=basic(),
    )
    assert reply.json()["action"] == "USER_IDENTIFICATION"
    assert emulator.tickets.has_ticket(reply.json()["ticket"])


async def test_unreadable_body_gets_this_apis_400(api: Caller) -> None:
    """A body that is no JSON object: 400 with the API's own UNREADABLE_BODY row."""
    reply = await api.post(
        api_path(AUTHENTICATION_API), data=b"[1]", content_type="application/json"
    )
    assert reply.status == 400
    assert reply.json() == EmulatorResult.AUTHENTICATION_UNREADABLE_BODY.body()
    assert reply.json()["resultMessage"].startswith("[A179294] /backchannel/authentication, ")


async def test_accept_any_ticket_keeps_no_ticket(emulator: AuthleteEmulator, flow: Flow) -> None:
    """In load-test mode the answer names a ticket that is not stored."""
    emulator.accept_any_ticket = True
    reply = await flow.authenticate(POLL)
    assert reply.json()["action"] == "USER_IDENTIFICATION"
    assert len(emulator.tickets) == 0
