"""AuthleteClient at the HTTP edge, with aioresponses standing in for Authlete."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import urllib.parse
from collections.abc import AsyncIterator, Iterator, Mapping

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    AuthleteApiError,
    AuthleteClient,
    AuthleteResponseError,
    AuthleteTransportError,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    FailAction,
    FailReason,
    RetryPolicy,
)
from tests.helpers import (
    FAIL_URL,
    OK_BODY,
    SECRET,
    SERVICE_ID,
    TICKET,
    TOKEN,
    FakeTime,
    fail_request,
)


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[AuthleteClient]:
    time = FakeTime()
    async with AuthleteClient(
        service_id=SERVICE_ID, access_token=TOKEN, sleep=time.sleep, clock=time.clock
    ) as c:
        yield c


def sent(mocked: aioresponses, url: str = FAIL_URL) -> list[dict[str, object]]:
    assert mocked.requests is not None
    return [call.kwargs for call in mocked.requests[("POST", URL(url))]]


async def test_json_call_sends_bearer_json_and_returns_the_answer(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    """One call: POST JSON with the Bearer token to the V3 path, typed answer back."""
    mocked.post(FAIL_URL, payload=OK_BODY)
    response = await client.backchannel_authentication_fail(fail_request())
    assert response.action is FailAction.FORBIDDEN
    assert response.action.status_code == 403
    (call,) = sent(mocked)
    headers = call["headers"]
    assert isinstance(headers, Mapping)
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(call["data"]) == {"ticket": TICKET, "reason": "ACCESS_DENIED"}  # type: ignore[arg-type]
    assert call["allow_redirects"] is False


async def test_v2_call_uses_basic_auth_and_the_short_path(mocked: aioresponses) -> None:
    """api_version V2 authenticates with the service API key and secret."""
    url = "https://jp.authlete.com/api/backchannel/authentication/fail"
    mocked.post(url, payload=OK_BODY)
    async with AuthleteClient(
        service_id=SERVICE_ID, api_secret=SECRET, api_version="V2", region="jp"
    ) as client:
        await client.backchannel_authentication_fail(fail_request())
    (call,) = sent(mocked, url)
    headers = call["headers"]
    assert isinstance(headers, Mapping)
    assert (
        base64.b64decode(headers["Authorization"].split()[1]).decode() == f"{SERVICE_ID}:{SECRET}"
    )


async def test_form_request_goes_form_encoded_to_its_own_service(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    """The seed's model is sent form-encoded to the serviceId it carries."""
    url = "https://us.authlete.com/api/21653835348762/backchannel/authentication/fail"
    mocked.post(url, payload=OK_BODY)
    body = ApiServiceIdBackchannelAuthenticationFail(
        ticket="tk", reason=FailReason.UNAUTHORIZED_CLIENT
    )
    request = BackchannelAuthenticationFailApiFormRequest(
        service_id="21653835348762", api_service_id_backchannel_authentication_fail=body
    )
    await client.backchannel_authentication_fail(request)
    (call,) = sent(mocked, url)
    assert urllib.parse.parse_qs(call["data"].decode()) == {  # type: ignore[attr-defined]
        "ticket": ["tk"],
        "reason": ["UNAUTHORIZED_CLIENT"],
    }


