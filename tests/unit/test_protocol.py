"""Building requests and decoding answers, without any I/O."""

from __future__ import annotations

import base64
import email.utils
import json
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    AuthleteApiError,
    AuthleteResponseError,
    AuthleteTransportError,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    FailAction,
    FailReason,
)
from aioauthlete._answer import decode_answer, media_type, parse_retry_after
from aioauthlete._protocol import ServiceConnection
from aioauthlete.operations import FAIL
from tests.helpers import OK_BODY, SECRET, SERVICE_ID, TOKEN, fail_request


def v3_endpoint(base_url: str = "https://us.authlete.com") -> ServiceConnection:
    return ServiceConnection(
        base_url=base_url,
        service_id=SERVICE_ID,
        api_version="V3",
        access_token=TOKEN,
        api_secret=None,
        user_agent="ua",
    )


def v2_endpoint() -> ServiceConnection:
    return ServiceConnection(
        base_url="https://us.authlete.com",
        service_id=SERVICE_ID,
        api_version="V2",
        access_token=None,
        api_secret=SECRET,
        user_agent="ua",
    )


def form_request(service_id: str) -> BackchannelAuthenticationFailApiFormRequest:
    body = ApiServiceIdBackchannelAuthenticationFail(
        ticket="tk", reason=FailReason.UNAUTHORIZED_CLIENT, error_description="a b&c"
    )
    return BackchannelAuthenticationFailApiFormRequest(
        service_id=service_id, api_service_id_backchannel_authentication_fail=body
    )


def test_v3_json_request_goes_to_the_service_path_with_bearer() -> None:
    """V3: /api/{serviceId}/..., a Bearer token, a compact JSON body."""
    prepared = v3_endpoint().prepare(FAIL, fail_request(ticket="tk"))
    assert (
        prepared.url == f"https://us.authlete.com/api/{SERVICE_ID}/backchannel/authentication/fail"
    )
    assert prepared.headers["Authorization"] == f"Bearer {TOKEN}"
    assert prepared.headers["Content-Type"] == "application/json"
    assert prepared.headers["Accept-Encoding"] == "identity"
    assert json.loads(prepared.body) == {"ticket": "tk", "reason": "ACCESS_DENIED"}
    assert b" " not in prepared.body


def test_base_url_path_prefix_is_kept() -> None:
    """A base URL with a path (a gateway prefix) keeps it, without a double slash."""
    prepared = v3_endpoint("https://gw.example/authlete/").prepare(FAIL, fail_request())
    assert prepared.url.startswith("https://gw.example/authlete/api/")


def test_v2_request_uses_the_short_path_and_basic_auth() -> None:
    """V2: /api/backchannel/authentication/fail with Basic service-id:secret."""
    prepared = v2_endpoint().prepare(FAIL, fail_request())
    assert prepared.url == "https://us.authlete.com/api/backchannel/authentication/fail"
    scheme, _, encoded = prepared.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == f"{SERVICE_ID}:{SECRET}"


def test_form_request_is_form_encoded_to_its_own_service() -> None:
    """The seed's model goes form-encoded to the service it names, not the client's."""
    prepared = v3_endpoint().prepare(FAIL, form_request("9999"))
    assert prepared.url.endswith("/api/9999/backchannel/authentication/fail")
    assert prepared.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(prepared.body.decode()) == {
        "ticket": ["tk"],
        "reason": ["UNAUTHORIZED_CLIENT"],
        "errorDescription": ["a b&c"],
    }
    assert prepared.service_id == "9999"


@pytest.mark.parametrize(
    "service_id", ["../../admin", "..", ".", "a/b", "x?y=1", "x#f", "12\r\nX: 1", "", "<id>", "é"]
)
def test_form_request_service_id_is_checked_before_io(service_id: str) -> None:
    """A form request's own service id must be one safe path segment."""
    with pytest.raises(ValueError, match="service_id of the form request"):
        v3_endpoint().prepare(FAIL, form_request(service_id))


def test_v2_form_request_must_target_the_clients_service() -> None:
    """Basic credentials belong to one service, so V2 refuses another service id."""
    with pytest.raises(ValueError, match="V2"):
        v2_endpoint().prepare(FAIL, form_request("9999"))
    assert (
        v2_endpoint()
        .prepare(FAIL, form_request(SERVICE_ID))
        .url.endswith("/api/backchannel/authentication/fail")
    )


def test_other_request_types_are_refused() -> None:
    """A dict is not silently serialised: only the two request models are accepted."""
    with pytest.raises(TypeError, match="BackchannelAuthenticationFailRequest"):
        v3_endpoint().prepare(FAIL, {"ticket": "t", "reason": "ACCESS_DENIED"})


def test_headers_repr_redacts_the_credential() -> None:
    """The prepared headers can be printed (frame locals) without the token."""
    prepared = v3_endpoint().prepare(FAIL, fail_request())
    assert TOKEN not in repr(prepared.headers)
    assert TOKEN not in repr(prepared)
    assert "<redacted>" in repr(prepared.headers)


