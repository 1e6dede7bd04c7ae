"""The backchannel authentication handler when something fails: a hook that raises, a
cancellation, the device step, closing, and Authlete calls that fail or answer oddly."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest
from aioresponses import aioresponses

from aioauthlete import AuthleteClient
from aioauthlete.ciba import BackchannelAuthenticationHandler, ClientRequest, CompleteHandler
from tests.ciba.conftest import Watch
from tests.ciba.hooks import ScriptedHooks, failing
from tests.ciba.support import (
    AUTHENTICATION_URL,
    COMPLETE_URL,
    FAIL_URL,
    HINT_TOKEN,
    ISSUE_URL,
    ISSUED,
    REQUEST,
    TICKET,
    USER_CODE,
    answers_identification,
    completed,
    fail_reason,
    failed,
    test_client,
)
from tests.unit.calls import sent, sent_json


@pytest.mark.parametrize(
    "hook",
    ["find_user", "is_login_hint_token_expired", "is_valid_user_code", "is_valid_binding_message"],
)
async def test_a_hook_that_raises_fails_the_ticket_as_a_server_error(
    mocked: aioresponses,
    handler: BackchannelAuthenticationHandler[str],
    hooks: ScriptedHooks,
    watch: Watch,
    hook: str,
) -> None:
    answers_identification(mocked, hintType="LOGIN_HINT_TOKEN", hint=HINT_TOKEN, userCode=USER_CODE)
    content = '{"error":"server_error"}'
    mocked.post(
        FAIL_URL,
        payload={"resultCode": "A", "action": "INTERNAL_SERVER_ERROR", "responseContent": content},
    )
    hooks.raises[hook] = failing(hook)
    answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (500, content)
    assert fail_reason(mocked) == "SERVER_ERROR"
    assert hooks.called[-1] == hook
    [record] = watch.records(logging.ERROR)
    assert f"hook {hook} raised RuntimeError" in record.getMessage()
    assert "broke on user code" not in record.getMessage()  # the message may quote secrets
    assert "hooks.py" in record.getMessage()  # where it was raised


async def test_a_cancellation_inside_a_hook_is_not_swallowed(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked)
    hooks.raises["find_user"] = asyncio.CancelledError()
    with pytest.raises(asyncio.CancelledError):
        await handler.handle(REQUEST)
    assert sent(mocked, FAIL_URL) == []


async def test_a_device_step_that_raises_completes_the_ticket_as_failed(
    mocked: aioresponses,
    handler: BackchannelAuthenticationHandler[str],
    hooks: ScriptedHooks,
    watch: Watch,
) -> None:
    answers_identification(mocked)
    mocked.post(ISSUE_URL, payload=ISSUED)
    mocked.post(COMPLETE_URL, payload=completed("NO_ACTION"))
    hooks.raises["start_authentication"] = failing("start_authentication")
    assert (await handler.handle(REQUEST)).status == 200
    await handler.drain()
    assert sent_json(mocked, COMPLETE_URL) == {
        "ticket": TICKET,
        "result": "TRANSACTION_FAILED",
        "errorDescription": "The authentication device step failed.",
    }
    [record] = watch.records(logging.ERROR)
    assert "hook start_authentication raised RuntimeError" in record.getMessage()


async def test_closing_cancels_the_device_steps_and_later_requests_fail(
    mocked: aioresponses, client: AuthleteClient, hooks: ScriptedHooks
) -> None:
    answers_identification(mocked)
    mocked.post(ISSUE_URL, payload=ISSUED)
    hooks.release.clear()
    async with CompleteHandler(client) as complete:
        handler = BackchannelAuthenticationHandler(client, hooks, complete=complete)
        await handler.handle(REQUEST)
        await hooks.started.wait()
        [step] = handler._steps
        await handler.aclose()
        assert step.cancelled()
        assert handler.running == 0
        answers_identification(mocked)
        mocked.post(FAIL_URL, payload=failed("SERVER_ERROR", "INTERNAL_SERVER_ERROR"))
        assert (await handler.handle(REQUEST)).status == 500
    assert fail_reason(mocked) == "SERVER_ERROR"
    assert sent(mocked, COMPLETE_URL) == []


async def test_authlete_unreachable_for_authentication_answers_a_local_server_error(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], watch: Watch
) -> None:
    mocked.post(AUTHENTICATION_URL, status=503, payload={"resultCode": "X"}, repeat=True)
    answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (500, '{"error":"server_error"}')
    assert answer.headers["Cache-Control"] == "no-store"
    assert any("authentication call failed" in m for m in watch.messages(logging.ERROR))


async def test_a_failed_fail_call_answers_the_locally_built_error_of_its_reason(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    answers_identification(mocked)
    mocked.post(FAIL_URL, exception=aiohttp.ClientConnectionError("down"), repeat=True)
    async with CompleteHandler(client) as complete:
        handler = BackchannelAuthenticationHandler(client, ScriptedHooks(None), complete=complete)
        answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (400, '{"error":"unknown_user_id"}')


async def test_a_failed_issue_call_answers_a_local_server_error_and_starts_nothing(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked)
    mocked.post(ISSUE_URL, status=500, payload={"resultCode": "X"}, repeat=True)
    answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (500, '{"error":"server_error"}')
    assert handler.running == 0
    assert hooks.devices == []


async def test_an_invalid_ticket_at_issue_is_forwarded_and_starts_nothing(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked)
    content = '{"error":"server_error"}'
    mocked.post(
        ISSUE_URL,
        payload={"resultCode": "A", "action": "INVALID_TICKET", "responseContent": content},
    )
    answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (500, content)
    assert hooks.devices == []


async def test_user_identification_without_a_ticket_answers_a_server_error(
    mocked: aioresponses, handler: BackchannelAuthenticationHandler[str], hooks: ScriptedHooks
) -> None:
    answers_identification(mocked, ticket=None)
    answer = await handler.handle(REQUEST)
    assert (answer.status, json.loads(answer.body)) == (500, {"error": "server_error"})
    assert hooks.calls == []


async def test_a_body_over_the_clients_cap_is_an_invalid_request_and_nothing_is_sent(
    mocked: aioresponses, hooks: ScriptedHooks
) -> None:
    async with test_client(max_body_size=256) as client, CompleteHandler(client) as complete:
        handler = BackchannelAuthenticationHandler(client, hooks, complete=complete)
        answer = await handler.handle(ClientRequest(body="scope=" + "x" * 300))
    assert (answer.status, json.loads(answer.body)["error"]) == (400, "invalid_request")
    assert sent(mocked, AUTHENTICATION_URL) == []
