"""The Locust user's client: the library's operations over Locust's FastHttpSession.

One attempt per call, no retries: a load test counts every failure instead of hiding it
behind a second try (``AuthleteClient`` retries; this does not). Each call is one row of
Locust's statistics, named after its method.

A call goes through the session's HTTP agent (its connections, cookies and TLS settings)
and fires Locust's ``request`` event itself, as Locust's documentation says a custom
client does: the session's own ``request`` copies the headers, builds a response wrapper
and looks the headers up again, and a call through it cost 1.18x a bare FastHttpUser's
client CPU per request, against 1.02x this way (``benchmarks.locust_bench``).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Container
from typing import Any, Final, TypeVar, cast

import gevent
from locust.contrib.fasthttp import (
    FAILURE_EXCEPTIONS,
    FastHttpSession,
    FastResponse,
    LocustUserAgent,
)

from .._errors import AuthleteError
from .._operation import FormRequest, Operation
from .._operations._authentication import (
    AUTHENTICATION,
    BackchannelAuthenticationRequest,
    BackchannelAuthenticationResponse,
)
from .._operations._complete import (
    COMPLETE,
    BackchannelAuthenticationCompleteRequest,
    BackchannelAuthenticationCompleteResponse,
)
from .._operations._fail import FAIL, AnyFailRequest, BackchannelAuthenticationFailResponse
from .._operations._issue import (
    ISSUE,
    BackchannelAuthenticationIssueRequest,
    BackchannelAuthenticationIssueResponse,
)
from .._operations._token import TOKEN, TokenRequest, TokenResponse
from .._policies import TimeoutPolicy
from ..protocol import PreparedRequest, Service
from ._outcome import FailedCall, answer_of, failure_message, no_answer

Resp = TypeVar("Resp")

#: The statistics row of each operation: the name of its method.
METHOD_NAMES: Final[dict[Operation[Any, Any], str]] = {
    AUTHENTICATION: "backchannel_authentication",
    ISSUE: "backchannel_authentication_issue",
    FAIL: "backchannel_authentication_fail",
    COMPLETE: "backchannel_authentication_complete",
    TOKEN: "token",
}

#: Actions a call accepts as a success; ``None``: every documented one.
Expected = Container[object] | None

#: Every status the HTTP parser lets through: the protocol layer judges them all.
_EVERY_STATUS = frozenset(range(1000))


def _own_agent(session: FastHttpSession) -> LocustUserAgent:
    """*session*'s HTTP agent, sharing its connections and cookies, handing every status
    over as an answer and following no redirect.

    On a status it calls bad, geventhttpclient reads the whole body (no cap), decodes it as
    UTF-8 (raising for any other bytes) and keeps a transcript of the request, token
    included; the user's own session keeps that behaviour for its own requests.
    """
    agent = copy.copy(session.client)
    agent.valid_response_codes = _EVERY_STATUS  # type: ignore[misc]
    agent.redirect_response_codes = frozenset()  # type: ignore[misc]
    return agent


class _Headers(dict[str, str]):
    """Request headers whose ``repr`` hides the Authorization value (tracebacks with
    locals show it otherwise)."""

    def __repr__(self) -> str:
        return repr(
            {k: "<redacted>" if k.lower() == "authorization" else v for k, v in self.items()}
        )


class AuthleteLocustClient:
    """The operations of ``AuthleteClient``, blocking (gevent), recorded in Locust's stats.

    Each method takes the library's request model (or a ``FormRequest`` of it) and returns
    its typed response. Every documented action is a success, ``INTERNAL_SERVER_ERROR``
    included, unless *expect* lists the actions that are (then any other is recorded as a
    failure, ``unexpected action X``, and still returned). A call with no usable answer
    (a transport error, a non-2xx status, an unusable answer) is recorded as a failure
    under a short message (its class, status and result code) and raises the
    ``AuthleteError``: catch it to end the flow quietly (it is counted already), or let
    Locust log it. *name* replaces the method's name as the statistics row. A bad request
    raises ``ValueError``/``TypeError`` before anything is sent, and nothing is recorded.

    *attempt_timeout* bounds each call as a whole, however slowly the answer trickles in
    (the session's own timeouts bound each socket read only); ``None``: no bound.
    """

    __slots__ = ("_agent", "_attempt", "_headers", "_service", "session")

    def __init__(
        self,
        session: FastHttpSession,
        service: Service,
        *,
        attempt_timeout: float | None = TimeoutPolicy().attempt,
    ) -> None:
        if attempt_timeout is not None and not attempt_timeout > 0:
            raise ValueError("attempt_timeout must be more than 0 seconds, or None")
        #: Locust's own client, for requests to anything else (it records them too).
        self.session = session
        self._agent = _own_agent(session)
        self._service = service
        self._attempt = attempt_timeout
        #: The service's header sets (one per content type) as plain str-keyed dicts:
        #: geventhttpclient handles multidict's keys at several times the cost.
        self._headers: dict[int, tuple[object, _Headers]] = {}

    @property
    def service(self) -> Service:
        return self._service

    def __repr__(self) -> str:
        return f"<AuthleteLocustClient {self._service!r}>"

    def backchannel_authentication(
        self,
        request: BackchannelAuthenticationRequest | FormRequest[BackchannelAuthenticationRequest],
        *,
        name: str | None = None,
        expect: Expected = None,
    ) -> BackchannelAuthenticationResponse:
        """``AuthleteClient.backchannel_authentication``, one attempt."""
        return self.call(AUTHENTICATION, request, name=name, expect=expect)

    def backchannel_authentication_issue(
        self,
        request: BackchannelAuthenticationIssueRequest
        | FormRequest[BackchannelAuthenticationIssueRequest],
        *,
        name: str | None = None,
        expect: Expected = None,
    ) -> BackchannelAuthenticationIssueResponse:
        """``AuthleteClient.backchannel_authentication_issue``, one attempt."""
        return self.call(ISSUE, request, name=name, expect=expect)

    def backchannel_authentication_fail(
        self, request: AnyFailRequest, *, name: str | None = None, expect: Expected = None
    ) -> BackchannelAuthenticationFailResponse:
        """``AuthleteClient.backchannel_authentication_fail``, one attempt."""
        return self.call(FAIL, request, name=name, expect=expect)

    def backchannel_authentication_complete(
        self,
        request: BackchannelAuthenticationCompleteRequest
        | FormRequest[BackchannelAuthenticationCompleteRequest],
        *,
        name: str | None = None,
        expect: Expected = None,
    ) -> BackchannelAuthenticationCompleteResponse:
        """``AuthleteClient.backchannel_authentication_complete``, one attempt."""
        return self.call(COMPLETE, request, name=name, expect=expect)

    def token(
        self,
        request: TokenRequest | FormRequest[TokenRequest],
        *,
        name: str | None = None,
        expect: Expected = None,
    ) -> TokenResponse:
        """``AuthleteClient.token``, one attempt."""
        return self.call(TOKEN, request, name=name, expect=expect)

    def call(
        self,
        operation: Operation[Any, Resp],
        request: object,
        *,
        name: str | None = None,
        expect: Expected = None,
    ) -> Resp:
        """Call any *operation* (``aioauthlete.operations``) once, as its method would."""
        prepared = self._service.prepare(operation, request)
        row = name or METHOD_NAMES.get(operation) or operation.name
        session = self.session
        # One deadline for the whole attempt: geventhttpclient's timeouts are per read.
        deadline = gevent.Timeout(self._attempt)
        start_time = time.time()
        started = time.perf_counter()
        answer: FastResponse | None = None
        length = 0
        error: AuthleteError | None = None
        deadline.start()
        try:
            # The agent's answers are FastResponses (LocustUserAgent.response_type).
            answer = cast(
                FastResponse,
                self._agent.urlopen(
                    prepared.url,
                    method="POST",
                    headers=self._headers_of(prepared),
                    payload=prepared.body,
                ),
            )
            response, length = answer_of(prepared, answer, deadline)
        except AuthleteError as exc:
            error = exc  # masked already
        except FAILURE_EXCEPTIONS as exc:  # no answer: refused, reset, timed out, unparsable
            if isinstance(exc, gevent.Timeout) and exc is not deadline:
                raise  # someone else's
            error = prepared.scrub(no_answer(exc))
        finally:
            deadline.close()  # before the listeners run: they may block
        failure: FailedCall | None = None
        if error is not None:
            failure = FailedCall(failure_message(error), error)
        elif expect is not None and getattr(response, "action", None) not in expect:
            message = f"unexpected action {getattr(response, 'action', None)}"
            failure = FailedCall(message, response=response)
        session.request_event.fire(
            request_type="POST",
            name=row,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            response=answer,
            context=session.user.context() if session.user else {},
            exception=failure,
            start_time=start_time,
            url=prepared.url,
        )
        if error is None:
            return response
        del answer, prepared  # the raw answer and request: not locals of the traceback
        raise error

    def _headers_of(self, prepared: PreparedRequest[Any, Any]) -> _Headers:
        """*prepared*'s headers as a plain str-keyed dict (its service has one per type)."""
        cached = self._headers.get(id(prepared.headers))
        if cached is None:
            cached = self._headers[id(prepared.headers)] = (
                prepared.headers,  # kept alive, so that its id stays its own
                _Headers({str(k): v for k, v in prepared.headers.items()}),
            )
        return cached[1]
