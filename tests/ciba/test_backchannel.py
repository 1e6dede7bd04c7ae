"""The backchannel authentication handler: Authlete's error actions forwarded, the hooks'
ladder with a fail call at each refusal, issue and the device step, and what happens when
a hook or an Authlete call fails."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from aioauthlete import AuthleteClient, HintType
from aioauthlete._operations._answers import JSON_NO_STORE
from aioauthlete.ciba import BackchannelAuthenticationHandler, ClientRequest, CompleteHandler
from tests.ciba.hooks import ScriptedHooks
from tests.ciba.support import (
    AUTH_REQ_ID,
    AUTHENTICATION_URL,
    BASIC,
    BODY,
    CLIENT_ID,
    CLIENT_SECRET,
    FAIL_URL,
    HINT_TOKEN,
    ISSUE_URL,
    ISSUED,
    ISSUED_CONTENT,
    REQUEST,
    TICKET,
    USER_CODE,
    answers_identification,
    fail_reason,
    failed,
)
from tests.unit.calls import sent, sent_json


@pytest.mark.parametrize(
    ("action", "status"),
    [("BAD_REQUEST", 400), ("UNAUTHORIZED", 401), ("INTERNAL_SERVER_ERROR", 500)],
)
async def test_an_error_action_is_forwarded_with_its_status_headers_and_content(
    mocked: aioresponses,
    handler: BackchannelAuthenticationHandler[str],
    hooks: ScriptedHooks,
    action: str,
    status: int,
) -> None:
    content = '{"error":"invalid_request"}'
    mocked.post(
        AUTHENTICATION_URL,
        payload={"resultCode": "A", "action": action, "responseContent": content},
    )
    answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (status, content)
    assert answer.headers["Cache-Control"] == "no-store"
    if action == "UNAUTHORIZED":
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="backchannel/authentication"'
    else:
        assert dict(answer.headers) == dict(JSON_NO_STORE)
    assert hooks.calls == []


async def test_basic_credentials_and_the_certificate_go_to_authlete_with_the_body(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str]
) -> None:
    mocked.post(AUTHENTICATION_URL, payload={"resultCode": "A", "action": "BAD_REQUEST"})
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    await handler.handle(ClientRequest(body=BODY, authorization=BASIC, client_certificate=pem))
    assert sent_json(mocked, AUTHENTICATION_URL) == {
        "parameters": BODY,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "clientCertificate": pem,
    }


async def test_without_basic_credentials_they_are_left_to_the_body(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str]
) -> None:
    mocked.post(AUTHENTICATION_URL, payload={"resultCode": "A", "action": "BAD_REQUEST"})
    await handler.handle(ClientRequest(body=BODY, authorization="Bearer something"))
    assert sent_json(mocked, AUTHENTICATION_URL) == {"parameters": BODY}


async def test_an_identified_user_gets_an_auth_req_id_before_the_device_step_ends(
    mocked: aioresponses,
    handler: BackchannelAuthenticationHandler[str],
    hooks: ScriptedHooks,
) -> None:
    answers_identification(mocked)
    mocked.post(ISSUE_URL, payload=ISSUED)
    hooks.release.clear()  # the user has not answered yet
    answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (200, ISSUED_CONTENT)
    assert dict(answer.headers) == dict(JSON_NO_STORE)
    assert sent_json(mocked, ISSUE_URL) == {"ticket": TICKET}
    await hooks.started.wait()
    assert handler.running == 1
    hooks.release.set()
    await handler.drain()
    assert handler.running == 0
    assert hooks.called == [
        "find_user",
        "is_valid_binding_message",
        "start_authentication",
    ]
    assert hooks.calls[0] == ("find_user", (HintType.LOGIN_HINT, "john", None))


async def test_the_device_step_is_given_the_ticket_user_and_request(
    mocked: aioresponses,
    handler: BackchannelAuthenticationHandler[str],
    hooks: ScriptedHooks,
) -> None:
    answers_identification(mocked, userCode=USER_CODE)
    mocked.post(ISSUE_URL, payload=ISSUED)
    await handler.handle(REQUEST)
    await handler.drain()
    [device] = hooks.devices
    assert (device.ticket, device.user, device.auth_req_id) == (TICKET, "john", AUTH_REQ_ID)
    assert device.scopes == ("openid", "email")
    assert (device.claim_names, device.acrs) == (("email",), ("loa2",))
    assert (device.binding_message, device.user_code) == ("W4SCT", USER_CODE)
    assert (device.requested_expiry, device.expires_in) == (120, 120)
    assert (device.client_id, device.client_name) == (1234, "CIBA client")
    assert device.delivery_mode == "PING"
    assert device.authentication.ticket == TICKET


async def test_an_unknown_user_fails_the_ticket_and_answers_the_fail_response(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    hooks = ScriptedHooks(user=None)
    answers_identification(mocked)
    content = '{"error":"unknown_user_id"}'
    mocked.post(
        FAIL_URL, payload={"resultCode": "A", "action": "BAD_REQUEST", "responseContent": content}
    )
    async with CompleteHandler(client) as complete:
        handler = BackchannelAuthenticationHandler(client, hooks, complete=complete)
        answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (400, content)
    assert sent_json(mocked, FAIL_URL) == {"ticket": TICKET, "reason": "UNKNOWN_USER_ID"}
    assert hooks.called == ["find_user"]
    assert sent(mocked, ISSUE_URL) == []


async def test_an_expired_login_hint_token_fails_the_ticket(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked, hintType="LOGIN_HINT_TOKEN", hint=HINT_TOKEN)
    mocked.post(FAIL_URL, payload=failed("EXPIRED_LOGIN_HINT_TOKEN"))
    hooks.expired = True
    answer = await handler.handle(REQUEST)
    assert answer.status == 400
    assert fail_reason(mocked) == "EXPIRED_LOGIN_HINT_TOKEN"
    assert hooks.calls[1] == ("is_login_hint_token_expired", (HINT_TOKEN,))


async def test_the_expiry_is_asked_of_login_hint_tokens_only(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked, hintType="ID_TOKEN_HINT", hint="eyJ", sub="john")
    mocked.post(ISSUE_URL, payload=ISSUED)
    hooks.expired = True
    assert (await handler.handle(REQUEST)).status == 200
    assert "is_login_hint_token_expired" not in hooks.called
    assert hooks.calls[0] == ("find_user", (HintType.ID_TOKEN_HINT, "eyJ", "john"))


async def test_a_required_user_code_that_is_missing_fails_the_ticket(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked, userCodeRequired=True)
    mocked.post(FAIL_URL, payload=failed("MISSING_USER_CODE"))
    assert (await handler.handle(REQUEST)).status == 400
    assert fail_reason(mocked) == "MISSING_USER_CODE"
    assert "is_valid_user_code" not in hooks.called


@pytest.mark.parametrize("required", [True, False])
async def test_a_user_code_given_is_checked_whether_required_or_not(
    mocked: aioresponses,
    handler: BackchannelAuthenticationHandler[str],
    hooks: ScriptedHooks,
    required: bool,
) -> None:
    answers_identification(mocked, userCode=USER_CODE, userCodeRequired=required)
    mocked.post(FAIL_URL, payload=failed("INVALID_USER_CODE"))
    hooks.code_valid = False
    assert (await handler.handle(REQUEST)).status == 400
    assert fail_reason(mocked) == "INVALID_USER_CODE"
    assert ("is_valid_user_code", ("john", USER_CODE)) in hooks.calls


async def test_no_user_code_and_none_required_asks_nothing(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked, bindingMessage=None)
    mocked.post(ISSUE_URL, payload=ISSUED)
    assert (await handler.handle(REQUEST)).status == 200
    assert hooks.called[:1] == ["find_user"]
    assert "is_valid_user_code" not in hooks.called
    assert "is_valid_binding_message" not in hooks.called


async def test_an_invalid_binding_message_fails_the_ticket(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked)
    mocked.post(FAIL_URL, payload=failed("INVALID_BINDING_MESSAGE"))
    hooks.message_valid = False
    assert (await handler.handle(REQUEST)).status == 400
    assert fail_reason(mocked) == "INVALID_BINDING_MESSAGE"
    assert ("is_valid_binding_message", ("W4SCT",)) in hooks.calls
    assert sent(mocked, ISSUE_URL) == []
