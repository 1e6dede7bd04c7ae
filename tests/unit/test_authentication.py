"""The backchannel authentication operation: its request's checks and secrets, its answer,
and a call through the client."""

from __future__ import annotations

import urllib.parse
import uuid

import pytest
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st

from aioauthlete import (
    AuthleteApiError,
    AuthleteClient,
    BackchannelAuthenticationAction,
    BackchannelAuthenticationRequest,
    BackchannelAuthenticationResponse,
    CimdOptions,
    DeliveryMode,
    FormRequest,
    HintType,
    Pair,
    Scope,
)
from aioauthlete._operations._answers import JSON_NO_STORE
from aioauthlete.operations import AUTHENTICATION
from tests.helpers import TICKET
from tests.unit.calls import sent, sent_form, sent_json, url_of

CLIENT_SECRET = f"CS-canary-{uuid.uuid4().hex}"
HINT_TOKEN = f"LHT-canary-{uuid.uuid4().hex}"
NOTIFICATION_TOKEN = f"CNT-canary-{uuid.uuid4().hex}"
USER_CODE = f"UC-canary-{uuid.uuid4().hex}"
PARAMETERS = urllib.parse.urlencode(
    {
        "scope": "openid",
        "login_hint_token": HINT_TOKEN,
        "client_notification_token": NOTIFICATION_TOKEN,
        "user_code": USER_CODE,
        "binding_message": "W4SCT",
    }
)
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
ANSWER = {
    "resultCode": "A179001",
    "action": "USER_IDENTIFICATION",
    "clientId": 1234,
    "clientName": "CIBA client",
    "deliveryMode": "POLL",
    "hintType": "LOGIN_HINT",
    "hint": "john",
    "scopes": [{"name": "openid", "defaultEntry": False}],
    "serviceAttributes": [{"key": "k", "value": "v"}],
    "ticket": TICKET,
    "userCodeRequired": False,
    "acrs": ["loa2"],
}
#: Text as a request holds it: anything but lone surrogates, control characters included.
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]))


def request(**fields: object) -> BackchannelAuthenticationRequest:
    return BackchannelAuthenticationRequest(parameters=PARAMETERS, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"parameters": None}, TypeError, "parameters must be a str"),
        ({"parameters": 7}, TypeError, "parameters must be a str"),
        ({"parameters": "a=\ud800"}, ValueError, "parameters must be valid Unicode"),
        ({"parameters": "a=1", "client_secret": b"x"}, TypeError, "client_secret must be"),
        ({"parameters": "a=1", "client_certificate_path": "one"}, TypeError, "sequence"),
        ({"parameters": "a=1", "client_certificate_path": [1]}, TypeError, "str items"),
        ({"parameters": "a=1", "cimd_options": {"httpPermitted": True}}, TypeError, "cimd"),
    ],
    ids=[
        "parameters-none",
        "parameters-int",
        "parameters-lone-surrogate",
        "secret-bytes",
        "path-one-string",
        "path-ints",
        "cimd-dict",
    ],
)
def test_bad_values_are_refused_at_construction(
    fields: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        BackchannelAuthenticationRequest(**fields)  # type: ignore[arg-type]


def test_line_breaks_are_body_text_here() -> None:
    """A PEM certificate and a form body may hold line breaks; lists become tuples."""
    value = BackchannelAuthenticationRequest(
        parameters="a=1\r\nb=2",
        client_certificate=PEM,
        client_certificate_path=[PEM, PEM],  # type: ignore[arg-type]
    )
    assert value.client_certificate_path == (PEM, PEM)


def test_the_request_repr_shows_the_parameters_length_and_no_credential() -> None:
    shown = repr(request(client_secret=CLIENT_SECRET, oauth_client_attestation_pop=HINT_TOKEN))
    for secret in (CLIENT_SECRET, HINT_TOKEN, NOTIFICATION_TOKEN, USER_CODE, "W4SCT"):
        assert secret not in shown
    assert f"parameters=<{len(PARAMETERS)} characters>" in shown


def test_the_response_repr_hides_the_hint_the_user_code_and_the_notification_token() -> None:
    response = BackchannelAuthenticationResponse(
        result_code="A",
        action=BackchannelAuthenticationAction.USER_IDENTIFICATION,
        hint_type=HintType.LOGIN_HINT_TOKEN,
        hint=HINT_TOKEN,
        user_code=USER_CODE,
        client_notification_token=NOTIFICATION_TOKEN,
        ticket=TICKET,
    )
    for secret in (HINT_TOKEN, USER_CODE, NOTIFICATION_TOKEN, TICKET):
        assert secret not in repr(response)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (BackchannelAuthenticationAction.INTERNAL_SERVER_ERROR, 500),
        (BackchannelAuthenticationAction.BAD_REQUEST, 400),
        (BackchannelAuthenticationAction.UNAUTHORIZED, 401),
        (BackchannelAuthenticationAction.USER_IDENTIFICATION, None),
    ],
)
def test_each_action_forwards_its_status_or_none_to_go_on(
    action: BackchannelAuthenticationAction, status: int | None
) -> None:
    assert action.status_code == status