async def test_api_error_is_raised_once_for_a_client_error(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    """A 401 is definitive: raised as AuthleteApiError after a single request."""
    mocked.post(FAIL_URL, status=401, payload={"resultCode": "A001202", "resultMessage": "missing"})
    with pytest.raises(AuthleteApiError) as info:
        await client.backchannel_authentication_fail(fail_request())
    assert str(info.value) == "HTTP 401 A001202: missing"
    assert len(sent(mocked)) == 1


async def test_service_unavailable_is_retried_until_an_answer(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    """503 with Retry-After, then 500, then an answer: three requests, one result."""
    mocked.post(FAIL_URL, status=503, headers={"Retry-After": "1"}, payload={"resultCode": "X"})
    mocked.post(FAIL_URL, status=500, payload={"resultCode": "A001101"})
    mocked.post(FAIL_URL, payload=OK_BODY)
    response = await client.backchannel_authentication_fail(fail_request())
    assert response.result_code == "A185001"
    assert len(sent(mocked)) == 3


async def test_disconnect_is_retried_and_reported_as_ambiguous(mocked: aioresponses) -> None:
    """A disconnect after sending is retried; when all fail the error says it may have arrived."""
    for _ in range(2):
        mocked.post(FAIL_URL, exception=aiohttp.ServerDisconnectedError())
    time = FakeTime()
    async with AuthleteClient(
        service_id=SERVICE_ID,
        access_token=TOKEN,
        retry=RetryPolicy(attempts=2),
        sleep=time.sleep,
        clock=time.clock,
    ) as client:
        with pytest.raises(AuthleteTransportError) as info:
            await client.backchannel_authentication_fail(fail_request())
    assert info.value.attempts == 2
    assert info.value.may_have_reached
    assert len(time.sleeps) == 1


async def test_html_success_page_is_a_response_error(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    """A 200 text/html page from a proxy is not an answer, and it is not retried."""
    mocked.post(FAIL_URL, status=200, body="<html>login</html>", content_type="text/html")
    with pytest.raises(AuthleteResponseError, match="not JSON"):
        await client.backchannel_authentication_fail(fail_request())
    assert len(sent(mocked)) == 1


async def test_oversized_body_is_refused(mocked: aioresponses) -> None:
    """An answer above max_body_size raises instead of being read into memory."""
    mocked.post(FAIL_URL, body=b"x" * 5000, content_type="application/json")
    async with AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN, max_body_size=1000) as c:
        with pytest.raises(AuthleteResponseError, match="1000-byte cap"):
            await c.backchannel_authentication_fail(fail_request())


async def test_per_call_policy_overrides_the_clients(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    """retry= on the call replaces the client's policy for that call only."""
    mocked.post(FAIL_URL, status=503, repeat=True)
    with pytest.raises(AuthleteApiError) as info:
        await client.backchannel_authentication_fail(fail_request(), retry=RetryPolicy(attempts=1))
    assert info.value.attempts == 1
    assert len(sent(mocked)) == 1


async def test_invalid_form_service_id_fails_before_any_io(
    mocked: aioresponses, client: AuthleteClient
) -> None:
    """A path-traversing service id raises ValueError and sends nothing."""
    body = ApiServiceIdBackchannelAuthenticationFail(ticket="tk", reason=FailReason.ACCESS_DENIED)
    request = BackchannelAuthenticationFailApiFormRequest(
        service_id="../../admin", api_service_id_backchannel_authentication_fail=body
    )
    with pytest.raises(ValueError, match="service_id"):
        await client.backchannel_authentication_fail(request)
    assert mocked.requests == {}


async def test_async_with_closes_the_owned_session() -> None:
    """Leaving the block closes the pooled session; aclose() again is a no-op."""
    client = AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN)
    async with client:
        session = client._session
        assert session is not None
        assert not session.closed
    assert session.closed
    assert client.closed
    await client.aclose()


async def test_closed_client_refuses_calls() -> None:
    """A call after aclose() is an AuthleteTransportError that says so: nothing sent."""
    client = AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN)
    await client.aclose()
    with pytest.raises(AuthleteTransportError, match="client is closed") as info:
        await client.backchannel_authentication_fail(fail_request())
    assert info.value.may_have_reached is False


async def test_a_closed_client_cannot_be_entered_again() -> None:
    """Reopening is a programming error: RuntimeError."""
    client = AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN)
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        async with client:
            pass


async def test_borrowed_session_is_never_closed(mocked: aioresponses) -> None:
    """A session passed in stays open after the client closes, and is the one used."""
    mocked.post(FAIL_URL, payload=OK_BODY)
    async with aiohttp.ClientSession() as session:
        async with AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN, session=session) as c:
            await c.backchannel_authentication_fail(fail_request())
            assert c._session is session
        assert not session.closed


async def test_client_opened_in_one_loop_refuses_another(mocked: aioresponses) -> None:
    """Using a client from a second event loop raises a clear error instead of hanging."""
    mocked.post(FAIL_URL, payload=OK_BODY)
    async with AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN) as client:
        errors: list[BaseException] = []

        def other_loop() -> None:
            try:
                asyncio.run(client.backchannel_authentication_fail(fail_request()))
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=other_loop)
        thread.start()
        thread.join()
        assert len(errors) == 1
        assert isinstance(errors[0], RuntimeError)
        assert "another event loop" in str(errors[0])


async def test_a_request_body_over_the_cap_is_refused_before_any_io(
    mocked: aioresponses,
) -> None:
    """``max_body_size`` caps what is sent as well as what is read: nothing goes out."""
    mocked.post(FAIL_URL, payload=OK_BODY)
    big = BackchannelAuthenticationFailRequest(
        ticket=TICKET, reason=FailReason.ACCESS_DENIED, error_description="d" * 2000
    )
    async with AuthleteClient(
        service_id=SERVICE_ID, access_token=TOKEN, max_body_size=1000
    ) as client:
        with pytest.raises(ValueError, match="over the 1,000-byte cap") as info:
            await client.backchannel_authentication_fail(big)
        assert TICKET not in str(info.value)
    assert not mocked.requests


