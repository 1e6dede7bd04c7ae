"""The complete operation: the subject rule, its reprs and secrets, its answer, and a call
through the client."""

from __future__ import annotations

import uuid

import attrs
import pytest
from aioresponses import aioresponses

from aioauthlete import (
    AuthleteApiError,
    AuthleteClient,
    BackchannelAuthenticationCompleteRequest,
    BackchannelAuthenticationCompleteResponse,
    CompleteAction,
    CompleteResult,
    DeliveryMode,
    FormRequest,
    Property,
)
from aioauthlete._operations._answers import JSON_NO_STORE
from aioauthlete.operations import COMPLETE
from tests.helpers import TICKET
from tests.unit.calls import sent, sent_form, sent_json, url_of

ACCESS_TOKEN = f"AT-canary-{uuid.uuid4().hex}"
REFRESH_TOKEN = f"RT-canary-{uuid.uuid4().hex}"
ID_TOKEN = f"IDT-canary-{uuid.uuid4().hex}"
JWT_ACCESS_TOKEN = f"JAT-canary-{uuid.uuid4().hex}"
NOTIFICATION_TOKEN = f"CNT-canary-{uuid.uuid4().hex}"
AUTH_REQ_ID = f"ARI-canary-{uuid.uuid4().hex}"
PUSHED = f'{{"auth_req_id":"{AUTH_REQ_ID}","access_token":"{ACCESS_TOKEN}"}}'
ANSWER = {
    "resultCode": "A198001",
    "action": "NOTIFICATION",
    "deliveryMode": "PUSH",
    "clientId": 1234,
    "clientNotificationEndpoint": "https://client.example/cb",
    "clientNotificationToken": NOTIFICATION_TOKEN,
    "authReqId": AUTH_REQ_ID,
    "accessToken": ACCESS_TOKEN,
    "refreshToken": REFRESH_TOKEN,
    "idToken": ID_TOKEN,
    "accessTokenDuration": 3600,
    "responseContent": PUSHED,
}


def authorized(**fields: object) -> BackchannelAuthenticationCompleteRequest:
    values: dict[str, object] = {"ticket": TICKET, "result": "AUTHORIZED", "subject": "john"}
    return BackchannelAuthenticationCompleteRequest(**{**values, **fields})  # type: ignore[arg-type]


def test_authorized_without_a_subject_is_refused_before_any_io() -> None:
    with pytest.raises(ValueError, match="subject is required when result is AUTHORIZED"):
        BackchannelAuthenticationCompleteRequest(ticket=TICKET, result=CompleteResult.AUTHORIZED)
    denied = BackchannelAuthenticationCompleteRequest(
        ticket=TICKET, result=CompleteResult.ACCESS_DENIED
    )
    with pytest.raises(ValueError, match="subject is required"):
        attrs.evolve(denied, result=CompleteResult.AUTHORIZED)


