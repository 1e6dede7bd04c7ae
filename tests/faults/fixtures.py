"""pytest fixtures for the fault injectors.

Load them from ``tests/conftest.py`` with ``from tests.faults.fixtures import *``. Factories
own what they create and close it at teardown, so a test never leaks a socket or a task;
errors raised inside raw-server scripts surface as teardown errors.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from typing import Protocol, Unpack

import pytest

from tests.faults import ports
from tests.faults.proxy import ToxicOptions, ToxicProxy
from tests.faults.raw_server import Handler, RawHttpServer
from tests.faults.tls import TlsCA, make_tls_ca

__all__ = [
    "backlog_full_port",
    "closed_port",
    "raw_server_factory",
    "tls_ca",
    "toxic_proxy_factory",
]


class RawServerFactory(Protocol):
    """``await raw_server_factory(handler)`` -> a started :class:`RawHttpServer`."""

    async def __call__(
        self, handler: Handler, *, ssl_context: ssl.SSLContext | None = None
    ) -> RawHttpServer: ...


class ToxicProxyFactory(Protocol):
    """``await toxic_proxy_factory(upstream_port, latency=...)`` -> a started proxy."""

    async def __call__(self, upstream_port: int, **toxics: Unpack[ToxicOptions]) -> ToxicProxy: ...


@pytest.fixture
async def raw_server_factory() -> AsyncIterator[RawServerFactory]:
    """Start scripted raw HTTP servers; all are closed at teardown."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(
            handler: Handler, *, ssl_context: ssl.SSLContext | None = None
        ) -> RawHttpServer:
            return await stack.enter_async_context(RawHttpServer(handler, ssl_context=ssl_context))

        yield make


@pytest.fixture
async def toxic_proxy_factory() -> AsyncIterator[ToxicProxyFactory]:
    """Start toxic proxies in front of loopback upstreams; all are closed at teardown."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(upstream_port: int, **toxics: Unpack[ToxicOptions]) -> ToxicProxy:
            return await stack.enter_async_context(ToxicProxy(upstream_port, **toxics))

        yield make


@pytest.fixture
def closed_port() -> int:
    """A loopback port that refuses connections."""
    return ports.closed_port()


@pytest.fixture
async def backlog_full_port() -> AsyncIterator[int]:
    """A loopback port whose connects hang until the client's connect timeout."""
    async with ports.backlog_full_listener() as port:
        yield port


@pytest.fixture
def tls_ca() -> TlsCA:
    """A fresh trustme CA, a server context for 127.0.0.1/localhost, ``.client_context()``."""
    return make_tls_ca()
