"""The only code that touches aiohttp: the pooled session, one POST, and error mapping.

aiohttp's exceptions never leave this module. Their ``repr`` carries the request headers,
the Authorization header included, so each is replaced (``from None``) by an aioauthlete
error that keeps only its class name and a short, sanitised description.
"""

from __future__ import annotations

import ssl as _ssl
from typing import Any, TypeVar

import aiohttp
from aiohttp import hdrs

from ._errors import AuthleteTimeoutError, AuthleteTransportError
from ._protocol import PreparedRequest, too_large
from ._redact import forget_locals

#: Kept below the idle timeouts of common load balancers, so that a pooled connection is
#: dropped by us before the server drops it under a POST (which aiohttp never re-sends).
KEEPALIVE_TIMEOUT = 10.0


def open_session(
    *, max_connections: int, ssl: _ssl.SSLContext | None, trust_env: bool
) -> aiohttp.ClientSession:
    """A session with a pool of *max_connections*, TLS verification on, and no cookies."""
    connector = aiohttp.TCPConnector(
        limit=max_connections,
        limit_per_host=0,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        ssl=True if ssl is None else ssl,
    )
    return aiohttp.ClientSession(
        connector=connector,
        trust_env=trust_env,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=None),
        raise_for_status=False,
    )


Resp = TypeVar("Resp")


def connect_timeout(connect: float) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for one attempt: only the connect bound (see ``post``)."""
    return aiohttp.ClientTimeout(total=None, sock_connect=connect)


async def post(
    session: aiohttp.ClientSession,
    request: PreparedRequest[Any, Resp],
    timeout: aiohttp.ClientTimeout,
    max_body: int,
    seconds: float,
) -> Resp:
    """Send one attempt, read at most *max_body* bytes of its answer and decode it (the
    operation's ``Decode``: status, Content-Type as sent, body, Retry-After).

    The signature fits the retry loop's attempt once partially applied: *seconds* is the
    attempt's limit, which the loop enforces around this call. *timeout* carries only
    aiohttp's connect bound (``connect_timeout``). The attempt as a whole is bounded by
    the retry loop's watchdog, not by
    ``ClientTimeout.total``: aiohttp (3.14) enters its total timer twice per request and,
    when it fires, uncancels the task twice for its one cancel, so a cancellation landing
    in the same loop iteration (the caller's ``task.cancel()`` or ``asyncio.timeout``)
    would be swallowed.
    """
    # The error is raised after the except block: inside it, the aiohttp exception would
    # become our error's __context__ (suppressed in tracebacks but still reachable, and its
    # repr carries the Authorization header) and stay a local of this frame.
    error: AuthleteTransportError
    response: aiohttp.ClientResponse | None = None
    try:
        # Awaited, not `async with`: the context manager's three extra coroutines per call
        # do nothing that the `release()` below does not.
        response = await session.post(
            request.url,
            data=request.body,
            headers=request.headers,
            timeout=timeout,
            allow_redirects=False,
        )
        try:
            status, headers = response.status, response.headers
            request.status = status
            if 300 <= status < 400 or not 200 <= status < 600:
                # A redirect's body is of no use, and a status line that is no final
                # answer (000, 101, 999) leaves the connection in doubt: do not pool it.
                response.close()
                body = b""
            elif (
                (length := headers.get(hdrs.CONTENT_LENGTH)) is not None
                and int(length) <= max_body
                and hdrs.CONTENT_ENCODING not in headers
            ):
                body = await response.read()  # the common case: exactly `length` bytes
            else:
                body = await _read_capped(response, max_body)
        finally:
            response.release()  # back to the pool (closed instead if the body is unread)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        error = map_exception(exc)
    except (ValueError, TypeError, RuntimeError) as exc:
        error = map_refusal(exc, sent=response is not None, trust_env=session.trust_env)
    except BaseException as exc:  # the caller's cancellation, above all
        forget_locals(exc)
        raise
    else:
        retry_after = headers.get(hdrs.RETRY_AFTER) if status >= 400 else None
        # The path every transport shares: the cap, echoed credentials masked, decoding.
        return request.answer(status, headers.get(hdrs.CONTENT_TYPE), body, retry_after)
    raise error


async def _read_capped(response: aiohttp.ClientResponse, max_body: int) -> bytes:
    """Read a body that is too long, chunked, or compressed although we asked for identity.

    Content-Length (if any) counts compressed bytes, so count what decompression yields,
    as it yields it, and stop at the cap.
    """
    length = response.content_length
    if length is not None and length > max_body:
        response.close()
        raise too_large(response.status, max_body)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > max_body:
            response.close()
            raise too_large(response.status, max_body)
        chunks.append(chunk)
    return b"".join(chunks)


def describe(exc: BaseException) -> str:
    """Name an exception without anything that could carry request headers."""
    if isinstance(exc, aiohttp.ClientResponseError):
        text = exc.message  # str() would add the URL, repr() the request headers
    elif type(exc) is aiohttp.ClientConnectorError:
        # aiohttp's text names the TLS setting ("ssl:default") even for plain HTTP.
        reason = exc.os_error.strerror or str(exc.os_error)
        text = f"cannot connect to {exc.host}:{exc.port}: {reason}"
    else:
        text = str(exc)
    if not text and isinstance(exc, TimeoutError):
        text = "the attempt's time limit passed"
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def map_refusal(exc: Exception, *, sent: bool, trust_env: bool) -> AuthleteTransportError:
    """aiohttp's own ValueError, TypeError or RuntimeError: a request it refused to make
    (before sending) or a state it could not handle (after). Neither is retried."""
    detail = describe(exc)
    if trust_env and "AUTHORIZATION" in detail:
        detail += (
            " (trust_env=True and a .netrc entry for this host: aiohttp would add its"
            " credentials to the token's; remove the entry, or leave trust_env off)"
        )
    return AuthleteTransportError(detail=detail, may_have_reached=sent, retryable=False)


def map_exception(exc: BaseException) -> AuthleteTransportError:
    """Classify a failure of one attempt: was anything sent, and may a retry help?

    Connect-phase failures (refused, DNS, connect timeout, a proxy that refused the tunnel)
    happen before the request leaves: not sent, retried. TLS failures are not sent and not
    retried: a certificate does not verify itself on a second try. Everything after the
    request may have left (reset, disconnect, read or attempt timeout, a truncated body, a
    garbled status line) is ambiguous: Authlete may have acted on it.
    """
    detail = describe(exc)
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch | _ssl.SSLError):
        return AuthleteTransportError(detail=detail, may_have_reached=False, retryable=False)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return AuthleteTimeoutError(detail=detail, may_have_reached=False)
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ClientHttpProxyError):
        return AuthleteTransportError(detail=detail, may_have_reached=False)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return AuthleteTransportError(detail=detail, may_have_reached=False, retryable=False)
    if isinstance(exc, TimeoutError):
        return AuthleteTimeoutError(detail=detail, may_have_reached=True)
    return AuthleteTransportError(detail=detail, may_have_reached=True)
