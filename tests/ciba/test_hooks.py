"""The hooks' adapter defaults, and what the device step is shown of its request."""

from __future__ import annotations

import base64
import json
import time

import pytest

from aioauthlete import (
    BackchannelAuthenticationAction,
    BackchannelAuthenticationResponse,
    HintType,
)
from aioauthlete.ciba import BINDING_MESSAGE_MAX, BackchannelHooksAdapter, DeviceRequest
from aioauthlete.ciba._hooks import jwt_expiry
from tests.ciba.support import AUTH_REQ_ID, TICKET, USER_CODE


class FindsJohn(BackchannelHooksAdapter[str]):
    async def find_user(
        self, hint_type: HintType | str | None, hint: str | None, sub: str | None
    ) -> str | None:
        return "john" if hint == "john" else None

    async def start_authentication(self, device: DeviceRequest[str]) -> None:
        return None


def jwt(payload: object) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(payload)}.sig"


def test_the_adapter_leaves_finding_the_user_and_the_device_step_to_the_application() -> None:
    with pytest.raises(TypeError, match="abstract"):
        BackchannelHooksAdapter()  # type: ignore[abstract]


async def test_a_user_code_is_refused_unless_the_application_checks_it() -> None:
    assert await FindsJohn().is_valid_user_code("john", USER_CODE) is False


@pytest.mark.parametrize(
    ("message", "valid"),
    [
        ("W4SCT", True),
        ("Pay 12 EUR to Shop", True),
        ("x" * BINDING_MESSAGE_MAX, True),
        ("x" * (BINDING_MESSAGE_MAX + 1), False),
        ("line\nbreak", False),
        ("bell\x07", False),
    ],
)
async def test_the_default_binding_message_check_takes_short_printable_text(
    message: str, valid: bool
) -> None:
    assert await FindsJohn().is_valid_binding_message(message) is valid


@pytest.mark.parametrize(
    ("token", "expired"),
    [
        (jwt({"exp": time.time() - 60}), True),
        (jwt({"exp": time.time() + 3600}), False),
        (jwt({"sub": "john"}), False),
        (jwt({"exp": "soon"}), False),
        (jwt({"exp": True}), False),
        (jwt([1, 2]), False),
        ("opaque-token", False),
        ("a.!!!.c", False),
        ("a." + base64.urlsafe_b64encode(b"\xff").decode() + ".c", False),
    ],
)
async def test_a_jwt_shaped_login_hint_token_expires_by_its_exp_claim(
    token: str, expired: bool
) -> None:
    assert await FindsJohn().is_login_hint_token_expired(token) is expired


def test_the_expiry_is_read_without_padding() -> None:
    assert jwt_expiry(jwt({"exp": 1700000000})) == 1700000000.0


def test_the_device_request_repr_hides_the_ticket_code_and_user() -> None:
    authentication = BackchannelAuthenticationResponse(
        result_code="A",
        action=BackchannelAuthenticationAction.USER_IDENTIFICATION,
        ticket=TICKET,
        user_code=USER_CODE,
    )
    device = DeviceRequest(
        ticket=TICKET,
        user="Private Person",
        auth_req_id=AUTH_REQ_ID,
        user_code=USER_CODE,
        authentication=authentication,
    )
    text = repr(device)
    for hidden in (TICKET, USER_CODE, AUTH_REQ_ID, "Private Person"):
        assert hidden not in text
    assert "ticket=<" in text


class PlainHooks:
    """All five coroutines, no adapter: the protocol is structural."""

    async def find_user(
        self, hint_type: HintType | str | None, hint: str | None, sub: str | None
    ) -> int | None:
        return 7

    async def is_login_hint_token_expired(self, login_hint_token: str) -> bool:
        return False

    async def is_valid_user_code(self, user: int, user_code: str) -> bool:
        return True

    async def is_valid_binding_message(self, binding_message: str) -> bool:
        return True

    async def start_authentication(self, device: DeviceRequest[int]) -> None:
        return None


def test_a_class_with_the_five_coroutines_serves_without_the_adapter() -> None:
    from aioauthlete.ciba import BackchannelAuthenticationHandler, BackchannelHooks, CompleteHandler
    from tests.ciba.support import test_client

    hooks: BackchannelHooks[int] = PlainHooks()  # mypy checks the structure here
    client = test_client()
    handler = BackchannelAuthenticationHandler(client, hooks, complete=CompleteHandler(client))
    assert handler.running == 0
