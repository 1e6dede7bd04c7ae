"""The emulator's answers over real loopback sockets: fail logic, bodies and credentials."""

from __future__ import annotations

import json

import pytest

from aioauthlete import FailReason
from aioauthlete.testing import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_API_SECRET,
    DEFAULT_SERVICE_ID,
    AuthleteEmulator,
    EmulatorResult,
)
from tests.testing.support import (
    EXTRA_SERVICE_ID,
    SECRET,
    TOKEN,
    V2_PATH,
    Caller,
    FakeClock,
    basic,
    bearer,
    v3_path,
)

ALL_APIS = [
    "/backchannel/authentication",
    "/backchannel/authentication/issue",
    "/backchannel/authentication/fail",
    "/backchannel/authentication/complete",
    "/auth/token",
]
SUCCESS_MESSAGE = (
    "[A185001] Successfully generated an error response for the backchannel authentication request."
)
EXPECTED_ACTION = {
    FailReason.ACCESS_DENIED: "FORBIDDEN",
    FailReason.SERVER_ERROR: "INTERNAL_SERVER_ERROR",
    FailReason.EXPIRED_LOGIN_HINT_TOKEN: "BAD_REQUEST",
    FailReason.INVALID_BINDING_MESSAGE: "BAD_REQUEST",
    FailReason.INVALID_TARGET: "BAD_REQUEST",
    FailReason.INVALID_USER_CODE: "BAD_REQUEST",
    FailReason.MISSING_USER_CODE: "BAD_REQUEST",
    FailReason.UNAUTHORIZED_CLIENT: "BAD_REQUEST",
    FailReason.UNKNOWN_USER_ID: "BAD_REQUEST",
}


def _ticket(emulator: AuthleteEmulator) -> str:
    [ticket] = emulator.tickets.issue_tickets(1)
    return ticket


# -- the fail logic ----------------------------------------------------------------------


