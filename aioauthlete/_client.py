"""AuthleteClient: owns (or borrows) the pooled session and glues the layers together."""

from __future__ import annotations

import asyncio
import functools
import random as _random
import ssl as _ssl
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, Self

import aiohttp

from ._backoff import RetryBudget
from ._batch import BatchOptions, FailRequests, fail_stream, in_input_order
from ._config import check_credentials, check_ssl_context, env_settings, resolve_base_url
from ._gate import Gate
from ._models import BackchannelAuthenticationFailResponse
from ._outcome import FailOutcome
from ._policies import RetryPolicy, TimeoutPolicy
from ._protocol import AnyFailRequest, Endpoint, decode_http
from ._retry import Answered, Pacer, Retrier, client_closed
from ._transport import connect_timeout, open_session, post
from ._version import user_agent

DEFAULT_MAX_BODY = 1 << 20


class AuthleteClient:
    """An asyncio client for Authlete's backchannel authentication fail API.

    Create one per application (or per service) and share it: it keeps one pooled aiohttp
    session, a retry budget, and a gate of ``max_connections`` slots that calls wait on
    before their attempt timer starts. Use it as ``async with AuthleteClient(...) as
    client:`` or call ``await client.aclose()``; a session passed in as *session* is
    borrowed and never closed by the client.

    ``sleep``, ``clock`` and ``random`` exist for tests: they drive backoff and deadline
    arithmetic (the hard deadline still runs on the event loop's clock).
    """

    def __init__(
        self,
        *,
        service_id: str,
        access_token: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        region: str | None = None,
        api_version: str = "V3",
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        ssl: _ssl.SSLContext | None = None,
        trust_env: bool = False,
        max_body_size: int = DEFAULT_MAX_BODY,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ) -> None:
        url = resolve_base_url(base_url, region)
        check_credentials(api_version, service_id, access_token, api_secret)
        if max_connections < 1:
            raise ValueError("max_connections must be 1 or more")
        if max_body_size < 1:
            raise ValueError("max_body_size must be 1 or more")
        if ssl is not None:
            check_ssl_context(ssl)
        self._endpoint = Endpoint(
            base_url=url,
            service_id=service_id,
            api_version=api_version,
            access_token=access_token,
            api_secret=api_secret,
            user_agent=user_agent(),
        )
        self._api_version = api_version
        self._retry = retry if retry is not None else RetryPolicy()
        self._timeout = timeout if timeout is not None else TimeoutPolicy()
        self._max_connections = max_connections
        self._max_body = max_body_size
        self._ssl = ssl
        self._trust_env = trust_env
        self._session = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: The session and gate, once open in a loop; None before and after.
        self._bound: tuple[aiohttp.ClientSession, Gate] | None = None
        self._closed = False
        self._connect_timeout = connect_timeout(self._timeout.connect)
        self._client_timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self._retrier = Retrier(
            budget=RetryBudget(self._retry.budget_capacity), clock=clock, sleep=sleep, random=random
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Build a client from the official Python SDK's variables.

        ``AUTHLETE_BASE_URL``, ``AUTHLETE_API_VERSION`` (``V2``/``V3``),
        ``AUTHLETE_SERVICE_APIKEY`` (the service ID), ``AUTHLETE_SERVICE_ACCESSTOKEN`` and
        ``AUTHLETE_SERVICE_APISECRET``; keyword *overrides* win over the environment.
        """
        given = "service_id" in overrides
        settings: dict[str, Any] = dict(env_settings(environ, service_id_given=given))
        settings.update(overrides)
        return cls(**settings)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"<AuthleteClient {self._endpoint.base_url} service_id={self._endpoint.service_id}"
            f" api_version={self._api_version} {state}>"
        )

    @property
    def base_url(self) -> str:
        return self._endpoint.base_url

    @property
    def service_id(self) -> str:
        return self._endpoint.service_id

    @property
    def retry(self) -> RetryPolicy:
        return self._retry

    @property
    def timeout(self) -> TimeoutPolicy:
        return self._timeout

    @property
    def max_connections(self) -> int:
        return self._max_connections

    @property
    def closed(self) -> bool:
        return self._closed

    async def __aenter__(self) -> Self:
        self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the owned session; a borrowed one is left open. Calling it again is a no-op.

        A call in flight ends with an ``AuthleteTransportError``: its attempt loses its
        connection (an owned session) and no further attempt starts.
        """
        if self._closed:
            return
        self._closed = self._retrier.closed = True
        self._bound = None
        if self._owns_session and self._session is not None:
            await self._session.close()

    def _open(self) -> tuple[aiohttp.ClientSession, Gate]:
        if self._closed:
            raise RuntimeError("this AuthleteClient is closed")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            if self._session is None:
                if self._ssl is not None:
                    check_ssl_context(self._ssl)  # it may have changed since __init__
                self._session = open_session(
                    max_connections=self._max_connections, ssl=self._ssl, trust_env=self._trust_env
                )
            self._bound = (self._session, Gate(self._max_connections))
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError(
                "this AuthleteClient was opened in another event loop; create one client per loop"
            )
        assert self._bound is not None
        return self._bound

    async def backchannel_authentication_fail(
        self,
        request: AnyFailRequest,
        *,
        retry: RetryPolicy | None = None,
        timeout: TimeoutPolicy | None = None,
    ) -> BackchannelAuthenticationFailResponse:
        """Fail one ticket and return Authlete's answer.

        A ``BackchannelAuthenticationFailRequest`` is sent as JSON to the client's service;
        a ``BackchannelAuthenticationFailApiFormRequest`` is sent form-encoded to its own
        ``service_id``. Every ``action`` is an answer (``INTERNAL_SERVER_ERROR`` included);
        anything else raises an ``AuthleteError``. *retry* and *timeout* replace the
        client's policies for this call; the retry budget stays the client's.
        """
        answered = await self._call(request, retry, timeout)
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
        stream = self.backchannel_authentication_fail_stream(
            requests, concurrency=concurrency, rate=rate, burst=burst, retry=retry, timeout=timeout
        )
        return await in_input_order(stream)

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
        return fail_stream(self, requests, options.check(self))

    def _call(
        self,
        request: AnyFailRequest,
        retry: RetryPolicy | None,
        timeout: TimeoutPolicy | None,
        pacer: Pacer | None = None,
    ) -> Coroutine[Any, Any, Answered]:
        """The retry loop for *request*, ready to await (a plain function: no extra frame).

        Runs for every call, so the usual case (an open client in its own loop, the
        client's timeouts) reads prebuilt values and checks nothing twice.
        """
        prepared = self._endpoint.prepare(request)
        bound = self._bound
        if bound is None or self._loop is not asyncio.get_running_loop():
            if self._closed:
                # An error of the call, not of the program: a batch gives each ticket
                # left this outcome, and a handler's fallback for an unreachable
                # Authlete also covers an application shutting down.
                raise client_closed(attempts=0)
            bound = self._open()  # opens, or raises the reason it cannot
        if timeout is None:
            timeout, connect = self._timeout, self._connect_timeout
        else:
            connect = self._client_timeout(timeout.connect)
        attempt = functools.partial(post, bound[0], prepared, connect, self._max_body, decode_http)
        return self._retrier.call(
            attempt,
            gate=bound[1],
            retry=self._retry if retry is None else retry,
            timeout=timeout,
            subject=prepared,
            pacer=pacer,
        )

    def _client_timeout(self, connect: float) -> aiohttp.ClientTimeout:
        cached = self._client_timeouts.get(connect)
        if cached is None:
            if len(self._client_timeouts) >= 16:
                self._client_timeouts.clear()
            cached = self._client_timeouts[connect] = connect_timeout(connect)
        return cached
