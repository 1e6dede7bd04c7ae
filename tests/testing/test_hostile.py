"""Hostile bodies get the emulator's documented answers, never a 500 of its own: deep
nesting, lone surrogates, numbers too long to read, hints that only look like JWTs."""

from __future__ import annotations

import base64
import json

import pytest

from aioauthlete.testing import DEFAULT_POLL_CLIENT, AuthleteEmulator, EmulatorResult
from tests.testing.support import (
    AUTHENTICATION_API,
    COMPLETE_API,
    FAIL_API,
    ISSUE_API,
    TOKEN_API,
    Caller,
    Flow,
    api_path,
    ciba_request,
)

POLL = DEFAULT_POLL_CLIENT
DEEP = "[" * 100_000 + "]" * 100_000
UNREADABLE = {
    AUTHENTICATION_API: EmulatorResult.AUTHENTICATION_UNREADABLE_BODY,
    ISSUE_API: EmulatorResult.ISSUE_UNREADABLE_BODY,
    FAIL_API: EmulatorResult.UNREADABLE_BODY,
    COMPLETE_API: EmulatorResult.COMPLETE_UNREADABLE_BODY,
    TOKEN_API: EmulatorResult.TOKEN_UNREADABLE_BODY,
}


def _raw_json(body: dict[str, str]) -> bytes:
    """JSON with non-ASCII escaped, so that a lone surrogate travels as \\ud800."""
    return json.dumps(body).encode("ascii")


@pytest.mark.parametrize("api_name", list(UNREADABLE))
async def test_deeply_nested_json_is_an_unreadable_body(api: Caller, api_name: str) -> None:
    """JSON nested past the decoder's recursion limit is a 400, as any unreadable body."""
    reply = await api.post(api_path(api_name), data=DEEP.encode(), content_type="application/json")
    assert reply.status == 400
    assert reply.json() == UNREADABLE[api_name].body()


async def test_lone_surrogate_in_a_fail_description_is_answered_escaped(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """A description with a lone surrogate fails the ticket and comes back as the JSON
    escape, instead of a 500 after the ticket was already deleted."""
    [ticket] = emulator.tickets.issue_tickets(1)
    body = {"ticket": ticket, "reason": "ACCESS_DENIED", "errorDescription": "x\ud800y"}
    reply = await api.post(data=_raw_json(body), content_type="application/json")
    assert reply.status == 200
    assert reply.json()["action"] == "FORBIDDEN"
    assert reply.content()["error_description"] == "x\ud800y"


async def test_lone_surrogate_in_a_hint_is_passed_on(api: Caller) -> None:
    """A hint the client sent with a lone surrogate is reported as it came."""
    parameters = ciba_request(POLL, login_hint="HINT").replace("HINT", "al\udfffice")
    body = {"parameters": parameters}
    reply = await api.post(
        api_path(AUTHENTICATION_API), data=_raw_json(body), content_type="application/json"
    )
    assert reply.status == 200
    assert reply.json()["hint"] == "al\udfffice"


async def test_lone_surrogate_as_a_client_secret_is_invalid_client(api: Caller) -> None:
    """A secret that cannot even be encoded is just a wrong secret."""
    parameters = ciba_request(POLL, client_secret="SECRET").replace("SECRET", "\ud800")
    body = {"parameters": parameters}
    reply = await api.post(
        api_path(AUTHENTICATION_API), data=_raw_json(body), content_type="application/json"
    )
    assert reply.json()["action"] == "UNAUTHORIZED"


async def test_requested_expiry_too_long_to_read_is_bad_request(flow: Flow) -> None:
    """5,000 digits (past Python's int conversion limit) or past int32: the expiry rule."""
    for expiry in ("9" * 5000, str(2**31)):
        reply = await flow.authenticate(POLL, requested_expiry=expiry)
        assert reply.json()["resultCode"] == EmulatorResult.AUTHENTICATION_REQUESTED_EXPIRY.code


async def test_form_number_too_long_to_read_is_a_bad_parameter(flow: Flow, api: Caller) -> None:
    """A form's authTime of 5,000 digits is a wrong type, not a crash."""
    ticket, _ = await flow.auth_req_id(POLL)
    reply = await api.post(
        api_path(COMPLETE_API),
        form={"ticket": ticket, "result": "ACCESS_DENIED", "authTime": "1" * 5000},
    )
    assert reply.json()["resultCode"] == EmulatorResult.COMPLETE_BAD_PARAMETER.code


async def test_deeply_nested_claims_are_a_bad_parameter(flow: Flow) -> None:
    """claims that nest past the decoder's limit are refused as not a JSON object."""
    ticket, _ = await flow.auth_req_id(POLL)
    reply = await flow.complete(ticket, claims=DEEP)
    assert reply.json()["resultCode"] == EmulatorResult.COMPLETE_BAD_PARAMETER.code


async def test_id_token_hint_with_a_deeply_nested_payload_is_not_an_id_token(
    flow: Flow,
) -> None:
    """A JWT-shaped hint whose payload nests past the limit is no ID token."""
    payload = base64.urlsafe_b64encode(DEEP.encode()).rstrip(b"=").decode()
    reply = await flow.authenticate(POLL, login_hint=None, id_token_hint=f"e30.{payload}.x")
    assert reply.json()["resultCode"] == EmulatorResult.AUTHENTICATION_ID_TOKEN_HINT.code


async def test_token_request_with_a_huge_form_is_answered(flow: Flow) -> None:
    """Half a megabyte of parameters is read and judged (here: an unknown auth_req_id)."""
    reply = await flow.token(POLL, "x" * 500_000)
    assert reply.content()["error"] == "invalid_grant"
