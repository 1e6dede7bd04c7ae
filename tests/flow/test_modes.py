"""The whole flow in each delivery mode, as a spec-only CIBA client sees it: approval,
denial, expiry, an unknown user and a wrong client secret."""

from __future__ import annotations

import asyncio

import pytest

from tests.flow.conftest import MODES, Client
from tests.flow.specclient import Outcome, jwt_claims

#: Every exchange ends within this, waits and all (the slowest, an expiry, takes about 2 s).
BOUND = 20.0
AUTH_REQ_ID_CLAIM = "urn:openid:params:jwt:claim:auth_req_id"


async def run(client: Client, mode: str, login: str, **extra: str) -> Outcome:
    async with asyncio.timeout(BOUND):
        return await client(mode).run(login, **extra)


@pytest.mark.parametrize("mode", MODES)
async def test_alice_approves_and_the_client_gets_its_tokens(client: Client, mode: str) -> None:
    outcome = await run(client, mode, "alice")
    assert outcome.ended == "tokens", outcome
    assert outcome.first is not None
    assert outcome.first.status == 200
    assert "interval" not in outcome.first.body if mode == "push" else True  # section 7.3
    if mode == "push":  # section 10.3.1: the tokens and the auth_req_id, pushed
        assert outcome.notification is not None
        pushed = outcome.notification.body
        assert pushed["auth_req_id"] == outcome.auth_req_id
        assert pushed["token_type"].lower() == "bearer"
        assert pushed["refresh_token"]
        claims = jwt_claims(pushed["id_token"])
        assert claims[AUTH_REQ_ID_CLAIM] == outcome.auth_req_id
        assert "at_hash" in claims
        return
    assert outcome.last is not None
    assert outcome.last.status == 200
    assert outcome.last.headers["Cache-Control"] == "no-store"
    assert outcome.last.body["token_type"].lower() == "bearer"
    assert jwt_claims(outcome.last.body["id_token"])["sub"] == "248289761001"
    if mode == "ping":  # section 10.2: only the auth_req_id, with the client's token
        assert outcome.notification is not None
        assert outcome.notification.body == {"auth_req_id": outcome.auth_req_id}
    else:
        assert outcome.polls[-1] == "tokens"
        assert set(outcome.polls[:-1]) <= {"authorization_pending"}


@pytest.mark.parametrize("mode", MODES)
async def test_bob_denies_and_the_client_gets_access_denied(client: Client, mode: str) -> None:
    outcome = await run(client, mode, "bob")
    assert outcome.ended == "access_denied", outcome
    if mode != "push":
        assert outcome.last is not None
        assert outcome.last.status == 400
    else:
        assert outcome.notification is not None
        assert outcome.notification.body["auth_req_id"] == outcome.auth_req_id


@pytest.mark.parametrize("mode", MODES)
async def test_carol_never_answers_and_her_request_expires(client: Client, mode: str) -> None:
    """The client asks for a short lifetime (requested_expiry, section 7.1); the device
    step gives up on carol before it ends, and the client learns expired_token."""
    outcome = await run(client, mode, "carol", requested_expiry="2")
    assert outcome.first is not None
    assert outcome.first.body["expires_in"] == 2
    assert outcome.ended == "expired_token", outcome
    if mode == "push":
        assert outcome.notification is not None
        assert outcome.notification.body["auth_req_id"] == outcome.auth_req_id
    else:
        assert outcome.last is not None
        assert outcome.last.status == 400


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_user_is_refused_at_the_backchannel_endpoint(
    client: Client, mode: str
) -> None:
    outcome = await run(client, mode, "mallory")
    assert outcome.first is not None
    assert outcome.first.status == 400
    assert outcome.ended == "unknown_user_id"
    assert outcome.first.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("mode", MODES)
async def test_a_wrong_client_secret_is_invalid_client_401(client: Client, mode: str) -> None:
    async with asyncio.timeout(BOUND):
        outcome = await client(mode, secret="not-the-secret").run("alice")
    assert outcome.first is not None
    assert outcome.first.status == 401
    assert outcome.ended == "invalid_client"
    assert outcome.first.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("mode", ["poll", "ping"])
async def test_a_wrong_client_secret_at_the_token_endpoint_is_invalid_client_401(
    client: Client, mode: str
) -> None:
    async with asyncio.timeout(BOUND):
        outcome = await client(mode).run("alice")
        assert outcome.ended == "tokens"
        assert outcome.auth_req_id is not None
        answer = await client(mode, secret="not-the-secret").token(outcome.auth_req_id)
    assert (answer.status, answer.error) == (401, "invalid_client")