def test_repr_shows_where_not_the_credential() -> None:
    """The client's repr names the endpoint and service, never the token."""
    client = AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN)
    assert TOKEN not in repr(client)
    assert SERVICE_ID in repr(client)
    assert "us.authlete.com" in repr(client)


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("us", "https://us.authlete.com"),
        ("jp", "https://jp.authlete.com"),
        ("eu", "https://eu.authlete.com"),
        ("br", "https://br.authlete.com"),
    ],
)
def test_region_sets_the_base_url(region: str, url: str) -> None:
    """Each documented region maps to its cluster."""
    assert AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN, region=region).base_url == url


def test_default_base_url_is_us() -> None:
    """Without base_url or region the client talks to the US cluster."""
    assert (
        AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN).base_url
        == "https://us.authlete.com"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"region": "mars"}, "region must be one of"),
        ({"region": "us", "base_url": "https://x.example"}, "not both"),
        ({"base_url": "http://authlete.example"}, "https://"),
        ({"base_url": "ftp://authlete.example"}, "https://"),
        ({"base_url": "https://u:p@authlete.example"}, "credentials"),
        ({"base_url": "https://authlete.example/?q=1"}, "query"),
        ({"service_id": "../x"}, "one path segment"),
        ({"service_id": ".."}, "one path segment"),
        ({"access_token": None}, "needs access_token"),
        ({"access_token": "tok\r\nX-Evil: 1"}, "visible ASCII"),
        ({"access_token": "tok en"}, "visible ASCII"),
        ({"api_version": "V9"}, "api_version"),
        ({"api_version": "V2"}, "needs api_secret"),
        ({"max_connections": 0}, "max_connections"),
    ],
)
def test_bad_configuration_is_refused_before_any_io(
    kwargs: dict[str, object], message: str
) -> None:
    """Every configuration mistake is a ValueError at construction, naming the argument."""
    values: dict[str, object] = {"service_id": SERVICE_ID, "access_token": TOKEN, **kwargs}
    with pytest.raises(ValueError, match=message) as info:
        AuthleteClient(**values)  # type: ignore[arg-type]
    assert "tok\r\n" not in str(info.value)


def test_plain_http_is_allowed_for_loopback() -> None:
    """The emulator on 127.0.0.1 or localhost may be reached without TLS."""
    for url in ("http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8"):
        assert (
            AuthleteClient(service_id=SERVICE_ID, access_token=TOKEN, base_url=url).base_url == url
        )


def test_token_errors_do_not_echo_the_token() -> None:
    """A malformed token is refused without being repeated in the message."""
    bad = TOKEN + "\n"
    with pytest.raises(ValueError, match="access_token") as info:
        AuthleteClient(service_id=SERVICE_ID, access_token=bad)
    assert TOKEN not in str(info.value)


def test_from_env_reads_the_official_sdk_variables() -> None:
    """from_env maps the AUTHLETE_* variables onto the constructor."""
    env = {
        "AUTHLETE_BASE_URL": "https://eu.authlete.com",
        "AUTHLETE_API_VERSION": "v2",
        "AUTHLETE_SERVICE_APIKEY": SERVICE_ID,
        "AUTHLETE_SERVICE_APISECRET": SECRET,
    }
    client = AuthleteClient.from_env(env)
    assert client.base_url == "https://eu.authlete.com"
    assert client.service_id == SERVICE_ID
    assert "V2" in repr(client)


def test_from_env_overrides_win() -> None:
    """Keyword overrides replace what the environment says."""
    env = {"AUTHLETE_SERVICE_APIKEY": SERVICE_ID, "AUTHLETE_SERVICE_ACCESSTOKEN": TOKEN}
    client = AuthleteClient.from_env(env, base_url="http://127.0.0.1:9", max_connections=7)
    assert client.base_url == "http://127.0.0.1:9"
    assert client.max_connections == 7


def test_from_env_without_service_id_says_which_variable() -> None:
    """A missing service ID names the variable to set."""
    with pytest.raises(ValueError, match="AUTHLETE_SERVICE_APIKEY"):
        AuthleteClient.from_env({})


def test_from_env_service_id_override_needs_no_variable() -> None:
    """A service_id override stands in for AUTHLETE_SERVICE_APIKEY."""
    client = AuthleteClient.from_env({"AUTHLETE_SERVICE_ACCESSTOKEN": TOKEN}, service_id="42")
    assert client.service_id == "42"
