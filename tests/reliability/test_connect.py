"""Rows 1-3: the connection never opens, so the request certainly did not reach Authlete."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from aioauthlete import AuthleteTimeoutError, AuthleteTransportError, RetryPolicy, TimeoutPolicy
from tests.reliability.conftest import Canary, ClientFactory, FastTime, Watch


async def test_refused_connection_is_retried_then_reported_not_sent(
    closed_port: int,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 1: a refused port costs three attempts, jittered backoff, and says "not sent"."""
    client = await client_factory(f"http://127.0.0.1:{closed_port}", random=lambda: 0.999)
    error = await watch.fails(AuthleteTransportError, client)
    assert error.may_have_reached is False
    assert error.ambiguous is False
    assert error.attempts == 3
    assert error.retryable
    assert "ClientConnectorError" in error.detail
    assert f"127.0.0.1:{closed_port}" in error.detail
    assert "ssl" not in error.detail  # aiohttp's "ssl:default" says nothing of plain HTTP
    # Full jitter under the transient schedule: retry n waits at most 0.2 * 2 ** (n - 1).
    assert len(fast_time.sleeps) == 2
    for number, slept in enumerate(fast_time.sleeps, start=1):
        assert 0 <= slept <= 0.2 * 2 ** (number - 1)
    assert fast_time.sleeps == pytest.approx([0.1998, 0.3996])


async def test_hanging_connect_ends_at_the_connect_timeout_not_sent(
    backlog_full_port: int, client_factory: ClientFactory, canary: Canary, watch: Watch
) -> None:
    """Row 2: SYNs dropped by a full backlog end each attempt at ``connect``; "not sent"."""
    client = await client_factory(
        f"http://127.0.0.1:{backlog_full_port}",
        timeout=TimeoutPolicy(total=5.0, attempt=2.0, connect=0.2),
    )
    started = time.monotonic()
    error = await watch.fails(AuthleteTimeoutError, client)
    elapsed = time.monotonic() - started
    assert error.may_have_reached is False
    assert error.deadline is False
    assert error.attempts == 3
    assert "ConnectionTimeoutError" in error.detail
    assert 3 * 0.2 * 0.9 <= elapsed < 3.0  # three connect timeouts, not three attempt bounds


async def test_hanging_connect_is_cut_by_the_deadline(
    backlog_full_port: int, client_factory: ClientFactory, canary: Canary, watch: Watch
) -> None:
    """Row 2: a 0.5 s deadline ends a connect that would hang for 2 s, within 2 s."""
    client = await client_factory(
        f"http://127.0.0.1:{backlog_full_port}",
        timeout=TimeoutPolicy(total=0.5, attempt=4.0, connect=2.0),
    )
    started = time.monotonic()
    error = await watch.fails(AuthleteTimeoutError, client)
    elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 2.0
    assert error.attempts == 1
    # Nothing tells which phase the deadline interrupted, so a connect cut short reports
    # may_have_reached=True: the safe side.
    assert error.may_have_reached is True


class FailingResolver(AbstractResolver):
    """A resolver that fails like a name that does not exist, and counts the lookups."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        pass


async def test_dns_failure_is_retried_then_reported_not_sent(
    client_factory: ClientFactory, canary: Canary, watch: Watch
) -> None:
    """Row 3: a name that does not resolve (a borrowed session's resolver) is "not sent"."""
    resolver = FailingResolver()
    connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        client = await client_factory("https://authlete.invalid", session=session)
        error = await watch.fails(AuthleteTransportError, client)
    assert error.may_have_reached is False
    assert error.attempts == 3
    assert "ClientConnectorDNSError" in error.detail
    assert resolver.lookups == ["authlete.invalid"] * 3


class HangingResolver(AbstractResolver):
    """A resolver that never answers, and counts the lookups."""

    def __init__(self) -> None:
        self.lookups = 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        pass


async def test_hanging_dns_is_bounded_by_the_attempt_timeout(
    client_factory: ClientFactory, canary: Canary, watch: Watch
) -> None:
    """Row 3: a resolver that never answers costs one attempt bound per attempt."""
    resolver = HangingResolver()
    connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        client = await client_factory(
            "https://authlete.invalid",
            session=session,
            retry=RetryPolicy(attempts=2),
            timeout=TimeoutPolicy(total=5.0, attempt=0.2, connect=0.1),
        )
        started = time.monotonic()
        error = await watch.fails(AuthleteTimeoutError, client)
        elapsed = time.monotonic() - started
    assert error.attempts == 2
    assert error.deadline is False
    assert resolver.lookups == 2
    assert 2 * 0.2 * 0.9 <= elapsed < 2.0
