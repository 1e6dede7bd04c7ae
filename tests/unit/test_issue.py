"""The issue operation: its request's checks, its answer, and a call through the client."""

from __future__ import annotations

import uuid

import pytest
from aioresponses import aioresponses

from aioauthlete import (
    AuthleteClient,
    AuthleteResponseError,
    BackchannelAuthenticationIssueRequest,
    BackchannelAuthenticationIssueResponse,
    FormRequest,
    IssueAction,
)
from aioauthlete._operations._answers import JSON_NO_STORE
from aioauthlete.operations import ISSUE
from tests.helpers import TICKET
from tests.unit.calls import sent, sent_form, sent_json, url_of

AUTH_REQ_ID = f"ARI-canary-{uuid.uuid4().hex}"
CONTENT = f'{{"auth_req_id":"{AUTH_REQ_ID}","expires_in":600,"interval":5}}'
ANSWER = {
    "resultCode": "A183001",
    "resultMessage": "[A183001] issued",
    "action": "OK",
    "authReqId": AUTH_REQ_ID,
    "expiresIn": 600,
    "interval": 5,
    "responseContent": CONTENT,
}


@pytest.mark.parametrize("bad", ["", "a\r\nb", "tab\there", "nul\x00", "\ud800"])
def test_a_ticket_that_is_empty_or_not_one_line_is_refused_without_echo(bad: str) -> None:
    with pytest.raises(ValueError, match="ticket must") as info:
        BackchannelAuthenticationIssueRequest(ticket=bad)
    if bad:
        assert bad not in str(info.value)


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["t"]])
def test_a_ticket_that_is_no_str_is_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="ticket must be a str"):
        BackchannelAuthenticationIssueRequest(ticket=bad)  # type: ignore[arg-type]


def test_the_ticket_is_required() -> None:
    with pytest.raises(TypeError):
        BackchannelAuthenticationIssueRequest()  # type: ignore[call-arg]


def test_reprs_show_the_ticket_and_the_auth_req_id_as_a_hash() -> None:
    request = BackchannelAuthenticationIssueRequest(ticket=TICKET)
    response = BackchannelAuthenticationIssueResponse(
        result_code="A", action=IssueAction.OK, auth_req_id=AUTH_REQ_ID
    )
    assert TICKET not in repr(request)
    assert AUTH_REQ_ID not in repr(response)
    assert "auth_req_id=<" in repr(response)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (IssueAction.INTERNAL_SERVER_ERROR, 500),
        (IssueAction.INVALID_TICKET, 500),
        (IssueAction.OK, 200),
    ],
)
def test_each_action_forwards_its_status_with_json_that_is_not_stored(
    action: IssueAction, status: int
) -> None:
    """An invalid ticket is the server's fault (500); OK's content is JSON, whatever the
    document's text/html says."""
    response = BackchannelAuthenticationIssueResponse(result_code="A", action=action)
    assert action.status_code == status
    assert response.headers == JSON_NO_STORE
    assert response.headers["Content-Type"] == "application/json"


def test_the_operation_names_the_call_by_its_ticket_and_converges() -> None:
    request = BackchannelAuthenticationIssueRequest(ticket=TICKET)
    assert ISSUE.names(request) == ("ticket", TICKET)
    assert tuple(ISSUE.secrets(request)) == ()
    assert ISSUE.converges is True


async def test_the_call_sends_the_ticket_and_returns_the_typed_answer(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    mocked.post(url_of(ISSUE), payload=ANSWER)
    response = await client.backchannel_authentication_issue(
        BackchannelAuthenticationIssueRequest(ticket=TICKET)
    )
    assert sent_json(mocked, url_of(ISSUE)) == {"ticket": TICKET}
    assert response == BackchannelAuthenticationIssueResponse(
        result_code="A183001",
        result_message="[A183001] issued",
        action=IssueAction.OK,
        auth_req_id=AUTH_REQ_ID,
        expires_in=600,
        interval=5,
        response_content=CONTENT,
    )
    assert response.action.status_code == 200


async def test_a_form_request_goes_form_encoded_to_its_own_service(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    url = url_of(ISSUE, "4242")
    mocked.post(url, payload=ANSWER)
    body = BackchannelAuthenticationIssueRequest(ticket=TICKET)
    await client.backchannel_authentication_issue(FormRequest(body=body, service_id="4242"))
    assert sent_form(mocked, url) == {"ticket": [TICKET]}


async def test_an_unknown_action_is_an_unusable_answer(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    """The enum stays exhaustive for ``match``: an action it lacks raises."""
    mocked.post(url_of(ISSUE), payload={**ANSWER, "action": "SOMETHING_NEW"})
    with pytest.raises(AuthleteResponseError, match="unusable answer"):
        await client.backchannel_authentication_issue(
            BackchannelAuthenticationIssueRequest(ticket=TICKET)
        )
    assert len(sent(mocked, url_of(ISSUE))) == 1


async def test_unknown_answer_fields_are_ignored(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    mocked.post(url_of(ISSUE), payload={**ANSWER, "newField": {"x": [1]}})
    response = await client.backchannel_authentication_issue(
        BackchannelAuthenticationIssueRequest(ticket=TICKET)
    )
    assert response.auth_req_id == AUTH_REQ_ID
