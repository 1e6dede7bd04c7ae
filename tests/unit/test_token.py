"""The token operation: what names a call and what it hides, its answer per action, and a
call through the client."""

from __future__ import annotations

import urllib.parse
import uuid
from typing import Any

import pytest
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st

from aioauthlete import (
    AuthleteApiError,
    AuthleteClient,
    CimdOptions,
    FormRequest,
    Property,
    TokenAction,
    TokenInfo,
    TokenRequest,
    TokenResponse,
    TokenType,
)
from aioauthlete._operations._answers import JSON_NO_STORE
from aioauthlete._operations._parameters import SECRET_KEYS
from aioauthlete.operations import TOKEN
from tests.unit.calls import sent, sent_form, sent_json, url_of


def canary(prefix: str) -> str:
    return f"{prefix}-canary-{uuid.uuid4().hex}"


AUTH_REQ_ID = canary("ARI")
CLIENT_SECRET = canary("CS")
ACCESS_TOKEN = canary("AT")
REFRESH_TOKEN = canary("RT")
DPOP = canary("DPOP")
CIBA = urllib.parse.urlencode(
    {"grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": AUTH_REQ_ID}
)
CONTENT = f'{{"access_token":"{ACCESS_TOKEN}","token_type":"Bearer"}}'
ANSWER = {
    "resultCode": "A050001",
    "action": "OK",
    "accessToken": ACCESS_TOKEN,
    "accessTokenDuration": 3600,
    "grantType": "CIBA",
    "clientId": 1234,
    "subject": "john",
    "scopes": ["openid"],
    "properties": [{"key": "k", "value": "v", "hidden": False}],
    "responseContent": CONTENT,
}
#: Text as a request holds it: anything but lone surrogates, control characters included.
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]))


def test_the_ciba_auth_req_id_names_the_call() -> None:
    assert TOKEN.names(TokenRequest(parameters=CIBA)) == ("auth_req_id", AUTH_REQ_ID)


@pytest.mark.parametrize(
    ("parameters", "named"),
    [
        ("grant_type=authorization_code&code=abc", None),
        ("auth_req_id=&grant_type=x", None),
        ("auth_req_id=first&auth_req_id=second", ("auth_req_id", "first")),
        ("auth_req_id=a%2Bb+c", ("auth_req_id", "a+b c")),
        ("", None),
        ("%zz=%%&&=", None),
    ],
    ids=["no-auth-req-id", "empty", "repeated", "percent-encoded", "empty-body", "garbage"],
)
def test_other_bodies_name_the_call_by_their_auth_req_id_or_nothing(
    parameters: str, named: tuple[str, str] | None
) -> None:
    assert TOKEN.names(TokenRequest(parameters=parameters)) == named


@given(ANY_TEXT)
def test_reading_any_parameters_never_raises(parameters: str) -> None:
    request = TokenRequest(parameters=parameters)
    named = TOKEN.names(request)
    assert named is None or named[0] == "auth_req_id"
    assert all(isinstance(s, str) for s in TOKEN.secrets(request))


@pytest.mark.parametrize("key", sorted(SECRET_KEYS))
def test_each_credential_in_the_parameters_is_a_secret(key: str) -> None:
    value = canary(key)
    request = TokenRequest(parameters=urllib.parse.urlencode({"grant_type": "x", key: value}))
    assert value in set(TOKEN.secrets(request))
    assert "x" not in set(TOKEN.secrets(request))


def test_the_client_secret_access_token_and_dpop_proof_are_secrets() -> None:
    request = TokenRequest(
        parameters=CIBA, client_secret=CLIENT_SECRET, access_token=ACCESS_TOKEN, dpop=DPOP
    )
    assert {CLIENT_SECRET, ACCESS_TOKEN, DPOP} <= set(TOKEN.secrets(request))
    assert AUTH_REQ_ID not in set(TOKEN.secrets(request))  # it names the call, as a hash
    assert TOKEN.converges is False


def test_the_request_repr_shows_the_parameters_length_and_no_credential() -> None:
    parameters = f"grant_type=refresh_token&refresh_token={REFRESH_TOKEN}"
    request = TokenRequest(
        parameters=parameters,
        client_secret=CLIENT_SECRET,
        access_token=ACCESS_TOKEN,
        dpop=DPOP,
        oauth_client_attestation_pop=canary("POP"),
    )
    for secret in (REFRESH_TOKEN, CLIENT_SECRET, ACCESS_TOKEN, DPOP, "POP-canary"):
        assert secret not in repr(request)
    assert f"parameters=<{len(parameters)} characters>" in repr(request)


