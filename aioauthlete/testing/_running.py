"""RunningEmulator: an emulator together with the URL it is being served at."""

from __future__ import annotations

from attrs import frozen

from ._clients import ClientRegistry
from ._emulator import AuthleteEmulator, ClientKwargs
from ._faults import Faults
from ._grants import GrantStore
from ._stats import EmulatorStats
from ._store import TicketStore
from ._users import UserDirectory


@frozen
class RunningEmulator:
    """What the ``authlete_emulator`` fixture yields: the emulator and its base URL.

    The shortcuts spare tests the ``.emulator`` hop for the things they touch most.
    """

    emulator: AuthleteEmulator
    base_url: str

    @property
    def tickets(self) -> TicketStore:
        return self.emulator.tickets

    @property
    def auth_requests(self) -> GrantStore:
        return self.emulator.auth_requests

    @property
    def clients(self) -> ClientRegistry:
        return self.emulator.clients

    @property
    def users(self) -> UserDirectory:
        return self.emulator.users

    @property
    def faults(self) -> Faults:
        return self.emulator.faults

    @property
    def stats(self) -> EmulatorStats:
        return self.emulator.stats

    def client_kwargs(
        self, *, api_version: str = "V3", service_id: str | None = None
    ) -> ClientKwargs:
        """Keyword arguments for ``aioauthlete.AuthleteClient`` aimed at this emulator."""
        return self.emulator.client_kwargs(
            self.base_url, api_version=api_version, service_id=service_id
        )
