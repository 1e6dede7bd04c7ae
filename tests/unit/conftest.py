"""Fixtures of the per-operation tests: aioresponses standing in for Authlete, and a
client whose retries sleep on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aioresponses import aioresponses

from aioauthlete import AuthleteClient
from tests.helpers import SERVICE_ID, TOKEN, FakeTime


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[AuthleteClient]:
    time = FakeTime()
    async with AuthleteClient(
        service_id=SERVICE_ID, access_token=TOKEN, sleep=time.sleep, clock=time.clock
    ) as c:
        yield c