def test_the_response_repr_hides_every_token_and_credential() -> None:
    secrets: dict[str, Any] = {
        name: canary(name)
        for name in (
            "password",
            "access_token",
            "refresh_token",
            "id_token",
            "jwt_access_token",
            "subject_token",
            "actor_token",
            "assertion",
            "device_secret",
            "ticket",
            "response_content",
        )
    }
    response = TokenResponse(result_code="A", action=TokenAction.PASSWORD, **secrets)
    for name, value in secrets.items():
        assert value not in repr(response), name


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (TokenAction.INTERNAL_SERVER_ERROR, 500),
        (TokenAction.INVALID_CLIENT, 401),
        (TokenAction.BAD_REQUEST, 400),
        (TokenAction.OK, 200),
        (TokenAction.PASSWORD, None),
        (TokenAction.TOKEN_EXCHANGE, None),
        (TokenAction.JWT_BEARER, None),
        (TokenAction.NATIVE_SSO, None),
        (TokenAction.ID_TOKEN_REISSUABLE, None),
    ],
)
def test_each_action_forwards_its_status_or_none_when_the_endpoint_goes_on(
    action: TokenAction, status: int | None
) -> None:
    assert action.status_code == status


def test_every_action_of_the_token_endpoint_is_known() -> None:
    assert [a.value for a in TokenAction] == [
        "INTERNAL_SERVER_ERROR",
        "INVALID_CLIENT",
        "BAD_REQUEST",
        "PASSWORD",
        "OK",
        "TOKEN_EXCHANGE",
        "JWT_BEARER",
        "NATIVE_SSO",
        "ID_TOKEN_REISSUABLE",
    ]


@pytest.mark.parametrize("action", list(TokenAction))
def test_invalid_client_alone_carries_a_basic_challenge(action: TokenAction) -> None:
    headers = TokenResponse(result_code="A", action=action).headers
    if action is TokenAction.INVALID_CLIENT:
        assert headers == {**JSON_NO_STORE, "WWW-Authenticate": 'Basic realm="token"'}
    else:
        assert headers == JSON_NO_STORE


async def test_the_call_sends_json_and_returns_the_typed_answer(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    mocked.post(url_of(TOKEN), payload=ANSWER)
    response = await client.token(
        TokenRequest(parameters=CIBA, client_id="1234", client_secret=CLIENT_SECRET)
    )
    assert sent_json(mocked, url_of(TOKEN)) == {
        "parameters": CIBA,
        "clientId": "1234",
        "clientSecret": CLIENT_SECRET,
    }
    assert response.action is TokenAction.OK
    assert response.access_token == ACCESS_TOKEN
    assert response.scopes == ("openid",)
    assert response.properties == (Property(key="k", value="v", hidden=False),)
    assert response.response_content == CONTENT
    assert response.headers == JSON_NO_STORE


async def test_a_token_exchange_answer_reads_its_token_types_and_infos(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    answer = {
        "resultCode": "A",
        "action": "TOKEN_EXCHANGE",
        "subjectTokenType": "ACCESS_TOKEN",
        "subjectTokenInfo": {"clientId": 7, "subject": "john", "scopes": [{"name": "a"}]},
        "requestedTokenType": "JWT",
        "audiences": ["https://api.example"],
    }
    mocked.post(url_of(TOKEN), payload=answer)
    response = await client.token(TokenRequest(parameters="grant_type=exchange"))
    assert response.action.status_code is None
    assert response.subject_token_type is TokenType.ACCESS_TOKEN
    assert response.requested_token_type is TokenType.JWT
    assert isinstance(response.subject_token_info, TokenInfo)
    assert response.subject_token_info.subject == "john"
    assert response.audiences == ("https://api.example",)


async def test_a_form_request_repeats_list_keys_and_refuses_nested_objects(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    url = url_of(TOKEN, "4242")
    mocked.post(url, payload=ANSWER)
    body = TokenRequest(
        parameters=CIBA, client_certificate_path=("a", "b"), dpop_nonce_required=True
    )
    await client.token(FormRequest(body=body, service_id="4242"))
    assert sent_form(mocked, url) == {
        "parameters": [CIBA],
        "clientCertificatePath": ["a", "b"],
        "dpopNonceRequired": ["true"],
    }
    nested = TokenRequest(parameters=CIBA, cimd_options=CimdOptions(always_retrieved=True))
    with pytest.raises(ValueError, match="cimd_options cannot be form-encoded"):
        await client.token(FormRequest(body=nested))
    assert len(sent(mocked, url)) == 1


async def test_credentials_and_the_auth_req_id_echoed_into_an_error_are_masked(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    parameters = f"{CIBA}&refresh_token={REFRESH_TOKEN}"
    echoed = f"refused {parameters} for {CLIENT_SECRET} with {DPOP}"
    mocked.post(url_of(TOKEN), status=400, payload={"resultCode": "A1", "resultMessage": echoed})
    with pytest.raises(AuthleteApiError) as info:
        await client.token(
            TokenRequest(parameters=parameters, client_secret=CLIENT_SECRET, dpop=DPOP)
        )
    for secret in (REFRESH_TOKEN, CLIENT_SECRET, DPOP, AUTH_REQ_ID):
        assert secret not in str(info.value)
