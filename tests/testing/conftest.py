"""Fixtures for the emulator tests: an emulator on a fake clock, served on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from aioauthlete.testing import AuthleteEmulator
from tests.testing.support import (
    EXTRA_SERVICE_ID,
    SECRET,
    SERVICE_ID,
    TOKEN,
    Caller,
    FakeClock,
    Flow,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> AuthleteEmulator:
    return AuthleteEmulator(
        service_id=SERVICE_ID,
        access_token=TOKEN,
        api_secret=SECRET,
        extra_service_ids=[EXTRA_SERVICE_ID],
        clock=clock,
        environ={},
    )


@pytest.fixture
async def api(base_url: str) -> AsyncIterator[Caller]:
    async with aiohttp.ClientSession() as session:
        yield Caller(session, base_url)


@pytest.fixture
def flow(api: Caller) -> Flow:
    return Flow(api)
