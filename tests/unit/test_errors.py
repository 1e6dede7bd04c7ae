"""The exception tree: structure, messages that lead with facts, and no secrets."""

from __future__ import annotations

import pickle

import pytest

from aioauthlete import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTimeoutError,
    AuthleteTransportError,
)


def test_tree_is_rooted_and_timeout_is_also_builtin() -> None:
    """Every error is an AuthleteError; the timeout error is also a builtin TimeoutError."""
    assert issubclass(AuthleteApiError, AuthleteError)
    assert issubclass(AuthleteResponseError, AuthleteError)
    assert issubclass(AuthleteTimeoutError, AuthleteTransportError)
    assert issubclass(AuthleteTimeoutError, TimeoutError)


def test_api_error_str_leads_with_status_and_result_code() -> None:
    """str() starts with the HTTP status, then the result code and message."""
    error = AuthleteApiError(status=401, result_code="A001202", result_message="missing header")
    assert str(error) == "HTTP 401 A001202: missing header"


def test_api_error_without_body_and_with_retry_after() -> None:
    """A proxy's answer has no result code; a Retry-After is shown in seconds."""
    error = AuthleteApiError(status=429, retry_after=30.0)
    assert str(error) == "HTTP 429 (Retry-After 30 s)"


def test_server_text_is_escaped_in_messages() -> None:
    """CR/LF from a server cannot forge lines in a log that prints the error."""
    error = AuthleteApiError(status=500, result_code="X\r\nY", result_message="a\nINFO fake")
    assert "\n" not in str(error)
    assert "\r" not in str(error)
    assert "\\n" in str(error)


def test_transport_error_says_whether_the_request_may_have_arrived() -> None:
    """The message and the flag agree on whether Authlete may have seen the request."""
    sent = AuthleteTransportError(detail="ServerDisconnectedError", may_have_reached=True)
    unsent = AuthleteTransportError(detail="ClientConnectorError", may_have_reached=False)
    assert sent.may_have_reached
    assert sent.ambiguous
    assert "may have reached" in str(sent)
    assert not unsent.may_have_reached
    assert "did not reach" in str(unsent)


def test_deadline_timeout_is_not_retryable() -> None:
    """A passed deadline leaves nothing to retry with; an attempt timeout is retryable."""
    assert not AuthleteTimeoutError(detail="d", may_have_reached=True, deadline=True).retryable
    assert AuthleteTimeoutError(detail="d", may_have_reached=True).retryable


def test_response_error_names_the_problem() -> None:
    """An unusable answer says its status and what was wrong."""
    error = AuthleteResponseError(status=200, problem="not JSON (content type text/html)")
    assert str(error) == "HTTP 200: unusable answer: not JSON (content type text/html)"


@pytest.mark.parametrize(
    "error",
    [
        AuthleteApiError(status=503, result_code="X", retry_after=1.0, attempts=3),
        AuthleteResponseError(status=302, problem="redirect"),
        AuthleteTransportError(detail="reset", may_have_reached=True, attempts=2),
        AuthleteTimeoutError(detail="slow", may_have_reached=False, deadline=True),
    ],
)
def test_errors_pickle_with_their_fields(error: AuthleteError) -> None:
    """Errors cross process boundaries (multiprocessing, logging queues) intact."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.attempts == error.attempts
    assert repr(copy) == repr(error)


def test_a_result_code_that_repeats_the_status_is_said_once() -> None:
    """The spec's 404 example has resultCode 404: ``HTTP 404: ...``, not ``HTTP 404 404``."""
    error = AuthleteApiError(status=404, result_code="404", result_message="Not found.")
    assert str(error) == "HTTP 404: Not found."
