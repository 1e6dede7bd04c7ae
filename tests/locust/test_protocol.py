"""aioauthlete.protocol, the public surface a non-asyncio transport (the Locust user) uses.

Everything here runs in the pytest process: the protocol layer imports neither gevent nor
Locust, and does no I/O.
"""

from __future__ import annotations

import json

import pytest

from aioauthlete import (
    AuthleteApiError,
    AuthleteClient,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTransportError,
    FailAction,
    FormRequest,
    IssueAction,
    operations,
)
from aioauthlete._operations._issue import BackchannelAuthenticationIssueRequest
from aioauthlete.protocol import Service, read_answer
from tests.helpers import OK_BODY, SECRET, SERVICE_ID, TICKET, TOKEN, fail_request

BASE = "https://us.authlete.com"


def service(**overrides: object) -> Service:
    settings: dict[str, object] = {"service_id": SERVICE_ID, "access_token": TOKEN}
    settings.update(overrides)
    return Service(**settings)  # type: ignore[arg-type]


def answer_of(body: object, status: int = 200) -> tuple[int, str, bytes, None]:
    return status, "application/json", json.dumps(body).encode(), None


async def test_prepare_gives_the_url_headers_and_body_the_client_sends() -> None:
    """The same request bytes as AuthleteClient's own (the client holds a Service)."""
    async with AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN) as client:
        theirs = client._service.prepare(operations.FAIL, fail_request())
    ours = service().prepare(operations.FAIL, fail_request())
    assert isinstance(client._service, Service)
    assert ours.url == theirs.url == f"{BASE}/api/{SERVICE_ID}/backchannel/authentication/fail"
    assert dict(ours.headers) == dict(theirs.headers)
    assert ours.headers["Authorization"] == f"Bearer {TOKEN}"
    assert (
        ours.body
        == theirs.body
        == json.dumps({"ticket": TICKET, "reason": "ACCESS_DENIED"}, separators=(",", ":")).encode()
    )


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"base_url": "http://authlete.example"}, ValueError, "https"),
        ({"base_url": BASE, "region": "us"}, ValueError, "not both"),
        ({"access_token": None}, ValueError, "needs access_token"),
        ({"api_version": "V2"}, ValueError, "needs api_secret"),
        ({"access_token": "has space"}, ValueError, "visible ASCII"),
        ({"service_id": "../x"}, ValueError, "one path segment"),
        ({"max_body_size": 0}, ValueError, "max_body_size"),
    ],
)
def test_a_service_is_checked_as_the_client_is(
    overrides: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        service(**overrides)
    with pytest.raises(error, match=message):
        AuthleteClient(**{"service_id": SERVICE_ID, "access_token": TOKEN, **overrides})  # type: ignore[arg-type]
    assert TOKEN not in str(info.value)


def test_from_env_reads_the_clients_variables_and_overrides_win() -> None:
    environ = {
        "AUTHLETE_BASE_URL": "http://127.0.0.1:9",
        "AUTHLETE_API_VERSION": "v2",
        "AUTHLETE_SERVICE_APIKEY": SERVICE_ID,
        "AUTHLETE_SERVICE_APISECRET": SECRET,
    }
    v2 = Service.from_env(environ)
    assert (v2.base_url, v2.service_id, v2.api_version) == ("http://127.0.0.1:9", SERVICE_ID, "V2")
    assert v2.prepare(operations.FAIL, fail_request()).url.endswith(
        "/api/backchannel/authentication/fail"
    )
    moved = Service.from_env(environ, base_url="http://localhost:8")
    assert moved.base_url == "http://localhost:8"
    with pytest.raises(ValueError, match="AUTHLETE_SERVICE_APIKEY"):
        Service.from_env({})


def test_the_repr_of_a_service_and_a_prepared_request_shows_no_secret() -> None:
    v3, v2 = service(), service(api_version="V2", api_secret=SECRET)
    prepared = v3.prepare(operations.FAIL, fail_request())
    shown = repr(v3) + repr(v2) + repr(prepared) + repr(prepared.headers)
    assert TOKEN not in shown
    assert SECRET not in shown
    assert TICKET not in shown
    assert f"service_id={SERVICE_ID}" in repr(v3)


def test_read_answer_gives_the_typed_response_and_every_action_is_an_answer() -> None:
    prepared = service().prepare(operations.FAIL, fail_request())
    response = read_answer(prepared, *answer_of(OK_BODY))
    assert response.action is FailAction.FORBIDDEN
    server_error = read_answer(prepared, *answer_of({**OK_BODY, "action": "INTERNAL_SERVER_ERROR"}))
    assert server_error.action is FailAction.INTERNAL_SERVER_ERROR
    issue = service().prepare(
        operations.ISSUE, FormRequest(body=BackchannelAuthenticationIssueRequest(ticket=TICKET))
    )
    assert issue.headers["Content-Type"] == "application/x-www-form-urlencoded"
    answered = read_answer(
        issue, *answer_of({"resultCode": "A1", "action": "OK", "authReqId": "r" * 20})
    )
    assert answered.action is IssueAction.OK


@pytest.mark.parametrize(
    ("status", "content_type", "body", "retry_after", "error", "text"),
    [
        (500, "application/json", b'{"resultCode":"A001101","resultMessage":"x"}', None,
         AuthleteApiError, "HTTP 500 A001101: x"),
        (429, "application/json", b"{}", "3", AuthleteApiError, "Retry-After 3 s"),
        (200, "text/html", b"<html>", None, AuthleteResponseError, "not JSON"),
        (200, "application/json", b'{"action":"NEW"}', None, AuthleteResponseError, "unusable"),
        (302, None, b"", None, AuthleteResponseError, "redirect refused"),
        (999, None, b"", None, AuthleteTransportError, "garbled status line"),
    ],
)  # fmt: skip
def test_read_answer_raises_the_error_the_answer_stands_for(
    status: int,
    content_type: str | None,
    body: bytes,
    retry_after: str | None,
    error: type[AuthleteError],
    text: str,
) -> None:
    prepared = service().prepare(operations.FAIL, fail_request())
    with pytest.raises(error) as info:
        read_answer(prepared, status, content_type, body, retry_after)
    assert text in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.attempts == 1


def test_read_answer_masks_an_echoed_credential_and_shows_the_ticket_as_its_hash() -> None:
    prepared = service().prepare(operations.FAIL, fail_request())
    echoed = {**OK_BODY, "resultMessage": f"Bearer {TOKEN}", "responseContent": TOKEN}
    response = read_answer(prepared, *answer_of(echoed))
    shown = f"{response!r} {response.result_message} {response.response_content}"
    assert TOKEN not in shown
    complaint = {"resultCode": "A1", "resultMessage": f"no ticket {TICKET} for {TOKEN}"}
    with pytest.raises(AuthleteApiError) as info:
        read_answer(prepared, *answer_of(complaint, status=400))
    assert TOKEN not in str(info.value)
    assert TICKET not in str(info.value)
    assert "<ticket " in str(info.value)


def test_bodies_over_the_cap_are_refused_both_ways() -> None:
    small = service(max_body_size=60)
    prepared = small.prepare(operations.FAIL, fail_request(ticket="t"))
    with pytest.raises(AuthleteResponseError, match="body exceeds the 60-byte cap"):
        read_answer(prepared, 200, "application/json", b" " * 61, None)
    with pytest.raises(ValueError, match="over the 60-byte cap"):
        small.prepare(operations.FAIL, fail_request(ticket="t" * 60))
