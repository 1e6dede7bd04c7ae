"""What became of one notification, and the checks made before any is sent.

CIBA Core 1.0 sections 10.2 and 10.3: the OP POSTs to the client's notification endpoint
with the client notification token as a Bearer token; the client answers 204 (200 is
accepted too) and never redirects. A notification that did not arrive is a ``Delivery``
with its ``problem``, for the caller to act on; it is never raised.
"""

from __future__ import annotations

import enum
import urllib.parse

from attrs import frozen

from .._config import _is_loopback
from .._errors import AuthleteTimeoutError, AuthleteTransportError
from .._operations._shared import DeliveryMode
from .._validate import _TOKEN

#: CIBA Core 1.0 section 7.1 caps the client notification token at 1024 characters.
MAX_TOKEN = 1024


class DeliveryProblem(enum.StrEnum):
    """Why a notification was not delivered."""

    #: No endpoint, not ``https://`` (plain ``http://`` only for a loopback host), or not
    #: a usable URL. Nothing was sent.
    INVALID_ENDPOINT = "INVALID_ENDPOINT"
    #: No token, or one that cannot travel in a header (over 1024 visible ASCII
    #: characters, spaces, controls). Nothing was sent.
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 - a problem's name, not a secret
    #: The connection could not be made (refused, name lookup, connect timeout, a TLS
    #: certificate that does not verify). Nothing was sent.
    NOT_CONNECTED = "NOT_CONNECTED"
    #: An attempt, or the delivery's deadline, ran out of time.
    TIMEOUT = "TIMEOUT"
    #: The connection broke after the request may have left.
    CONNECTION_LOST = "CONNECTION_LOST"
    #: The endpoint answered with a redirect (3xx), which is never followed.
    REDIRECT = "REDIRECT"
    #: The endpoint answered with a status other than 200 or 204.
    REFUSED = "REFUSED"
    #: The sender was closed. Nothing was sent.
    CLOSED = "CLOSED"


@frozen(kw_only=True)
class Delivery:
    """The outcome of one notification.

    ``delivered`` is True when the endpoint answered 200 or 204. Otherwise ``problem``
    says why not, ``detail`` describes the last failure (never the token), and
    ``may_have_reached`` whether any attempt may have reached the client (a push that
    may have reached it must not be sent again blindly: it carries tokens). ``status`` is
    the last HTTP status received, ``attempts`` how many requests were started.
    """

    delivered: bool
    attempts: int
    status: int | None = None
    problem: DeliveryProblem | None = None
    detail: str = ""
    may_have_reached: bool = False


def endpoint_problem(endpoint: object) -> str | None:
    """What is wrong with *endpoint* as a notification endpoint, or ``None``.

    CIBA Core 1.0 section 4 asks for HTTPS; plain HTTP is accepted towards a loopback
    host only (tests, a local emulator), the same rule as the client's ``base_url``.
    Credentials in the URL are refused: they would add a second Authorization.
    """
    if not isinstance(endpoint, str) or not endpoint:
        return "no client notification endpoint"
    try:
        parts = urllib.parse.urlsplit(endpoint)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "the client notification endpoint is not a valid URL"
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        return "the client notification endpoint must be an absolute https:// URL"
    if parts.username is not None or parts.password is not None or parts.fragment:
        return "the client notification endpoint must not carry credentials or a fragment"
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return "the client notification endpoint must use https:// (http:// for loopback only)"
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in endpoint):
        return "the client notification endpoint holds spaces, controls or non-ASCII"
    return None


def token_problem(token: object) -> str | None:
    """What is wrong with *token* as a client notification token, or ``None`` (the token
    itself is never shown)."""
    if not isinstance(token, str) or not token:
        return "no client notification token"
    if len(token) > MAX_TOKEN or _TOKEN.fullmatch(token) is None:
        return "the client notification token is not 1-1024 visible ASCII characters"
    return None


def shown(endpoint: str) -> str:
    """*endpoint* as records and details show it: without its query."""
    parts = urllib.parse.urlsplit(endpoint)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


SUCCESS = frozenset({200, 204})
#: Statuses a ping is sent again after: throttling, and server errors a retry can outlast.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def outcome_of(status: int | None, error: AuthleteTransportError | None, attempts: int) -> Delivery:
    if error is not None:
        if not error.may_have_reached:
            problem = DeliveryProblem.NOT_CONNECTED
        elif isinstance(error, AuthleteTimeoutError):
            problem = DeliveryProblem.TIMEOUT
        else:
            problem = DeliveryProblem.CONNECTION_LOST
        return Delivery(
            delivered=False,
            attempts=attempts,
            problem=problem,
            detail=error.detail,
            may_have_reached=error.may_have_reached,
        )
    assert status is not None
    if status in SUCCESS:
        return Delivery(delivered=True, attempts=attempts, status=status, may_have_reached=True)
    redirect = 300 <= status < 400
    return Delivery(
        delivered=False,
        attempts=attempts,
        status=status,
        problem=DeliveryProblem.REDIRECT if redirect else DeliveryProblem.REFUSED,
        detail=f"HTTP {status}" + (" (redirects are not followed)" if redirect else ""),
        may_have_reached=True,
    )


def worth_retrying(mode: DeliveryMode | None, outcome: Delivery, retryable: bool) -> bool:
    """Whether *outcome* (so far) is worth another attempt, by *mode*.

    A ping carries only the ``auth_req_id``: sending it twice makes the client ask the
    token endpoint once more, so any transient failure is retried (no connection, a
    timeout, a connection lost after sending, 429 and 5xx). A push carries the tokens: a
    second copy of tokens that may already have arrived is a second set of credentials in
    flight, so only a failure that certainly sent nothing (no connection, on any attempt
    so far) is retried. An unknown mode gets the push rule. A redirect, another 4xx or a
    certificate that does not verify (*retryable* False) is never retried.
    """
    if not retryable:
        return False
    if mode is DeliveryMode.PING:
        if outcome.problem is DeliveryProblem.REFUSED:
            return outcome.status in RETRY_STATUSES
        return outcome.problem in {
            DeliveryProblem.NOT_CONNECTED,
            DeliveryProblem.TIMEOUT,
            DeliveryProblem.CONNECTION_LOST,
        }
    return outcome.problem is DeliveryProblem.NOT_CONNECTED and not outcome.may_have_reached


def deadline_passed(attempts: int, reached: bool) -> Delivery:
    return Delivery(
        delivered=False,
        attempts=attempts,
        problem=DeliveryProblem.TIMEOUT,
        detail="the delivery's deadline passed",
        may_have_reached=reached,
    )
