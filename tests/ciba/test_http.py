"""HttpAnswer and ClientRequest values, and reading Basic client credentials."""

from __future__ import annotations

import base64

import attrs
import pytest

from aioauthlete.ciba import ClientRequest, HttpAnswer
from aioauthlete.ciba._http import basic_credentials, oauth_error, server_error
from tests.ciba.support import ACCESS_TOKEN, BASIC, CLIENT_ID, CLIENT_SECRET


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_an_answer_is_frozen_and_its_headers_cannot_be_changed() -> None:
    headers = {"Content-Type": "application/json"}
    answer = HttpAnswer(status=200, headers=headers, body="{}")
    headers["X-Later"] = "1"  # the caller's dict is copied
    assert dict(answer.headers) == {"Content-Type": "application/json"}
    with pytest.raises(TypeError):
        answer.headers["X"] = "1"  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        answer.status = 500  # type: ignore[misc]
    assert hash(answer) == hash(HttpAnswer(status=200, headers={}, body="{}"))


@pytest.mark.parametrize(
    "headers",
    [{"X": "a\r\nSet-Cookie: x=1"}, {"X\n": "a"}, {"": "a"}, {"X:Y": "a"}, {"X": "\x00"}],
)
def test_a_header_that_could_write_another_header_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="control characters"):
        HttpAnswer(status=200, headers=headers, body="")


@pytest.mark.parametrize("status", [99, 600, True, "200"])
def test_a_status_outside_http_is_refused(status: object) -> None:
    with pytest.raises(ValueError, match="HTTP status"):
        HttpAnswer(status=status, headers={}, body="")  # type: ignore[arg-type]


def test_an_answer_repr_shows_the_body_length_only() -> None:
    body = f'{{"access_token":"{ACCESS_TOKEN}"}}'
    answer = HttpAnswer(status=200, headers={}, body=body)
    assert ACCESS_TOKEN not in repr(answer)
    assert f"<{len(body)} characters>" in repr(answer)


def test_a_request_repr_hides_the_credentials_and_the_body() -> None:
    request = ClientRequest(
        body=f"client_secret={CLIENT_SECRET}", authorization=BASIC, dpop=ACCESS_TOKEN
    )
    for secret in (CLIENT_SECRET, BASIC, ACCESS_TOKEN):
        assert secret not in repr(request)


def test_a_request_body_that_is_no_text_is_refused() -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        ClientRequest(body="a=\ud800")


def test_basic_credentials_are_split_at_the_first_colon() -> None:
    assert basic_credentials(BASIC) == (CLIENT_ID, CLIENT_SECRET)
    assert basic_credentials(basic("id:sec:ret")) == ("id", "sec:ret")
    assert basic_credentials(basic("id:")) == ("id", "")


def test_basic_credentials_are_form_decoded_as_rfc_6749_says() -> None:
    assert basic_credentials(basic("my%3Aid:a+b%25")) == ("my:id", "a b%")


def test_the_scheme_is_case_insensitive() -> None:
    assert basic_credentials("bAsIc " + BASIC.split()[1]) == (CLIENT_ID, CLIENT_SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer abc",
        "Basic",
        "Basic !!!not-base64",
        basic("no-colon"),
        basic(":secret-without-id"),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
    ],
)
def test_anything_but_well_formed_basic_leaves_the_credentials_to_the_body(
    header: str | None,
) -> None:
    assert basic_credentials(header) is None


def test_the_local_answers_are_json_that_is_not_stored() -> None:
    assert server_error().status == 500
    assert server_error().body == '{"error":"server_error"}'
    answer = oauth_error(400, "invalid_request", "why")
    assert answer.body == '{"error":"invalid_request","error_description":"why"}'
    assert answer.headers["Cache-Control"] == "no-store"