def test_unauthorized_answers_carry_a_basic_challenge() -> None:
    response = BackchannelAuthenticationResponse(
        result_code="A", action=BackchannelAuthenticationAction.UNAUTHORIZED
    )
    assert response.headers == {
        **JSON_NO_STORE,
        "WWW-Authenticate": 'Basic realm="backchannel/authentication"',
    }
    other = BackchannelAuthenticationResponse(
        result_code="A", action=BackchannelAuthenticationAction.BAD_REQUEST
    )
    assert other.headers == JSON_NO_STORE


def test_a_hint_type_outside_the_enum_arrives_as_its_string() -> None:
    known = BackchannelAuthenticationResponse(
        result_code="A",
        action=BackchannelAuthenticationAction.BAD_REQUEST,
        hint_type="ID_TOKEN_HINT",
    )
    other = BackchannelAuthenticationResponse(
        result_code="A",
        action=BackchannelAuthenticationAction.BAD_REQUEST,
        hint_type="SOMETHING_ELSE",
    )
    assert known.hint_type is HintType.ID_TOKEN_HINT
    assert other.hint_type == "SOMETHING_ELSE"
    assert type(other.hint_type) is str


def test_the_call_is_named_by_nothing_and_hides_the_credentials_in_parameters() -> None:
    value = request(client_secret=CLIENT_SECRET)
    assert AUTHENTICATION.names(value) is None
    secrets = set(AUTHENTICATION.secrets(value))
    assert {CLIENT_SECRET, HINT_TOKEN, NOTIFICATION_TOKEN, USER_CODE} <= secrets
    assert "openid" not in secrets
    assert "W4SCT" not in secrets
    assert AUTHENTICATION.converges is True


def test_a_secret_is_hidden_as_decoded_and_as_the_body_spells_it() -> None:
    value = BackchannelAuthenticationRequest(parameters="client_secret=a%2Bb%2Fc%3D%3D&x=1")
    assert set(AUTHENTICATION.secrets(value)) == {"a+b/c==", "a%2Bb%2Fc%3D%3D"}


@given(ANY_TEXT)
def test_reading_any_parameters_never_raises(parameters: str) -> None:
    value = BackchannelAuthenticationRequest(parameters=parameters)
    assert AUTHENTICATION.names(value) is None
    assert all(isinstance(s, str) for s in AUTHENTICATION.secrets(value))


async def test_the_call_sends_json_and_returns_the_typed_answer(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    mocked.post(url_of(AUTHENTICATION), payload=ANSWER)
    response = await client.backchannel_authentication(
        request(client_id="1234", client_secret=CLIENT_SECRET, cimd_options=CimdOptions())
    )
    assert sent_json(mocked, url_of(AUTHENTICATION)) == {
        "parameters": PARAMETERS,
        "clientId": "1234",
        "clientSecret": CLIENT_SECRET,
        "cimdOptions": {},
    }
    assert response.action is BackchannelAuthenticationAction.USER_IDENTIFICATION
    assert response.action.status_code is None
    assert response.hint_type is HintType.LOGIN_HINT
    assert response.delivery_mode is DeliveryMode.POLL
    assert response.scopes == (Scope(name="openid", default_entry=False),)
    assert response.service_attributes == (Pair(key="k", value="v"),)
    assert response.acrs == ("loa2",)
    assert response.ticket == TICKET


async def test_a_form_request_repeats_list_keys(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    url = url_of(AUTHENTICATION, "4242")
    mocked.post(url, payload=ANSWER)
    body = request(client_certificate_path=[PEM, "second"])
    await client.backchannel_authentication(FormRequest(body=body, service_id="4242"))
    assert sent_form(mocked, url) == {
        "parameters": [PARAMETERS],
        "clientCertificatePath": [PEM, "second"],
    }


async def test_a_form_request_with_a_nested_object_is_refused_before_any_io(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    body = request(cimd_options=CimdOptions(http_permitted=True))
    with pytest.raises(ValueError, match="cimd_options cannot be form-encoded"):
        await client.backchannel_authentication(FormRequest(body=body))
    assert sent(mocked, url_of(AUTHENTICATION)) == []


async def test_credentials_a_server_echoes_into_an_error_are_masked(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    echoed = f"bad client {CLIENT_SECRET}, hint {HINT_TOKEN}, body {PARAMETERS}"
    mocked.post(
        url_of(AUTHENTICATION),
        status=400,
        payload={"resultCode": "A001201", "resultMessage": echoed},
    )
    with pytest.raises(AuthleteApiError) as info:
        await client.backchannel_authentication(request(client_secret=CLIENT_SECRET))
    for secret in (CLIENT_SECRET, HINT_TOKEN, NOTIFICATION_TOKEN, USER_CODE):
        assert secret not in str(info.value)
        assert secret not in repr(info.value)