def test_success_decodes_into_a_response() -> None:
    """A 200 JSON answer becomes a typed response."""
    response = decode_answer(
        FAIL.response, 200, "application/json", json.dumps(OK_BODY).encode(), None
    )
    assert response.action is FailAction.FORBIDDEN
    assert response.response_content == '{"error":"access_denied"}'


def test_internal_server_error_action_is_an_answer() -> None:
    """An INTERNAL_SERVER_ERROR action on HTTP 200 is returned, not raised."""
    body = {"resultCode": "A1", "action": "INTERNAL_SERVER_ERROR", "responseContent": "{}"}
    response = decode_answer(
        FAIL.response, 200, "application/json", json.dumps(body).encode(), None
    )
    assert response.action.status_code == 500


@pytest.mark.parametrize(
    ("content_type", "body", "problem"),
    [
        ("text/html", b"<html>proxy</html>", "not JSON (content type text/html)"),
        ("", b"", "not JSON (content type none)"),
        ("application/json", b"{not json", "body is not a JSON object"),
        ("application/json", b"[1, 2]", "body is not a JSON object"),
        ("application/json", b'{"resultCode": "A", "action": "NEW"}', "FailAction @ $.action"),
        ("application/json", b'{"resultCode": "A"}', "required field missing @ $.action"),
    ],
)
def test_unusable_success_answers_raise_response_errors(
    content_type: str, body: bytes, problem: str
) -> None:
    """A 2xx that is not JSON, not an object, or has an unknown action is not an answer."""
    with pytest.raises(AuthleteResponseError, match="unusable answer") as info:
        decode_answer(FAIL.response, 200, content_type, body, None)
    assert problem in info.value.problem
    assert info.value.status == 200


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_response_errors(status: int) -> None:
    """A redirect is refused: following it would carry the token elsewhere."""
    with pytest.raises(AuthleteResponseError, match="redirect"):
        decode_answer(FAIL.response, status, "", b"", None)


def test_api_error_carries_result_code_and_message() -> None:
    """A 401 with Authlete's result body becomes an AuthleteApiError with both fields."""
    body = (
        b'{"resultCode": "A001202", "resultMessage": "[A001202] Authorization header is missing."}'
    )
    with pytest.raises(AuthleteApiError) as info:
        decode_answer(FAIL.response, 401, "application/json", body, None)
    assert (info.value.status, info.value.result_code) == (401, "A001202")
    assert info.value.result_message == "[A001202] Authorization header is missing."


def test_api_error_accepts_a_numeric_result_code() -> None:
    """The spec's 404 example has resultCode 404 as a number."""
    with pytest.raises(AuthleteApiError) as info:
        decode_answer(
            FAIL.response,
            404,
            "application/json",
            b'{"resultCode": 404, "resultMessage": ""}',
            None,
        )
    assert info.value.result_code == "404"


def test_api_error_from_a_proxy_page_has_no_result_code() -> None:
    """A 502 HTML page from a proxy still gives a typed error, with the Retry-After."""
    with pytest.raises(AuthleteApiError) as info:
        decode_answer(FAIL.response, 502, "text/html", b"<html>bad gateway</html>", 2.0)
    assert info.value.result_code is None
    assert info.value.retry_after == 2.0


@given(st.integers(min_value=400, max_value=599), st.binary(max_size=64))
def test_any_error_status_with_any_body_is_an_api_error(status: int, body: bytes) -> None:
    """Whatever garbage a 4xx/5xx carries, decoding raises AuthleteApiError and nothing else."""
    with pytest.raises(AuthleteApiError) as info:
        decode_answer(FAIL.response, status, "application/json", body, None)
    assert info.value.status == status


@given(
    st.one_of(st.integers(max_value=199), st.integers(min_value=600)),
    st.sampled_from(["application/json", "text/html"]),
)
def test_a_status_that_is_no_final_answer_is_a_garbled_status_line(
    status: int, content_type: str
) -> None:
    """Outside 200-599 there is no answer to decode: an ambiguous, retryable transport
    error, never an AuthleteApiError that a batch would take as definitive."""
    with pytest.raises(AuthleteTransportError) as info:
        decode_answer(FAIL.response, status, content_type, b'{"resultCode":"A1"}', None)
    assert info.value.may_have_reached is True
    assert info.value.retryable is True


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", 0.0),
        ("7", 7.0),
        ("1.5", 1.5),
        (" 3 ", 3.0),
        ("-5", None),
        ("abc", None),
        ("inf", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    """Delta-seconds parse; negative, non-finite and garbage values are ignored."""
    assert parse_retry_after(header, now=0.0) == expected


def test_retry_after_http_date() -> None:
    """An HTTP-date counts from the given wall-clock time; a past date means now."""
    now = 1_800_000_000.0
    future = email.utils.formatdate(now + 30, usegmt=True)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(future, now) == pytest.approx(30.0)
    assert parse_retry_after(past, now) == 0.0
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37", now) is None  # no zone


def test_json_body_keeps_the_exact_ticket() -> None:
    """A JSON request carries the ticket unchanged (it is the body's purpose)."""
    prepared = v3_endpoint().prepare(
        FAIL, BackchannelAuthenticationFailRequest(ticket="T/+=", reason="SERVER_ERROR")
    )
    assert json.loads(prepared.body)["ticket"] == "T/+="
    assert prepared.named == ("ticket", "T/+=")


any_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30)


