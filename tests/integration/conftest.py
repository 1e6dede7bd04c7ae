"""An emulator served on loopback in the test's own event loop, and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aioauthlete import AuthleteClient, RetryPolicy, TimeoutPolicy
from aioauthlete.testing import AuthleteEmulator
from tests.helpers import SECRET, SERVICE_ID, TOKEN

EXTRA_SERVICE_ID = "21653835348762"
#: Short timeouts keep fault tests quick; backoff stays small but real.
FAST_RETRY = RetryPolicy(wait_initial=0.01, wait_max=0.05, throttle_wait_initial=0.01)


@pytest.fixture
def emulator() -> AuthleteEmulator:
    return AuthleteEmulator(
        service_id=SERVICE_ID,
        access_token=TOKEN,
        api_secret=SECRET,
        extra_service_ids=[EXTRA_SERVICE_ID],
        environ={},
    )


@pytest.fixture
async def client(emulator: AuthleteEmulator, base_url: str) -> AsyncIterator[AuthleteClient]:
    async with AuthleteClient(
        **emulator.client_kwargs(base_url),
        retry=FAST_RETRY,
        timeout=TimeoutPolicy(total=5.0, attempt=2.0, connect=1.0),
    ) as c:
        yield c
