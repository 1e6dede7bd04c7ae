"""AuthleteEmulator: an aiohttp.web stand-in for Authlete's CIBA APIs.

It serves ``/backchannel/authentication`` and its ``issue``, ``fail`` and ``complete``
APIs, and ``/auth/token`` for the CIBA grant, each on both path forms (3.x Bearer, 2.x
Basic). It keeps tickets and auth_req_ids with expiry, knows registered CIBA clients,
and can be made slow, failing, disconnecting or throttled through ``faults``. Where the
spec is silent it answers as ``_assumptions.ASSUMPTIONS`` says. It writes no log records
of its own and switches aiohttp's access log off, so neither credentials nor tickets
reach a log; ``stats`` keeps what tests need to see.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import TypedDict

from aiohttp import web

from .._config import ENV_ACCESS_TOKEN, ENV_API_SECRET, ENV_SERVICE_ID
from .._validate import check_credential, check_service_id
from . import _op_authentication, _op_complete, _op_fail, _op_issue, _op_token
from ._auth import Credentials
from ._clients import DEFAULT_CLIENTS, CibaClient, ClientRegistry
from ._faults import Faults
from ._flow import CibaFlow, ServiceSettings
from ._grants import GrantStore
from ._handler import ApiHandler, Endpoint
from ._results import (
    AUTHENTICATION_API,
    COMPLETE_API,
    FAIL_API,
    ISSUE_API,
    TOKEN_API,
    EmulatorResult,
)
from ._stats import DEFAULT_HISTORY, EmulatorStats
from ._store import DEFAULT_TICKET_TTL, BackchannelRequest, TicketStore
from ._thread import ServerThread
from ._users import DEFAULT_USERS, User, UserDirectory

DEFAULT_SERVICE_ID = "715948317"
#: Fixed development credentials, used when neither an argument nor a variable gives one.
#: They are public on purpose: they open nothing but an emulator.
DEFAULT_ACCESS_TOKEN = "aioauthlete-emulator-access-token"  # noqa: S105 - public dev value
DEFAULT_API_SECRET = "aioauthlete-emulator-api-secret"  # noqa: S105 - public dev value
LOOPBACK = "127.0.0.1"


class ClientKwargs(TypedDict):
    """What ``client_kwargs`` returns: ``AuthleteClient(**kwargs)`` type-checks with it."""

    base_url: str
    api_version: str
    service_id: str
    access_token: str
    api_secret: str


def _pick(value: str | None, variable: str, default: str, env: Mapping[str, str]) -> str:
    if value is not None:
        return value
    return env.get(variable) or default


def base_url_of(address: object) -> str:
    """``http://host:port`` for a socket address (IPv6 hosts in brackets)."""
    assert isinstance(address, tuple)
    host, port = str(address[0]), int(address[1])
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class AuthleteEmulator:
    """An in-process emulator of Authlete's CIBA APIs for tests, demos and benchmarks.

    Credentials default to the ``AUTHLETE_SERVICE_APIKEY``, ``AUTHLETE_SERVICE_ACCESSTOKEN``
    and ``AUTHLETE_SERVICE_APISECRET`` variables (of *environ*, else ``os.environ``), so a
    client and an emulator started from one environment match; otherwise the ``DEFAULT_*``
    development values. The access token also serves every id of *extra_service_ids*.
    *clients* are the registered CIBA clients (``DEFAULT_CLIENTS``: one per delivery
    mode); *users* fill ``users``, a directory for the application side (the emulator
    itself never looks a user up); *settings* are the service's durations and interval.
    With *accept_any_ticket* every non-empty ticket counts as live and nothing is stored,
    for load tests with millions of tickets (see ``accept_any_ticket``). *clock* drives
    every expiry, the polling interval and the rate limit.
    """

    def __init__(
        self,
        *,
        service_id: str | None = None,
        access_token: str | None = None,
        api_secret: str | None = None,
        extra_service_ids: Iterable[str] = (),
        clients: Iterable[CibaClient] = DEFAULT_CLIENTS,
        users: Iterable[User] = DEFAULT_USERS,
        settings: ServiceSettings | None = None,
        accept_any_ticket: bool = False,
        ticket_ttl: float = DEFAULT_TICKET_TTL,
        clock: Callable[[], float] = time.monotonic,
        history: int = DEFAULT_HISTORY,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self._service_id = check_service_id(
            _pick(service_id, ENV_SERVICE_ID, DEFAULT_SERVICE_ID, env)
        )
        extra = [check_service_id(s, "extra_service_ids") for s in extra_service_ids]
        token = _pick(access_token, ENV_ACCESS_TOKEN, DEFAULT_ACCESS_TOKEN, env)
        secret = _pick(api_secret, ENV_API_SECRET, DEFAULT_API_SECRET, env)
        self._credentials = Credentials(
            [self._service_id, *extra],
            check_credential(token, "access_token"),
            check_credential(secret, "api_secret"),
        )
        self.clients = ClientRegistry(clients)
        self.users = UserDirectory(users)
        self.tickets = TicketStore(ttl=ticket_ttl, clock=clock, seeded=self._seeded_request)
        self.auth_requests = GrantStore(clock=clock)
        self.faults = Faults(clock=clock)
        self.stats = EmulatorStats(history=history)
        self._flow = CibaFlow(
            clients=self.clients,
            tickets=self.tickets,
            grants=self.auth_requests,
            settings=settings or ServiceSettings(),
            clock=clock,
        )
        self.accept_any_ticket = accept_any_ticket
        self._handlers = [self._handler(endpoint) for endpoint in self._endpoints()]

    def __repr__(self) -> str:
        return (
            f"<AuthleteEmulator service_ids={sorted(self.service_ids)}"
            f" clients={[c.client_id for c in self.clients]}"
            f" tickets={len(self.tickets)} accept_any_ticket={self.accept_any_ticket}>"
        )

    @property
    def service_id(self) -> str:
        """The main service id (the one ``client_kwargs`` names)."""
        return self._service_id

    @property
    def service_ids(self) -> frozenset[str]:
        """Every service id the emulator serves."""
        return self._credentials.service_ids

    @property
    def settings(self) -> ServiceSettings:
        """The service's CIBA settings (durations, polling interval, issuer)."""
        return self._flow.settings

    @property
    def accept_any_ticket(self) -> bool:
        """Load-test mode: any non-empty ticket is live and nothing is stored. ``fail``
        succeeds for it; ``issue`` and ``complete`` act for the first registered client;
        ``/backchannel/authentication`` keeps no ticket; an auth_req_id nobody issued is
        authorized at the token endpoint."""
        return self._flow.accept_any

    @accept_any_ticket.setter
    def accept_any_ticket(self, value: bool) -> None:
        self._flow.accept_any = bool(value)

    def client_kwargs(
        self, base_url: str, *, api_version: str = "V3", service_id: str | None = None
    ) -> ClientKwargs:
        """Keyword arguments for ``aioauthlete.AuthleteClient`` that this emulator accepts."""
        if api_version not in {"V2", "V3"}:
            raise ValueError("api_version must be 'V2' or 'V3'")
        return ClientKwargs(
            base_url=base_url,
            api_version=api_version,
            service_id=self._service_id if service_id is None else service_id,
            access_token=self._credentials.access_token,
            api_secret=self._credentials.api_secret,
        )

    def reset(self) -> None:
        """Forget tickets and auth_req_ids, switch faults off and zero the stats."""
        self.tickets.clear()
        self.auth_requests.clear()
        self.faults.clear()
        self.stats.reset()

    # -- serving -----------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """A fresh aiohttp application with every route (one per server start)."""
        app = web.Application()
        for path, handler in self._handlers:
            app.router.add_post(f"/api/{{serviceId}}{path}", handler.handle_v3)
            app.router.add_post(f"/api{path}", handler.handle_v2)
        return app

    @contextlib.asynccontextmanager
    async def serve(
        self, host: str = LOOPBACK, port: int = 0, *, shutdown_timeout: float = 1.0
    ) -> AsyncIterator[str]:
        """Serve on *host*:*port* (0 picks a free port) and yield the base URL.

        On exit the server stops and requests still running get *shutdown_timeout*
        seconds to finish.
        """
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=shutdown_timeout)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            yield base_url_of(runner.addresses[0])
        finally:
            await runner.cleanup()

    async def serve_forever(
        self,
        host: str = LOOPBACK,
        port: int = 0,
        *,
        on_ready: Callable[[str], object] | None = None,
    ) -> None:
        """Serve until cancelled (e.g. by Ctrl-C under ``asyncio.run``); for CLIs."""
        async with self.serve(host, port) as base_url:
            if on_ready is not None:
                on_ready(base_url)
            await asyncio.get_running_loop().create_future()

    @contextlib.contextmanager
    def serve_in_thread(
        self, host: str = LOOPBACK, port: int = 0, *, timeout: float = 10.0
    ) -> Iterator[str]:
        """Serve from a daemon thread with its own event loop; yield the base URL.

        For sync code and code on other event loops. *timeout* bounds start and stop.
        """
        server = ServerThread(lambda: self.serve(host, port))
        base_url = server.start(timeout)
        try:
            yield base_url
        finally:
            server.stop(timeout)

    # -- wiring ------------------------------------------------------------------------

    def _endpoints(self) -> list[Endpoint]:
        flow, r = self._flow, EmulatorResult
        return [
            Endpoint("fail", FAIL_API, self._fail, r.UNREADABLE_BODY),
            Endpoint(
                "authentication",
                AUTHENTICATION_API,
                functools.partial(_op_authentication.decide, flow),
                r.AUTHENTICATION_UNREADABLE_BODY,
                names_ticket=False,
            ),
            Endpoint(
                "issue",
                ISSUE_API,
                functools.partial(_op_issue.decide, flow),
                r.ISSUE_UNREADABLE_BODY,
            ),
            Endpoint(
                "complete",
                COMPLETE_API,
                functools.partial(_op_complete.decide, flow),
                r.COMPLETE_UNREADABLE_BODY,
            ),
            Endpoint(
                "token",
                TOKEN_API,
                functools.partial(_op_token.decide, flow),
                r.TOKEN_UNREADABLE_BODY,
                names_ticket=False,
            ),
        ]

    def _handler(self, endpoint: Endpoint) -> tuple[str, ApiHandler]:
        handler = ApiHandler(
            endpoint, credentials=self._credentials, faults=self.faults, stats=self.stats
        )
        return endpoint.path, handler

    def _fail(self, params: Mapping[str, object]) -> dict[str, object]:
        return _op_fail.decide(params, self._take_ticket)

    def _take_ticket(self, ticket: str) -> bool:
        return True if self._flow.accept_any else self.tickets.take(ticket)

    def _seeded_request(self) -> BackchannelRequest | None:
        return self._flow.seeded_request()
