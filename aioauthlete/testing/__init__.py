"""aioauthlete.testing: an emulator of Authlete's CIBA APIs.

It serves ``/backchannel/authentication`` with its ``issue``, ``fail`` and ``complete``
APIs, and ``/auth/token`` for the CIBA grant::

    from aioauthlete import AuthleteClient
    from aioauthlete.testing import AuthleteEmulator

    emulator = AuthleteEmulator()
    [ticket] = emulator.tickets.issue_tickets(1)
    async with emulator.serve() as base_url:
        async with AuthleteClient(**emulator.client_kwargs(base_url)) as client:
            ...

``serve_in_thread()`` does the same from a daemon thread, for sync code. The registered
CIBA clients are ``DEFAULT_CLIENTS`` (one per delivery mode) unless told otherwise;
``UserDirectory`` resolves hints to users for the application side. The pytest fixture
``authlete_emulator`` lives in ``aioauthlete.testing.pytest_plugin``, registered
automatically when aioauthlete is installed; this package itself never imports pytest.
What the emulator answers where the spec is silent is listed in ``ASSUMPTIONS`` (prose)
and ``EmulatorResult`` (result codes and messages).
"""

from __future__ import annotations

from ._assumptions import ASSUMPTIONS
from ._clients import (
    DEFAULT_CLIENTS,
    DEFAULT_PING_CLIENT,
    DEFAULT_POLL_CLIENT,
    DEFAULT_PUSH_CLIENT,
    CibaClient,
    ClientRegistry,
    parse_client,
)
from ._emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_API_SECRET,
    DEFAULT_SERVICE_ID,
    AuthleteEmulator,
    ClientKwargs,
)
from ._faults import Fault, Faults
from ._flow import ServiceSettings
from ._grants import GrantStore
from ._ratelimit import RateDecision
from ._results import EmulatorResult, ResultSpec
from ._running import RunningEmulator
from ._stats import EmulatorStats, RequestRecord
from ._store import DEFAULT_TICKET_TTL, TicketStore
from ._users import DEFAULT_USERS, User, UserDirectory

__all__ = [
    "ASSUMPTIONS",
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_API_SECRET",
    "DEFAULT_CLIENTS",
    "DEFAULT_PING_CLIENT",
    "DEFAULT_POLL_CLIENT",
    "DEFAULT_PUSH_CLIENT",
    "DEFAULT_SERVICE_ID",
    "DEFAULT_TICKET_TTL",
    "DEFAULT_USERS",
    "AuthleteEmulator",
    "CibaClient",
    "ClientKwargs",
    "ClientRegistry",
    "EmulatorResult",
    "EmulatorStats",
    "Fault",
    "Faults",
    "GrantStore",
    "RateDecision",
    "RequestRecord",
    "ResultSpec",
    "RunningEmulator",
    "ServiceSettings",
    "TicketStore",
    "User",
    "UserDirectory",
    "parse_client",
]
