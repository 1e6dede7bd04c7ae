"""Every aiohttp failure maps to one of our errors, with the right retry decision."""

from __future__ import annotations

import ssl

import aiohttp
import pytest
from aiohttp import client_exceptions
from aiohttp.client_reqrep import ConnectionKey, RequestInfo
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from aioauthlete import AuthleteTimeoutError, AuthleteTransportError, RetryPolicy
from aioauthlete._backoff import is_retryable
from aioauthlete._transport import map_exception
from tests.helpers import FAIL_URL, TOKEN

KEY = ConnectionKey("us.authlete.com", 443, True, True, None, None, None, None)
REQUEST_INFO = RequestInfo(
    URL(FAIL_URL), "POST", CIMultiDictProxy(CIMultiDict({"Authorization": f"Bearer {TOKEN}"}))
)
REFUSED = ConnectionRefusedError(111, "Connection refused")

# (exception, error class, may have reached Authlete, retried by the default policy)
CASES: list[tuple[BaseException, type[AuthleteTransportError], bool, bool]] = [
    (aiohttp.ClientConnectorError(KEY, REFUSED), AuthleteTransportError, False, True),
    (
        aiohttp.ClientConnectorDNSError(KEY, OSError(-2, "Name unknown")),
        AuthleteTransportError,
        False,
        True,
    ),
    (aiohttp.ClientProxyConnectionError(KEY, REFUSED), AuthleteTransportError, False, True),
    (
        aiohttp.ClientHttpProxyError(REQUEST_INFO, (), status=407),
        AuthleteTransportError,
        False,
        True,
    ),
    (aiohttp.ConnectionTimeoutError("connect"), AuthleteTimeoutError, False, True),
    (aiohttp.ClientSSLError(KEY, ssl.SSLError(1, "bad")), AuthleteTransportError, False, False),
    (
        aiohttp.ClientConnectorSSLError(KEY, ssl.SSLError(1, "bad")),
        AuthleteTransportError,
        False,
        False,
    ),
    (
        aiohttp.ClientConnectorCertificateError(
            KEY, ssl.SSLCertVerificationError(1, "self-signed")
        ),
        AuthleteTransportError,
        False,
        False,
    ),
    (aiohttp.ServerFingerprintMismatch(b"a", b"b", "h", 443), AuthleteTransportError, False, False),
    (ssl.SSLError(1, "handshake"), AuthleteTransportError, False, False),
    (aiohttp.InvalidURL("x"), AuthleteTransportError, False, False),
    (aiohttp.NonHttpUrlClientError("ftp://x"), AuthleteTransportError, False, False),
    (aiohttp.SocketTimeoutError("read"), AuthleteTimeoutError, True, True),
    (aiohttp.ServerTimeoutError("read"), AuthleteTimeoutError, True, True),
    (TimeoutError(), AuthleteTimeoutError, True, True),
    (aiohttp.ServerDisconnectedError(), AuthleteTransportError, True, True),
    (aiohttp.ClientConnectionResetError("reset"), AuthleteTransportError, True, True),
    (aiohttp.ClientOSError(104, "Connection reset by peer"), AuthleteTransportError, True, True),
    (aiohttp.ClientPayloadError("truncated"), AuthleteTransportError, True, True),
    (
        aiohttp.ClientResponseError(REQUEST_INFO, (), status=400, message="Bad status line"),
        AuthleteTransportError,
        True,
        True,
    ),
    (
        aiohttp.ContentTypeError(REQUEST_INFO, (), status=200, message="text/html"),
        AuthleteTransportError,
        True,
        True,
    ),
    (aiohttp.ServerConnectionError(), AuthleteTransportError, True, True),
    (aiohttp.ClientConnectionError(), AuthleteTransportError, True, True),
    (aiohttp.ClientError(), AuthleteTransportError, True, True),
    (client_exceptions.UploadAbortedError(), AuthleteTransportError, True, True),
    (ConnectionResetError(104, "reset"), AuthleteTransportError, True, True),
]


@pytest.mark.parametrize(
    ("exc", "cls", "reached", "retried"), CASES, ids=lambda v: type(v).__name__
)
def test_classification(
    exc: BaseException, cls: type[AuthleteTransportError], reached: bool, retried: bool
) -> None:
    """Connect-phase failures are not sent; TLS is final; anything later is ambiguous."""
    error = map_exception(exc)
    assert type(error) is cls
    assert error.may_have_reached is reached
    assert is_retryable(RetryPolicy(), error) is retried


@given(st.sampled_from(CASES))
def test_mapped_errors_never_carry_the_token_or_the_aiohttp_object(
    case: tuple[BaseException, type[AuthleteTransportError], bool, bool],
) -> None:
    """The aiohttp exception (whose repr holds the headers) is dropped, only its name kept."""
    exc = case[0]
    assert TOKEN in repr(exc) or not isinstance(exc, aiohttp.ClientResponseError)
    error = map_exception(exc)
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert type(exc).__name__ in error.detail
    assert error.__cause__ is None


def test_every_aiohttp_client_error_type_is_covered() -> None:
    """A new aiohttp exception type shows up here before it shows up in production."""
    covered = {type(case[0]) for case in CASES}
    websocket = {aiohttp.WSServerHandshakeError, client_exceptions.WSMessageTypeError}
    redirect = {  # never raised: redirects are not followed
        client_exceptions.RedirectClientError,
        client_exceptions.InvalidUrlClientError,
        client_exceptions.InvalidUrlRedirectClientError,
        client_exceptions.NonHttpUrlRedirectClientError,
    }
    names = (getattr(client_exceptions, n) for n in client_exceptions.__all__)
    client_errors = {c for c in names if isinstance(c, type) and issubclass(c, aiohttp.ClientError)}
    assert client_errors - websocket - redirect - covered == set()
