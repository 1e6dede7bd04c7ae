"""What one request's answer is, as Locust's HTTP agent gave it: a response or an error.

The answer is turned into the operation's response through the protocol layer, or into
the ``AuthleteError`` the asyncio client would have raised, and into the short message
Locust files the failure under.
"""

from __future__ import annotations

import re
import socket
import ssl
import zlib
from typing import Any, TypeVar

import gevent
from geventhttpclient.response import HTTPConnectionClosed, HTTPParseError
from geventhttpclient.useragent import ConnectionError as ClientConnectionError
from geventhttpclient.useragent import RetriesExceeded
from locust.contrib.fasthttp import FastResponse

from .._errors import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTimeoutError,
    AuthleteTransportError,
)
from .._protocol import too_large
from .._redact import escape_control
from ..protocol import PreparedRequest, read_answer
from ._body import OverCap, read_body

Resp = TypeVar("Resp")

#: What reading the body may raise besides the deadline: the socket's and the parser's.
_BROKEN = (OSError, HTTPParseError, HTTPConnectionClosed, zlib.error)
#: Authlete's result codes (``A001101``): any other text a server put there stays out of
#: the row, which must stay the same from one failure to the next.
_RESULT_CODE = re.compile(r"[A-Z][0-9]{6}")


class FailedCall(Exception):  # noqa: N818 - Locust's failures are exceptions; this is one
    """What Locust records for a call that counts as a failure.

    Locust's statistics file failures under ``repr()`` of what was recorded, so that is
    the short, stable message (the error's class, status and result code; never a token,
    a ticket or a server's free text, so that a thousand failures make one row). The
    error itself is ``error`` (``None`` for an answer whose action was not expected,
    which is ``response``), for request event listeners.
    """

    def __init__(
        self, message: str, error: AuthleteError | None = None, response: object = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error = error
        self.response = response

    def __repr__(self) -> str:
        return self.message

    def __str__(self) -> str:
        return self.message


def answer_of(
    prepared: PreparedRequest[Any, Resp], answer: FastResponse, deadline: gevent.Timeout
) -> tuple[Resp, int]:
    """The response *answer* stands for, and its body's length; raise its
    ``AuthleteError`` (masked) otherwise.

    The body is still unread: it is read here, under the cap and before *deadline* (the
    attempt's).
    """
    headers = answer.headers
    if headers is None:  # pragma: no cover - the agent answers with headers or raises
        raise prepared.scrub(no_answer(None))
    status = answer.status_code
    try:
        body = read_body(
            answer,
            status,
            _header(headers.get("content-length")),
            _header(headers.get("content-encoding")),
            prepared.max_body,
        )
    except OverCap:
        answer.release()  # the rest unread: the connection is closed, not pooled
        error = prepared.scrub(too_large(status, prepared.max_body))
        raise error from None
    except AuthleteResponseError as exc:
        answer.release()
        error = prepared.scrub(exc)
        raise error from None
    except (*_BROKEN, gevent.Timeout) as exc:
        if isinstance(exc, gevent.Timeout) and exc is not deadline:
            raise  # someone else's
        error = prepared.scrub(no_answer(exc))
        raise error from None
    # Retry-After only matters on an error (429, 503): no lookup for the usual answer.
    retry_after = _header(headers.get("retry-after")) if status >= 400 else None
    content_type = _header(headers.get("content-type"))
    return read_answer(prepared, status, content_type, body, retry_after), len(body)


def _header(value: str | list[str] | None) -> str | None:
    """One header's value as sent; repeated, it is as malformed as a list of values."""
    return value if value is None or isinstance(value, str) else ", ".join(value)


def no_answer(exc: BaseException | None) -> AuthleteTransportError:
    """Classify a failure of geventhttpclient as the asyncio transport classifies aiohttp's:
    was anything sent, and is it worth another try (for whoever retries)?"""
    if isinstance(exc, RetriesExceeded) and isinstance(exc.__dict__.get("original"), BaseException):
        exc = exc.__dict__["original"]
    detail = _describe(exc)
    if isinstance(exc, gevent.Timeout):  # the attempt's deadline
        return AuthleteTimeoutError(
            detail="TimeoutError: the attempt's time limit passed", may_have_reached=True
        )
    if isinstance(exc, ssl.SSLError) and not _timed_out(exc):
        return AuthleteTransportError(detail=detail, may_have_reached=False, retryable=False)
    if isinstance(exc, ConnectionRefusedError | socket.gaierror):
        return AuthleteTransportError(detail=detail, may_have_reached=False)
    if _timed_out(exc):
        return AuthleteTimeoutError(detail=detail, may_have_reached=True)
    return AuthleteTransportError(detail=detail, may_have_reached=True)


def _timed_out(exc: BaseException | None) -> bool:
    return isinstance(exc, TimeoutError | gevent.Timeout) or (
        isinstance(exc, ssl.SSLError) and "timed out" in str(exc)
    )


def _describe(exc: BaseException | None) -> str:
    """The class and text of *exc*, without the URL geventhttpclient's errors lead with."""
    if exc is None:  # pragma: no cover - Locust always records why there is no answer
        return "no answer"
    text = exc.text if isinstance(exc, ClientConnectionError) else str(exc)
    if not text and _timed_out(exc):
        text = "the network timeout passed"
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def failure_message(error: AuthleteError) -> str:
    """The row Locust files *error* under: its class, and what stays the same from one
    failure of the kind to the next (status, result code, problem; no server's message)."""
    name = type(error).__name__
    if isinstance(error, AuthleteApiError):
        code = error.result_code
        shown = f" {code}" if code and _RESULT_CODE.fullmatch(code) else ""
        return f"{name}: HTTP {error.status}{shown}"
    if isinstance(error, AuthleteResponseError):
        return f"{name}: HTTP {error.status}: {_row_text(error.problem)}"
    if isinstance(error, AuthleteTransportError):
        reached = "may have reached Authlete" if error.ambiguous else "did not reach Authlete"
        return f"{name}: {_row_text(error.detail)} ({reached})"
    return name  # pragma: no cover - every AuthleteError is one of the three


def _row_text(text: str) -> str:
    """*text* as one short line of UTF-8: a lone surrogate a server sent (JSON can carry
    one) would stop Locust's CSV writer and its workers' reports to the master."""
    shown = escape_control(text, 100)
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")
