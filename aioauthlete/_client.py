"""AuthleteClient: one method per operation, and one generic door for any of them."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Iterable
from typing import Any, TypeVar

from . import _batch
from ._batch import BatchOptions, Requests, in_input_order
from ._core import ClientCore
from ._operation import FormRequest, Operation
from ._operations._authentication import (
    AUTHENTICATION,
    BackchannelAuthenticationRequest,
    BackchannelAuthenticationResponse,
)
from ._operations._complete import (
    COMPLETE,
    BackchannelAuthenticationCompleteRequest,
    BackchannelAuthenticationCompleteResponse,
)
from ._operations._fail import FAIL, AnyFailRequest, BackchannelAuthenticationFailResponse
from ._operations._issue import (
    ISSUE,
    BackchannelAuthenticationIssueRequest,
    BackchannelAuthenticationIssueResponse,
)
from ._operations._token import TOKEN, TokenRequest, TokenResponse
from ._outcome import FailOutcome, Outcome
from ._policies import RetryPolicy, TimeoutPolicy

Req = TypeVar("Req")
Resp = TypeVar("Resp")

#: The input of the fail call's batch methods.
FailRequests = Iterable[AnyFailRequest] | AsyncIterable[AnyFailRequest]


class AuthleteClient(ClientCore):
    """An asyncio client for Authlete's CIBA API.

    Create one per application (or per service) and share it: it keeps one pooled aiohttp
    session, a retry budget, and a gate of ``max_connections`` slots that calls wait on
    before their attempt timer starts. Use it as ``async with AuthleteClient(...) as
    client:`` or call ``await client.aclose()``; a session passed in as *session* is
    borrowed and never closed by the client.

    Each operation has a method; ``call``, ``many`` and ``stream`` serve any operation
    value (``aioauthlete.operations``), for load tests and bulk work. *retry* and *timeout*
    replace the client's policies for one call or batch; the retry budget stays the
    client's.

    ``sleep``, ``clock`` and ``random`` exist for tests: they drive backoff and deadline
    arithmetic (the hard deadline still runs on the event loop's clock).
    """

    async def backchannel_authentication(
        self,
        request: BackchannelAuthenticationRequest | FormRequest[BackchannelAuthenticationRequest],
        *,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> BackchannelAuthenticationResponse:
        """Pass a CIBA client's backchannel authentication request to Authlete and return
        what to do next: answer the client (the error actions) or identify the user
        (``USER_IDENTIFICATION``, with the ticket for issue, fail and complete).

        Retried after a failure that may have reached Authlete: a lost answer only leaves
        an unused ticket behind.
        """
        answered = await self._call(AUTHENTICATION, request, retry, timeout)
        return answered.response

    async def backchannel_authentication_issue(
        self,
        request: BackchannelAuthenticationIssueRequest
        | FormRequest[BackchannelAuthenticationIssueRequest],
        *,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> BackchannelAuthenticationIssueResponse:
        """Have Authlete issue the ``auth_req_id`` for an identified user's ticket; the
        answer's ``response_content`` is what the CIBA client receives."""
        answered = await self._call(ISSUE, request, retry, timeout)
        return answered.response

    async def backchannel_authentication_complete(
        self,
        request: BackchannelAuthenticationCompleteRequest
        | FormRequest[BackchannelAuthenticationCompleteRequest],
        *,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> BackchannelAuthenticationCompleteResponse:
        """Tell Authlete how the user decided and return what to do next (notify the
        client, or nothing in poll mode).

        Not retried after a failure that may have reached Authlete (the ticket is consumed
        and push mode mints tokens), unless *retry* says ``retry_ambiguous=True``.
        """
        answered = await self._call(COMPLETE, request, retry, timeout)
        return answered.response

    async def token(
        self,
        request: TokenRequest | FormRequest[TokenRequest],
        *,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> TokenResponse:
        """Pass a token request (CIBA's ``auth_req_id`` poll, or any grant) to Authlete
        and return the answer for the client, or what is left to do for the grants
        Authlete leaves to the caller.

        Not retried after a failure that may have reached Authlete (an ``auth_req_id`` or
        a code is single-use), unless *retry* says ``retry_ambiguous=True``.
        """
        answered = await self._call(TOKEN, request, retry, timeout)
        return answered.response

    async def backchannel_authentication_fail(
        self,
        request: AnyFailRequest,
        *,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> BackchannelAuthenticationFailResponse:
        """Fail one ticket and return Authlete's answer.

        A ``BackchannelAuthenticationFailRequest`` is sent as JSON to the client's service;
        a ``BackchannelAuthenticationFailApiFormRequest`` (or a ``FormRequest``) is sent
        form-encoded to its own ``service_id``. Every ``action`` is an answer
        (``INTERNAL_SERVER_ERROR`` included); anything else raises an ``AuthleteError``.
        """
        answered = await self._call(FAIL, request, retry, timeout)
        return answered.response

    async def backchannel_authentication_fail_many(
        self,
        requests: FailRequests,
        *,
        concurrency: int = 16,
        rate: float | None = None,
        burst: int | None = None,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> list[FailOutcome]:
        """Fail many tickets, at most *concurrency* at a time; one outcome each, in input order.

        A ticket's failure becomes its outcome's ``error`` and never stops the others; a bug
        or a cancellation stops the whole batch, leaving no task behind. *rate* (requests per
        second, bursts of *burst*) paces the batch, and a 429 then pauses all of it for the
        ``Retry-After`` and halves the rate. *concurrency* may not exceed
        ``max_connections``. For inputs too large to hold in memory, use
        ``backchannel_authentication_fail_stream``.
        """
        outcomes = self.backchannel_authentication_fail_stream(
            requests, concurrency=concurrency, rate=rate, burst=burst, retry=retry, timeout=timeout
        )
        return await in_input_order(outcomes)

    def backchannel_authentication_fail_stream(
        self,
        requests: FailRequests,
        *,
        concurrency: int = 16,
        rate: float | None = None,
        burst: int | None = None,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> AsyncGenerator[FailOutcome, None]:
        """Like ``backchannel_authentication_fail_many``, yielding outcomes as they complete.

        *requests* may be a sync or async iterable and is read lazily, only as fast as
        tickets are sent. Outcomes come in completion order; ``outcome.index`` is the input
        position. Close the stream if you stop early (``contextlib.aclosing``), so its
        workers stop at once rather than when the event loop shuts down.
        """
        options = BatchOptions(
            concurrency=concurrency, rate=rate, burst=burst, retry=retry, timeout=timeout
        )
        return _batch.stream(self, FAIL, requests, options.check(self), FailOutcome)

    async def call(
        self,
        operation: Operation[Any, Resp],
        request: object,
        *,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> Resp:
        """Call *operation* once, as its own method would (for code that picks the
        operation at run time: load tests, tools)."""
        answered = await self._call(operation, request, retry, timeout)
        return answered.response

    async def many(
        self,
        operation: Operation[Any, Resp],
        requests: Requests,
        *,
        concurrency: int = 16,
        rate: float | None = None,
        burst: int | None = None,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> list[Outcome[Any, Resp]]:
        """``backchannel_authentication_fail_many`` for any operation: one ``Outcome`` per
        request, in input order."""
        outcomes = self.stream(
            operation,
            requests,
            concurrency=concurrency,
            rate=rate,
            burst=burst,
            retry=retry,
            timeout=timeout,
        )
        return await in_input_order(outcomes)

    def stream(
        self,
        operation: Operation[Any, Resp],
        requests: Requests,
        *,
        concurrency: int = 16,
        rate: float | None = None,
        burst: int | None = None,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> AsyncGenerator[Outcome[Any, Resp], None]:
        """``backchannel_authentication_fail_stream`` for any operation: outcomes in
        completion order, the input read lazily."""
        options = BatchOptions(
            concurrency=concurrency, rate=rate, burst=burst, retry=retry, timeout=timeout
        )
        return _batch.stream(self, operation, requests, options.check(self), Outcome)
