"""A scripted application for the handler tests: hooks that answer as told, record what
they were asked, and raise where a test says so."""

from __future__ import annotations

import asyncio

from aioauthlete import HintType
from aioauthlete.ciba import BackchannelHooksAdapter, DeviceRequest
from tests.ciba.support import USER_CODE


class ScriptedHooks(BackchannelHooksAdapter[str]):
    """Finds *user* (``None``: nobody), answers the checks as set, and in the device step
    waits for ``release`` (set at once unless a test clears it)."""

    def __init__(self, user: str | None = "john") -> None:
        self.user = user
        self.expired = False
        self.code_valid = True
        self.message_valid = True
        self.raises: dict[str, BaseException] = {}
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.devices: list[DeviceRequest[str]] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    def _called(self, hook: str, *args: object) -> None:
        self.calls.append((hook, args))
        if hook in self.raises:
            raise self.raises[hook]

    @property
    def called(self) -> list[str]:
        return [name for name, _ in self.calls]

    async def find_user(
        self, hint_type: HintType | str | None, hint: str | None, sub: str | None
    ) -> str | None:
        self._called("find_user", hint_type, hint, sub)
        return self.user

    async def is_login_hint_token_expired(self, login_hint_token: str) -> bool:
        self._called("is_login_hint_token_expired", login_hint_token)
        return self.expired

    async def is_valid_user_code(self, user: str, user_code: str) -> bool:
        self._called("is_valid_user_code", user, user_code)
        return self.code_valid

    async def is_valid_binding_message(self, binding_message: str) -> bool:
        self._called("is_valid_binding_message", binding_message)
        return self.message_valid

    async def start_authentication(self, device: DeviceRequest[str]) -> None:
        self.devices.append(device)
        self.started.set()
        await self.release.wait()
        self._called("start_authentication", device)


def failing(hook: str) -> RuntimeError:
    """An exception whose message quotes a secret, as careless application code might."""
    return RuntimeError(f"{hook} broke on user code {USER_CODE}")
