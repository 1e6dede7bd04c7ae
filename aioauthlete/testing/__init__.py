"""aioauthlete.testing: an emulator of Authlete's backchannel authentication fail API.

::

    from aioauthlete import AuthleteClient
    from aioauthlete.testing import AuthleteEmulator

    emulator = AuthleteEmulator()
    [ticket] = emulator.tickets.issue_tickets(1)
    async with emulator.serve() as base_url:
        async with AuthleteClient(**emulator.client_kwargs(base_url)) as client:
            ...

``serve_in_thread()`` does the same from a daemon thread, for sync code. The pytest fixture
``authlete_emulator`` lives in ``aioauthlete.testing.pytest_plugin``, registered
automatically when aioauthlete is installed; this package itself never imports pytest.
What the emulator answers where the spec is silent is listed in ``ASSUMPTIONS``
(prose) and ``EmulatorResult`` (result codes and messages).
"""

from __future__ import annotations

from ._assumptions import ASSUMPTIONS, EmulatorResult, ResultSpec
from ._emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_API_SECRET,
    DEFAULT_SERVICE_ID,
    AuthleteEmulator,
    ClientKwargs,
)
from ._faults import Fault, Faults
from ._ratelimit import RateDecision
from ._running import RunningEmulator
from ._stats import EmulatorStats, RequestRecord
from ._store import DEFAULT_TICKET_TTL, TicketStore

__all__ = [
    "ASSUMPTIONS",
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_API_SECRET",
    "DEFAULT_SERVICE_ID",
    "DEFAULT_TICKET_TTL",
    "AuthleteEmulator",
    "ClientKwargs",
    "EmulatorResult",
    "EmulatorStats",
    "Fault",
    "Faults",
    "RateDecision",
    "RequestRecord",
    "ResultSpec",
    "RunningEmulator",
    "TicketStore",
]