@given(
    st.builds(
        BackchannelAuthenticationFailRequest,
        ticket=any_text,
        reason=st.sampled_from(FailReason),
        error_description=st.none() | any_text,
        error_uri=st.none() | any_text,
    )
)
def test_hand_written_body_equals_the_converters(
    request: BackchannelAuthenticationFailRequest,
) -> None:
    """The hot path's JSON body is byte for byte what the converter and json.dumps give."""
    from aioauthlete import converter

    expected = json.dumps(converter.unstructure(request), ensure_ascii=False, separators=(",", ":"))
    assert FAIL.encode_json(request) == expected.encode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(any_text, inner, max_size=2),
    max_leaves=4,
)


@st.composite
def answer_bodies(draw: st.DrawFn) -> bytes:
    """Ordinary answers, and answers a little off: types, whitespace, encodings, garbage."""
    wire: dict[str, object] = {
        "resultCode": draw(any_text | json_values),
        "action": draw(st.sampled_from([a.value for a in FailAction]) | json_values),
    }
    for key in ("resultMessage", "responseContent"):
        if draw(st.booleans()):
            wire[key] = draw(st.none() | any_text | json_values)
    wire.update(draw(st.dictionaries(st.text(max_size=5), json_values, max_size=2)))
    text = json.dumps(wire, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):  # as Authlete sends it
        return text.encode()
    text = draw(st.sampled_from(["", " ", "\n"])) + text + draw(st.sampled_from(["", " ", "x"]))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))


def decoded_or_error(status: int, content_type: str, body: bytes, fast: bool) -> object:
    try:
        if fast:
            return FAIL.decode(status, content_type, body, None)
        return decode_answer(FAIL.response, status, content_type, body, None)
    except AuthleteResponseError as exc:
        return (type(exc), str(exc))


@given(body=answer_bodies())
def test_short_path_answers_as_the_general_one(body: bytes) -> None:
    """The hot path's decoding of 200 answers agrees with the converter's on any body."""
    fast = decoded_or_error(200, "application/json", body, fast=True)
    assert fast == decoded_or_error(200, "application/json", body, fast=False)


def test_usual_answer_skips_the_converter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The short path exists: an ordinary answer decodes without the converter."""
    import aioauthlete._answer

    class Refusing:
        def structure(self, *args: object) -> None:
            raise AssertionError("the converter ran")

    monkeypatch.setattr(aioauthlete._answer, "converter", Refusing())
    response = FAIL.decode(200, "application/json", json.dumps(OK_BODY).encode(), None)
    assert response.action is FailAction.FORBIDDEN
    with pytest.raises(AssertionError, match="converter ran"):
        FAIL.decode(200, "application/json", b" " + json.dumps(OK_BODY).encode(), None)


@pytest.mark.parametrize(
    "header",
    [
        "application/json",
        "Application/JSON; charset=UTF-8",
        " text/html ;q=1",
        "application/problem+json",
        "application/json ; charset=utf-16",
        'text/plain; charset="utf-8"',
        "text/html, application/problem+json",
        "foo+json",
        "",
        "a/b/c",
        "a/b;c/d",
    ],
)
def test_media_type_reads_a_header_as_aiohttp_does(header: str) -> None:
    """Bare and lower case; absent or malformed is application/octet-stream (RFC 9110)."""
    from aiohttp.helpers import parse_content_type

    assert media_type(header) == parse_content_type(header)[0]


def test_media_type_of_no_header_or_a_list_is_octet_stream() -> None:
    """A list of types is never JSON here (aiohttp would take `x/a,b+json` for one type)."""
    assert media_type(None) == "application/octet-stream"
    assert media_type("x/a,b+json") == "application/octet-stream"


def test_a_list_of_types_ending_in_json_is_not_json() -> None:
    with pytest.raises(AuthleteResponseError, match="not JSON"):
        FAIL.decode(200, "text/html, application/problem+json", json.dumps(OK_BODY).encode(), None)


@pytest.mark.parametrize("status", [200, 503])
def test_json_nested_deeper_than_the_stack_is_an_unusable_answer(status: int) -> None:
    """A body that would overflow the decoder's recursion is refused like any other bad body."""
    body = b"[" * 100_000 + b"]" * 100_000
    expected = AuthleteResponseError if status == 200 else AuthleteApiError
    with pytest.raises(expected) as caught:
        FAIL.decode(status, "application/json", body, None)
    if status == 200:
        assert "not a JSON object" in str(caught.value)