@pytest.mark.parametrize("result", [CompleteResult.ACCESS_DENIED, "TRANSACTION_FAILED"])
def test_other_results_need_no_subject(result: CompleteResult | str) -> None:
    value = BackchannelAuthenticationCompleteRequest(ticket=TICKET, result=result)  # type: ignore[arg-type]
    assert value.subject is None
    assert value.result is CompleteResult(result)
    assert COMPLETE.encode_json(value) == f'{{"ticket":"{TICKET}","result":"{result}"}}'.encode()


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"result": None}, ValueError, "CompleteResult"),
        ({"result": "authorized"}, ValueError, "CompleteResult"),
        ({"ticket": None}, TypeError, "ticket must be a str"),
        ({"ticket": "a\nb"}, ValueError, "ticket must not contain control characters"),
        ({"subject": ""}, ValueError, "subject must not be empty"),
        ({"subject": "john\r\nX-Injected: 1"}, ValueError, "subject must not contain control"),
        ({"subject": "\udfff"}, ValueError, "subject must be valid Unicode"),
        ({"claims": "{\ud800}"}, ValueError, "claims must be valid Unicode"),
        ({"auth_time": "1700000000"}, TypeError, "auth_time must be an int"),
        ({"auth_time": True}, TypeError, "auth_time must be an int"),
        ({"properties": [{"key": "k"}]}, TypeError, "Property items"),
        ({"scopes": "openid"}, TypeError, "sequence"),
    ],
    ids=[
        "result-none",
        "result-lower-case",
        "ticket-none",
        "ticket-line-break",
        "subject-empty",
        "subject-header-injection",
        "subject-lone-surrogate",
        "claims-lone-surrogate",
        "auth-time-text",
        "auth-time-bool",
        "properties-dicts",
        "scopes-one-string",
    ],
)
def test_bad_values_are_refused_at_construction(
    fields: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        authorized(**fields)


def test_body_text_may_hold_line_breaks() -> None:
    value = authorized(sub="a\nb", claims='{\n "name": "John"\n}', acr="urn:\tloa")
    assert value.claims == '{\n "name": "John"\n}'


def test_reprs_hide_the_ticket_and_every_token() -> None:
    request = authorized(access_token=ACCESS_TOKEN)
    response = BackchannelAuthenticationCompleteResponse(
        result_code="A",
        action=CompleteAction.NOTIFICATION,
        access_token=ACCESS_TOKEN,
        refresh_token=REFRESH_TOKEN,
        id_token=ID_TOKEN,
        jwt_access_token=JWT_ACCESS_TOKEN,
        client_notification_token=NOTIFICATION_TOKEN,
        auth_req_id=AUTH_REQ_ID,
        response_content=PUSHED,
    )
    assert TICKET not in repr(request)
    assert ACCESS_TOKEN not in repr(request)
    for secret in (ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, JWT_ACCESS_TOKEN, NOTIFICATION_TOKEN):
        assert secret not in repr(response)
    assert AUTH_REQ_ID not in repr(response)
    assert f"response_content=<{len(PUSHED)} characters>" in repr(response)


def test_nothing_is_forwarded_so_actions_have_no_status() -> None:
    """The caller notifies the client (or does nothing): no action has a status code."""
    assert all(not hasattr(action, "status_code") for action in CompleteAction)
    response = BackchannelAuthenticationCompleteResponse(
        result_code="A", action=CompleteAction.NOTIFICATION
    )
    assert response.headers == JSON_NO_STORE


def test_the_operation_names_the_ticket_hides_the_access_token_and_does_not_converge() -> None:
    assert COMPLETE.names(authorized()) == ("ticket", TICKET)
    assert tuple(COMPLETE.secrets(authorized(access_token=ACCESS_TOKEN))) == (ACCESS_TOKEN,)
    assert tuple(COMPLETE.secrets(authorized())) == ()
    assert COMPLETE.converges is False


async def test_the_call_sends_json_and_returns_the_typed_answer(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    mocked.post(url_of(COMPLETE), payload=ANSWER)
    response = await client.backchannel_authentication_complete(
        authorized(auth_time=1700000000, properties=[Property(key="k", value="v", hidden=True)])
    )
    assert sent_json(mocked, url_of(COMPLETE)) == {
        "ticket": TICKET,
        "result": "AUTHORIZED",
        "subject": "john",
        "authTime": 1700000000,
        "properties": [{"key": "k", "value": "v", "hidden": True}],
    }
    assert response.action is CompleteAction.NOTIFICATION
    assert response.delivery_mode is DeliveryMode.PUSH
    assert response.access_token == ACCESS_TOKEN
    assert response.response_content == PUSHED
    assert response.client_notification_endpoint == "https://client.example/cb"


async def test_a_form_request_repeats_list_keys_and_refuses_nested_objects(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    url = url_of(COMPLETE, "4242")
    mocked.post(url, payload=ANSWER)
    body = authorized(scopes=["openid", "email"])
    await client.backchannel_authentication_complete(FormRequest(body=body, service_id="4242"))
    assert sent_form(mocked, url) == {
        "ticket": [TICKET],
        "result": ["AUTHORIZED"],
        "subject": ["john"],
        "scopes": ["openid", "email"],
    }
    nested = authorized(properties=[Property(key="k")])
    with pytest.raises(ValueError, match="properties cannot be form-encoded"):
        await client.backchannel_authentication_complete(FormRequest(body=nested))
    assert len(sent(mocked, url)) == 1


async def test_a_502_that_may_have_minted_tokens_is_not_retried(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    mocked.post(url_of(COMPLETE), status=502, body="bad gateway")
    mocked.post(url_of(COMPLETE), payload=ANSWER)
    with pytest.raises(AuthleteApiError) as info:
        await client.backchannel_authentication_complete(authorized())
    assert info.value.status == 502
    assert len(sent(mocked, url_of(COMPLETE))) == 1
