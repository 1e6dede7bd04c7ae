"""The client's core: configuration, the pooled session and its life cycle, and the one
path every call of every operation takes into the retry loop."""

from __future__ import annotations

import asyncio
import functools
import random as _random
import ssl as _ssl
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp

from ._backoff import RetryBudget
from ._config import check_ssl_context, env_settings
from ._gate import Gate
from ._operation import Operation
from ._policies import RetryPolicy, TimeoutPolicy
from ._protocol import DEFAULT_MAX_BODY
from ._retry import Answered, Pacer, Retrier, client_closed
from ._transport import connect_timeout, open_session, post
from .protocol import Service

Resp = TypeVar("Resp")


class ClientCore:
    """What an ``AuthleteClient`` is apart from its operations: its configuration, its
    pooled session and life cycle, and the one path every call takes (``_call``)."""

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
        # The protocol layer's Service checks the URL, the credentials and the cap, and
        # builds every request: the client is one transport of it.
        self._service = Service(
            service_id=service_id,
            access_token=access_token,
            api_secret=api_secret,
            base_url=base_url,
            region=region,
            api_version=api_version,
            max_body_size=max_body_size,
        )
        if max_connections < 1:
            raise ValueError("max_connections must be 1 or more")
        if ssl is not None:
            check_ssl_context(ssl)
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
            f"<{type(self).__name__} {self._service.base_url} service_id={self._service.service_id}"
            f" api_version={self._api_version} {state}>"
        )

    @property
    def base_url(self) -> str:
        return self._service.base_url

    @property
    def service_id(self) -> str:
        return self._service.service_id

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

    def _call(
        self,
        operation: Operation[Any, Resp],
        request: object,
        retry: RetryPolicy | None,
        timeout: TimeoutPolicy | None,
        pacer: Pacer | None = None,
    ) -> Coroutine[Any, Any, Answered[Resp]]:
        """The retry loop for *request*, ready to await (a plain function: no extra frame).

        Runs for every call, so the usual case (an open client in its own loop, the
        client's timeouts) reads prebuilt values and checks nothing twice.
        """
        prepared = self._service.prepare(operation, request)  # the body cap included
        bound = self._bound
        if bound is None or self._loop is not asyncio.get_running_loop():
            if self._closed:
                # An error of the call, not of the program: a batch gives each request
                # left this outcome, and a handler's fallback for an unreachable
                # Authlete also covers an application shutting down.
                raise client_closed(attempts=0)
            bound = self._open()  # opens, or raises the reason it cannot
        if timeout is None:
            timeout, connect = self._timeout, self._connect_timeout
        else:
            connect = connect_timeout(timeout.connect)
        attempt = functools.partial(post, bound[0], prepared, connect, self._max_body)
        return self._retrier.call(
            attempt,
            gate=bound[1],
            retry=self._retry if retry is None else retry,
            timeout=timeout,
            subject=prepared,
            converges=operation.converges,
            pacer=pacer,
        )
