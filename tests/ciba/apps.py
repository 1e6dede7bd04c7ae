"""The handlers wired for the adapter tests: a poll-mode flow whose device step approves
at once through the complete handler."""

from __future__ import annotations

from aioauthlete import AuthleteClient, HintType
from aioauthlete.ciba import (
    Authorized,
    BackchannelAuthenticationHandler,
    BackchannelHooksAdapter,
    CompleteHandler,
    DeviceRequest,
    TokenHandler,
)


class Approving(BackchannelHooksAdapter[str]):
    """Finds every user, and approves in the device step."""

    def __init__(self, complete: CompleteHandler) -> None:
        self.complete = complete

    async def find_user(
        self, hint_type: HintType | str | None, hint: str | None, sub: str | None
    ) -> str | None:
        return hint

    async def start_authentication(self, device: DeviceRequest[str]) -> None:
        await self.complete.complete(device.ticket, Authorized(subject=device.user))


class Handlers:
    """One client's backchannel, complete and token handlers."""

    def __init__(self, client: AuthleteClient) -> None:
        self.complete = CompleteHandler(client)
        self.backchannel = BackchannelAuthenticationHandler(
            client, Approving(self.complete), complete=self.complete
        )
        self.token = TokenHandler(client)

    async def aclose(self) -> None:
        await self.backchannel.aclose()
        await self.complete.aclose()
