"""The flow tests' world: one emulator served in a thread for the session (a poll client
of its defaults, a polling interval of 1 s, a clock tests can move forward), one example
server talking to it, and per test a notification endpoint with ping and push clients of
its own registered at the emulator."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from attrs import frozen

from aioauthlete.testing import DEFAULT_POLL_CLIENT, AuthleteEmulator, CibaClient, ServiceSettings
from tests.flow.servers import ExampleServer, SkewClock, emulator_environ
from tests.flow.specclient import NotificationEndpoint, SpecClient

#: How long alice and bob take to answer on the example's simulated device.
ANSWER_AFTER = "0.5"
MODES = ("poll", "ping", "push")
_IDS = itertools.count(5_100_000_000)


@frozen
class World:
    emulator: AuthleteEmulator
    clock: SkewClock
    environ: dict[str, str]
    server: str
    log: Path


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    clock = SkewClock()
    emulator = AuthleteEmulator(
        clients=[DEFAULT_POLL_CLIENT],
        settings=ServiceSettings(polling_interval=1),
        clock=clock,
        environ={},
    )
    with emulator.serve_in_thread() as base_url:
        kwargs = emulator.client_kwargs(base_url)
        environ = emulator_environ(base_url, kwargs["service_id"], kwargs["access_token"])
        log = tmp_path_factory.mktemp("example") / "stderr.log"
        server = ExampleServer(environ, log, "--approve-after", ANSWER_AFTER)
        try:
            yield World(emulator, clock, environ, server.start(), log)
        finally:
            server.stop()


@pytest.fixture
async def endpoint() -> AsyncIterator[NotificationEndpoint]:
    notifications = NotificationEndpoint()
    await notifications.start()
    try:
        yield notifications
    finally:
        await notifications.stop()
    assert not notifications.stray, f"notifications nobody waited for: {notifications.stray}"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


Client = Callable[..., SpecClient]


@pytest.fixture
def client(world: World, endpoint: NotificationEndpoint, http: aiohttp.ClientSession) -> Client:
    """``client(mode, ...)``: a spec client of the example server; ping and push clients
    are registered now, notified at this test's endpoint."""

    def make(
        mode: str,
        *,
        secret: str | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        eager_polls: int = 0,
    ) -> SpecClient:
        if mode == "poll":
            client_id, registered = str(DEFAULT_POLL_CLIENT.client_id), DEFAULT_POLL_CLIENT.secret
        else:
            registered = secrets.token_urlsafe(24)
            new = CibaClient(next(_IDS), registered, mode, endpoint=f"{endpoint.url}/{mode}")
            world.emulator.clients.add(new)
            client_id = str(new.client_id)
        return SpecClient(
            http,
            world.server,
            client_id,
            registered if secret is None else secret,
            mode,
            endpoint=endpoint,
            sleep=sleep,
            eager_polls=eager_polls,
        )

    return make