async def test_known_ticket_is_deleted_and_access_denied_answers_forbidden(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """A live ticket failed with ACCESS_DENIED is deleted and answered as the spec's example."""
    ticket = _ticket(emulator)
    reply = await api.fail(ticket, "ACCESS_DENIED")
    assert reply.status == 200
    assert reply.content_type == "application/json"
    assert reply.text == (
        '{"resultCode":"A185001","resultMessage":"' + SUCCESS_MESSAGE + '",'
        '"action":"FORBIDDEN","responseContent":"{\\"error\\":\\"access_denied\\"}"}'
    )
    assert not emulator.tickets.has_ticket(ticket)


@pytest.mark.parametrize("reason", list(FailReason))
async def test_each_reason_maps_to_its_action_and_error_code(
    emulator: AuthleteEmulator, api: Caller, reason: FailReason
) -> None:
    """Each of the nine reasons gets its action and the lower-case OAuth error code."""
    reply = await api.fail(_ticket(emulator), reason.value)
    body = reply.json()
    assert (body["resultCode"], body["action"]) == ("A185001", EXPECTED_ACTION[reason])
    assert reply.content() == {"error": reason.value.lower()}


async def test_description_and_uri_are_copied_into_compact_response_content(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """errorDescription and errorUri become error_description/error_uri, without spaces."""
    reply = await api.fail(
        _ticket(emulator),
        "UNKNOWN_USER_ID",
        errorDescription="no such user",
        errorUri="https://example.com/e",
    )
    assert reply.json()["responseContent"] == (
        '{"error":"unknown_user_id","error_description":"no such user",'
        '"error_uri":"https://example.com/e"}'
    )


async def test_form_body_is_handled_like_json(emulator: AuthleteEmulator, api: Caller) -> None:
    """A form-encoded body with the same camelCase keys fails the ticket too."""
    ticket = _ticket(emulator)
    form = {"ticket": ticket, "reason": "INVALID_TARGET", "errorDescription": "a b&c"}
    reply = await api.post(form=form)
    assert reply.json()["action"] == "BAD_REQUEST"
    assert reply.content() == {"error": "invalid_target", "error_description": "a b&c"}
    assert not emulator.tickets.has_ticket(ticket)


async def test_missing_reason_means_server_error(emulator: AuthleteEmulator, api: Caller) -> None:
    """Without a reason the spec's default SERVER_ERROR applies."""
    reply = await api.fail(_ticket(emulator), reason=None)
    assert reply.json()["action"] == "INTERNAL_SERVER_ERROR"
    assert reply.json()["resultCode"] == "A185001"
    assert reply.content() == {"error": "server_error"}


async def test_unknown_reason_is_wrong_parameters_and_keeps_the_ticket(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """A reason outside the enum answers INTERNAL_SERVER_ERROR and deletes nothing."""
    ticket = _ticket(emulator)
    reply = await api.fail(ticket, "PLEASE_FAIL")
    body = reply.json()
    assert reply.status == 200
    assert body["action"] == "INTERNAL_SERVER_ERROR"
    assert body["resultCode"] == EmulatorResult.UNKNOWN_REASON.code
    assert emulator.tickets.has_ticket(ticket)


@pytest.mark.parametrize("body", [{"reason": "ACCESS_DENIED"}, {"ticket": "", "reason": "x"}])
async def test_missing_or_empty_ticket_is_wrong_parameters(
    api: Caller, body: dict[str, str]
) -> None:
    """No ticket (or an empty one) answers 200 INTERNAL_SERVER_ERROR with MISSING_TICKET."""
    reply = await api.post(json_body=body)
    assert reply.status == 200
    assert reply.json()["action"] == "INTERNAL_SERVER_ERROR"
    assert reply.json()["resultCode"] == EmulatorResult.MISSING_TICKET.code


async def test_non_string_parameter_is_wrong_parameters(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """A JSON number where a string belongs answers with BAD_PARAMETER."""
    reply = await api.post(json_body={"ticket": _ticket(emulator), "errorUri": 7})
    assert reply.json()["resultCode"] == EmulatorResult.BAD_PARAMETER.code
    assert reply.json()["action"] == "INTERNAL_SERVER_ERROR"


async def test_unknown_ticket_answers_internal_server_error_with_caller_error_code(
    api: Caller,
) -> None:
    """A ticket the emulator never issued gets the assumed UNKNOWN_TICKET answer."""
    reply = await api.fail("never-issued", "ACCESS_DENIED", errorDescription="ignored")
    body = reply.json()
    assert reply.status == 200
    assert body["action"] == "INTERNAL_SERVER_ERROR"
    assert body["resultCode"] == "A185291"
    assert reply.content() == {
        "error": "server_error",
        "error_description": EmulatorResult.UNKNOWN_TICKET.message,
    }


async def test_failing_a_ticket_twice_finds_it_deleted(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """The second fail of one ticket answers UNKNOWN_TICKET: the call converges."""
    ticket = _ticket(emulator)
    first = await api.fail(ticket)
    second = await api.fail(ticket)
    assert first.json()["resultCode"] == "A185001"
    assert second.json()["resultCode"] == EmulatorResult.UNKNOWN_TICKET.code


async def test_expired_ticket_is_unknown(
    emulator: AuthleteEmulator, api: Caller, clock: FakeClock
) -> None:
    """A ticket past its time to live (on the injected clock) is no longer known."""
    ticket = _ticket(emulator)
    clock.advance(emulator.tickets.ttl)
    reply = await api.fail(ticket)
    assert reply.json()["resultCode"] == EmulatorResult.UNKNOWN_TICKET.code


async def test_accept_any_ticket_treats_every_ticket_as_live(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """With accept_any_ticket an unissued ticket is failed successfully, store untouched."""
    emulator.accept_any_ticket = True
    reply = await api.fail("made-up-ticket", "MISSING_USER_CODE")
    assert reply.json()["resultCode"] == "A185001"
    assert reply.json()["action"] == "BAD_REQUEST"
    assert len(emulator.tickets) == 0


# -- bodies that cannot be read ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'["a", "list"]', "application/json"),
        (b'{"ticket": "\xff"}', "application/json"),
        (b"ticket=x", "text/plain"),
        (b"ticket=x", None),
    ],
    ids=["bad-json", "json-list", "not-utf8", "text-plain", "no-content-type"],
)
async def test_unreadable_body_gets_400_result(
    api: Caller, data: bytes, content_type: str | None
) -> None:
    """Bodies that are neither a JSON object nor a form get 400 with UNREADABLE_BODY."""
    reply = await api.post(data=data, content_type=content_type)
    assert reply.status == 400
    assert reply.content_type == "application/json"
    assert reply.json() == EmulatorResult.UNREADABLE_BODY.body()


async def test_json_content_type_with_charset_is_accepted(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """Media type parameters such as charset do not stop a JSON body from being read."""
    body = json.dumps({"ticket": _ticket(emulator), "reason": "ACCESS_DENIED"}).encode()
    reply = await api.post(data=body, content_type="application/json; charset=UTF-8")
    assert reply.json()["action"] == "FORBIDDEN"


# -- credentials -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [v3_path(), V2_PATH], ids=["v3", "v2"])
async def test_missing_authorization_gets_a001202(api: Caller, path: str) -> None:
    """No Authorization header: 401 with the spec's A001202 body on both path forms."""
    reply = await api.post(path, json_body={"ticket": "t"}, authorization=None)
    assert reply.status == 401
    assert reply.content_type == "application/json"
    assert reply.json() == {
        "resultCode": "A001202",
        "resultMessage": "[A001202] /backchannel/authentication/fail, "
        "Authorization header is missing.",
    }


@pytest.mark.parametrize(
    ("path", "authorization"),
    [
        (v3_path(), bearer("wrong-token")),
        (v3_path(), basic()),
        (V2_PATH, basic(secret="wrong-secret")),
        (V2_PATH, basic(user="123456")),
        (V2_PATH, bearer()),
        (V2_PATH, "Basic !!not-base64!!"),
    ],
    ids=["wrong-token", "basic-on-v3", "wrong-secret", "unknown-user", "bearer-on-v2", "garbled"],
)
async def test_wrong_credentials_get_401_bad_credentials(
    emulator: AuthleteEmulator, api: Caller, path: str, authorization: str
) -> None:
    """Credentials the emulator was not given get 401 BAD_CREDENTIALS and delete nothing."""
    ticket = _ticket(emulator)
    reply = await api.post(path, json_body={"ticket": ticket}, authorization=authorization)
    assert reply.status == 401
    assert reply.json() == EmulatorResult.BAD_CREDENTIALS.body()
    assert emulator.tickets.has_ticket(ticket)


async def test_basic_auth_on_v2_path_fails_the_ticket(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """Authlete 2.x form: HTTP Basic service_id:api_secret on /api/backchannel/... works."""
    ticket = _ticket(emulator)
    reply = await api.post(
        V2_PATH, json_body={"ticket": ticket, "reason": "ACCESS_DENIED"}, authorization=basic()
    )
    assert reply.status == 200
    assert reply.json()["action"] == "FORBIDDEN"
    assert not emulator.tickets.has_ticket(ticket)


@pytest.mark.parametrize("api_path", ALL_APIS)
async def test_service_the_token_does_not_cover_gets_403_with_a_result_body(
    emulator: AuthleteEmulator, api: Caller, api_path: str
) -> None:
    """A service id the token does not cover gets 403 (a status every CIBA API documents,
    unlike 404) with UNKNOWN_SERVICE naming the API called, and changes nothing."""
    ticket = _ticket(emulator)
    reply = await api.post(f"/api/999{api_path}", json_body={"ticket": ticket})
    assert reply.status == 403
    assert reply.json() == EmulatorResult.UNKNOWN_SERVICE.body(api_path)
    assert reply.json()["resultMessage"].startswith(f"[A001293] {api_path}, ")
    assert emulator.tickets.has_ticket(ticket)


async def test_extra_service_id_is_served_with_the_same_token(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """One token serves every id of extra_service_ids (an organization token's case)."""
    ticket = _ticket(emulator)
    reply = await api.post(v3_path(EXTRA_SERVICE_ID), form={"ticket": ticket})
    assert reply.status == 200
    assert reply.json()["resultCode"] == "A185001"


async def test_credentials_are_checked_before_the_body(api: Caller) -> None:
    """An unreadable body without credentials is a 401, not a 400."""
    reply = await api.post(data=b"{", content_type="application/json", authorization=None)
    assert reply.status == 401


# -- configuration -------------------------------------------------------------------------


def test_credentials_default_to_the_authlete_environment_variables() -> None:
    """AUTHLETE_SERVICE_APIKEY/ACCESSTOKEN/APISECRET are used when no argument is given."""
    environ = {
        "AUTHLETE_SERVICE_APIKEY": "4242",
        "AUTHLETE_SERVICE_ACCESSTOKEN": TOKEN,
        "AUTHLETE_SERVICE_APISECRET": SECRET,
    }
    kwargs = AuthleteEmulator(environ=environ).client_kwargs("http://127.0.0.1:1")
    assert kwargs["service_id"] == "4242"
    assert (kwargs["access_token"], kwargs["api_secret"]) == (TOKEN, SECRET)


def test_credentials_fall_back_to_the_development_defaults() -> None:
    """Without arguments or variables the exported DEFAULT_* values apply."""
    emulator = AuthleteEmulator(environ={"AUTHLETE_SERVICE_APIKEY": ""})
    kwargs = emulator.client_kwargs("http://127.0.0.1:1", api_version="V2")
    assert kwargs == {
        "base_url": "http://127.0.0.1:1",
        "api_version": "V2",
        "service_id": DEFAULT_SERVICE_ID,
        "access_token": DEFAULT_ACCESS_TOKEN,
        "api_secret": DEFAULT_API_SECRET,
    }


@pytest.mark.parametrize(
    "kwargs",
    [{"service_id": "../x"}, {"access_token": "has space"}, {"extra_service_ids": ["a/b"]}],
    ids=["service-id", "token", "extra-service-id"],
)
def test_unusable_credentials_are_refused_at_construction(kwargs: dict[str, object]) -> None:
    """Service ids that are not one path segment, or tokens with spaces, raise ValueError."""
    with pytest.raises(ValueError, match="must"):
        AuthleteEmulator(environ={}, **kwargs)  # type: ignore[arg-type]


def test_repr_shows_no_credential(emulator: AuthleteEmulator) -> None:
    """The emulator's repr names its services, never its token or secret."""
    text = repr(emulator)
    assert EXTRA_SERVICE_ID in text
    assert TOKEN not in text
    assert SECRET not in text
