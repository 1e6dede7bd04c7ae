"""The token endpoint handler: each action's status and headers, the steps an application
may give for the actions Authlete leaves to it, and what it answers without them."""

from __future__ import annotations

import json
import logging

import pytest
from aioresponses import aioresponses

from aioauthlete import AuthleteClient, TokenAction, TokenResponse
from aioauthlete.ciba import FURTHER_ACTIONS, ClientRequest, HttpAnswer, TokenHandler
from tests.ciba.conftest import Watch
from tests.ciba.support import ACCESS_TOKEN, AUTH_REQ_ID, BASIC, CLIENT_ID, CLIENT_SECRET, TOKEN_URL
from tests.unit.calls import sent, sent_json

BODY = f"grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id={AUTH_REQ_ID}"
REQUEST = ClientRequest(body=BODY, authorization=BASIC)
TOKENS = json.dumps({"access_token": ACCESS_TOKEN, "token_type": "Bearer"})


def answered(mocked: aioresponses, action: str, **fields: object) -> None:
    mocked.post(
        TOKEN_URL,
        payload={"resultCode": "A", "action": action, "responseContent": TOKENS, **fields},
    )


@pytest.mark.parametrize(
    ("action", "status"),
    [("OK", 200), ("BAD_REQUEST", 400), ("INVALID_CLIENT", 401), ("INTERNAL_SERVER_ERROR", 500)],
)
async def test_each_final_action_is_forwarded_with_its_status_and_headers(
    mocked: aioresponses, client: AuthleteClient, watch: Watch, action: str, status: int
) -> None:
    answered(mocked, action)
    answer = await TokenHandler(client).handle(REQUEST)
    assert (answer.status, answer.body) == (status, TOKENS)
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Type"] == "application/json"
    assert ("WWW-Authenticate" in answer.headers) is (action == "INVALID_CLIENT")
    if action == "INVALID_CLIENT":
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="token"'
    watch.add(answer)


async def test_the_ciba_poll_goes_to_authlete_with_the_basic_credentials(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    answered(mocked, "BAD_REQUEST", responseContent='{"error":"authorization_pending"}')
    answer = await TokenHandler(client).handle(REQUEST)
    assert (answer.status, json.loads(answer.body)) == (400, {"error": "authorization_pending"})
    assert sent_json(mocked, TOKEN_URL) == {
        "parameters": BODY,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
    }


async def test_a_dpop_proof_goes_with_the_method_and_the_url_without_query(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    answered(mocked, "OK", dpopNonce="n-123")
    request = ClientRequest(body=BODY, dpop="eyJproof", url="https://as.example/token?x=1")
    answer = await TokenHandler(client).handle(request)
    assert sent_json(mocked, TOKEN_URL) == {
        "parameters": BODY,
        "dpop": "eyJproof",
        "htm": "POST",
        "htu": "https://as.example/token",
    }
    assert answer.headers["DPoP-Nonce"] == "n-123"


@pytest.mark.parametrize("action", ["PASSWORD", "TOKEN_EXCHANGE", "JWT_BEARER", "NATIVE_SSO"])
async def test_a_grant_left_to_the_server_without_a_step_is_unsupported(
    mocked: aioresponses, client: AuthleteClient, action: str
) -> None:
    answered(mocked, action)
    answer = await TokenHandler(client).handle(REQUEST)
    assert answer.status == 400
    assert json.loads(answer.body)["error"] == "unsupported_grant_type"
    assert ACCESS_TOKEN not in answer.body


async def test_a_reissuable_id_token_without_a_step_still_returns_the_refreshed_tokens(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    answered(mocked, "ID_TOKEN_REISSUABLE")
    answer = await TokenHandler(client).handle(REQUEST)
    assert (answer.status, answer.body) == (200, TOKENS)


@pytest.mark.parametrize("action", sorted(FURTHER_ACTIONS))
async def test_a_step_answers_for_its_action(
    mocked: aioresponses, client: AuthleteClient, action: TokenAction
) -> None:
    seen: list[tuple[TokenResponse, ClientRequest]] = []

    async def step(response: TokenResponse, request: ClientRequest) -> HttpAnswer:
        seen.append((response, request))
        return HttpAnswer(status=200, headers={"Content-Type": "application/json"}, body="{}")

    answered(mocked, action, username="john")
    answer = await TokenHandler(client, steps={action: step}).handle(REQUEST)
    assert (answer.status, answer.body) == (200, "{}")
    [(response, request)] = seen
    assert (response.action, response.username, request) == (action, "john", REQUEST)


async def test_a_step_that_raises_answers_a_server_error(
    mocked: aioresponses, client: AuthleteClient, watch: Watch
) -> None:
    async def step(response: TokenResponse, request: ClientRequest) -> HttpAnswer:
        raise LookupError(f"no user for {ACCESS_TOKEN}")

    answered(mocked, "PASSWORD")
    handler = TokenHandler(client, steps={TokenAction.PASSWORD: step})
    answer = await handler.handle(REQUEST)
    assert (answer.status, answer.body) == (500, '{"error":"server_error"}')
    [record] = watch.records(logging.ERROR)
    assert "hook token step PASSWORD raised LookupError" in record.getMessage()


def test_steps_are_for_the_actions_authlete_leaves_to_the_server(client: AuthleteClient) -> None:
    async def step(response: TokenResponse, request: ClientRequest) -> HttpAnswer:
        raise AssertionError("never called")

    assert {a.value for a in FURTHER_ACTIONS} == {
        "PASSWORD",
        "TOKEN_EXCHANGE",
        "JWT_BEARER",
        "NATIVE_SSO",
        "ID_TOKEN_REISSUABLE",
    }
    with pytest.raises(ValueError, match="steps are for"):
        TokenHandler(client, steps={TokenAction.OK: step})


async def test_authlete_unreachable_answers_a_local_server_error(
    mocked: aioresponses, client: AuthleteClient, watch: Watch
) -> None:
    mocked.post(TOKEN_URL, status=503, payload={"resultCode": "X"}, repeat=True)
    answer = await TokenHandler(client).handle(REQUEST)
    assert (answer.status, answer.body) == (500, '{"error":"server_error"}')
    assert any("token call failed" in m for m in watch.messages(logging.ERROR))


async def test_a_body_over_the_clients_cap_is_an_invalid_request(mocked: aioresponses) -> None:
    from tests.ciba.support import test_client

    async with test_client(max_body_size=128) as client:
        answer = await TokenHandler(client).handle(ClientRequest(body="x=" + "y" * 200))
    assert json.loads(answer.body)["error"] == "invalid_request"
    assert sent(mocked, TOKEN_URL) == []
