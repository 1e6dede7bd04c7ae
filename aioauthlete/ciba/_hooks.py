"""What the backchannel handler asks of the application: its hooks, and what the
authentication-device step is given.

Every hook is a coroutine. ``BackchannelHooksAdapter`` gives each a default (the two an
application always has to write, finding the user and starting the device step, are
abstract), so an application overrides only what it needs.
"""

from __future__ import annotations

import abc
import base64
import binascii
import json
import time
from typing import Generic, Protocol, TypeVar

from attrs import field, frozen

from .._fields import text, whole
from .._operations._authentication import BackchannelAuthenticationResponse
from .._operations._shared import DeliveryMode, HintType
from .._redact import ticket_ref

U = TypeVar("U")

#: The longest binding message the default check accepts: CIBA Core asks for one that is
#: "relatively short", to be shown on both the consumption and the authentication device.
BINDING_MESSAGE_MAX = 128


def _by_hash(value: object) -> str:
    return "None" if value is None else f"<{ticket_ref(str(value))}>"


@frozen(kw_only=True)
class DeviceRequest(Generic[U]):
    """What the authentication-device step needs: the ticket for the complete call, the
    user found from the hint, and what the client asked for.

    ``scopes`` are the scopes' names; ``authentication`` is Authlete's whole answer, for
    anything else (authorization details, the request context, the client's attributes).
    The ``repr`` shows the ticket and the ``auth_req_id`` as short hashes, hides the user
    code, and leaves out the user and the whole answer.
    """

    ticket: str = field(repr=_by_hash)
    user: U = field(repr=False)
    auth_req_id: str | None = field(default=None, repr=_by_hash)
    expires_in: int | None = whole()
    scopes: tuple[str, ...] = ()
    claim_names: tuple[str, ...] = ()
    acrs: tuple[str, ...] = ()
    binding_message: str | None = text()
    user_code: str | None = text(shown="hidden")
    requested_expiry: int | None = whole()
    client_id: int | None = whole()
    client_name: str | None = text()
    delivery_mode: DeliveryMode | None = None
    authentication: BackchannelAuthenticationResponse = field(repr=False)


class BackchannelHooks(Protocol[U]):
    """The application's side of the backchannel authentication endpoint.

    The handler calls them in this order, and fails the ticket at the first refusal:
    ``find_user`` (``None``: ``UNKNOWN_USER_ID``), ``is_login_hint_token_expired`` (for a
    login hint token only: ``EXPIRED_LOGIN_HINT_TOKEN``), ``is_valid_user_code`` (when the
    answer says a user code is required or one was given: ``INVALID_USER_CODE``),
    ``is_valid_binding_message`` (when there is one: ``INVALID_BINDING_MESSAGE``). Then it
    issues the ``auth_req_id``, answers the client, and runs ``start_authentication`` in a
    task of its own: the answer does not wait for the user.
    """

    async def find_user(
        self, hint_type: HintType | str | None, hint: str | None, sub: str | None
    ) -> U | None:
        """The user the hint names (``sub`` is an ID token hint's subject), or ``None``."""
        ...

    async def is_login_hint_token_expired(self, login_hint_token: str) -> bool:
        """Whether *login_hint_token* has expired."""
        ...

    async def is_valid_user_code(self, user: U, user_code: str) -> bool:
        """Whether *user_code* is *user*'s."""
        ...

    async def is_valid_binding_message(self, binding_message: str) -> bool:
        """Whether *binding_message* can be shown to the user."""
        ...

    async def start_authentication(self, device: DeviceRequest[U]) -> None:
        """Ask the user on the authentication device, and report the decision through
        ``CompleteHandler.complete`` (here, or later from another request)."""
        ...


class BackchannelHooksAdapter(abc.ABC, Generic[U]):
    """``BackchannelHooks`` with defaults; ``find_user`` and ``start_authentication`` are
    left to the application.

    - ``is_login_hint_token_expired``: reads the ``exp`` claim of a token shaped like a
      JWT, without verifying it (``find_user`` must verify the token it accepts); any
      other token has not expired.
    - ``is_valid_user_code``: refuses. A service that takes user codes needs its own
      check, and accepting any code by default would make the code worthless.
    - ``is_valid_binding_message``: printable text of at most ``BINDING_MESSAGE_MAX``
      characters.
    """

    @abc.abstractmethod
    async def find_user(
        self, hint_type: HintType | str | None, hint: str | None, sub: str | None
    ) -> U | None:
        """The user the hint names, or ``None``."""

    async def is_login_hint_token_expired(self, login_hint_token: str) -> bool:
        """Whether the token's ``exp`` claim, if it has one, is in the past."""
        expires = jwt_expiry(login_hint_token)
        return expires is not None and expires <= time.time()

    async def is_valid_user_code(self, user: U, user_code: str) -> bool:
        """Refuses: override it to accept the user's own code."""
        return False

    async def is_valid_binding_message(self, binding_message: str) -> bool:
        """Short, printable text (no line breaks or other controls)."""
        return len(binding_message) <= BINDING_MESSAGE_MAX and binding_message.isprintable()

    @abc.abstractmethod
    async def start_authentication(self, device: DeviceRequest[U]) -> None:
        """Ask the user, then report the decision."""


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT-shaped *token*, unverified; ``None`` if it has none."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):  # not base64, not UTF-8, not JSON
        return None
    expires = payload.get("exp") if isinstance(payload, dict) else None
    if isinstance(expires, int | float) and not isinstance(expires, bool):
        return float(expires)
    return None
