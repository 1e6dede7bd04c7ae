"""Suite-wide fixtures: the loopback fault injectors, and the folder's emulator served."""

from collections.abc import AsyncIterator

import pytest

from aioauthlete.testing import AuthleteEmulator
from tests.faults.fixtures import *  # noqa: F403


@pytest.fixture
async def base_url(emulator: AuthleteEmulator) -> AsyncIterator[str]:
    """The folder's ``emulator`` fixture, served in the test's event loop."""
    async with emulator.serve() as url:
        yield url
