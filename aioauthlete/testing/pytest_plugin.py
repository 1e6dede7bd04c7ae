"""pytest fixtures for code that calls Authlete's CIBA APIs: an emulator per test.

The plugin is registered through the ``pytest11`` entry point, so installing aioauthlete
is enough: any test can ask for ``authlete_emulator``. Disable it with
``-p no:aioauthlete``; where the package is vendored rather than installed, add
``pytest_plugins = ["aioauthlete.testing.pytest_plugin"]`` to the top-level conftest.py.

::

    async def test_denied(authlete_emulator):
        [ticket] = authlete_emulator.tickets.issue_tickets(1)
        async with AuthleteClient(**authlete_emulator.client_kwargs()) as client:
            ...

The emulator runs in a daemon thread with its own event loop, so the fixture works in sync
tests and under any event loop or loop scope. It uses the fixed ``DEFAULT_*`` credentials
and clients, not the ``AUTHLETE_*`` variables, so a developer's real settings cannot
change a test. ``authlete_emulator.clients`` and ``.users`` are the registered CIBA
clients and the user directory; ``.auth_requests`` the auth_req_ids issued.
Override ``authlete_emulator_options`` (a dict of ``AuthleteEmulator`` keyword arguments)
in a conftest.py or a test module to configure it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_API_SECRET,
    DEFAULT_SERVICE_ID,
    AuthleteEmulator,
)
from ._running import RunningEmulator


@pytest.fixture
def authlete_emulator_options() -> dict[str, Any]:
    """Keyword arguments for the fixture's ``AuthleteEmulator``; override to customise."""
    return {
        "service_id": DEFAULT_SERVICE_ID,
        "access_token": DEFAULT_ACCESS_TOKEN,
        "api_secret": DEFAULT_API_SECRET,
    }


@pytest.fixture
def authlete_emulator(authlete_emulator_options: dict[str, Any]) -> Iterator[RunningEmulator]:
    """An emulator served on a free loopback port for the duration of one test."""
    emulator = AuthleteEmulator(**authlete_emulator_options)
    with emulator.serve_in_thread() as base_url:
        yield RunningEmulator(emulator, base_url)
