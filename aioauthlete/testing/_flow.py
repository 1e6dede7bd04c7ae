"""What the CIBA operations share: the service's settings, the stores, minting, answers.

One ``CibaFlow`` per emulator holds the registered clients, the tickets, the
auth_req_ids and the clock; each operation module reads and writes them through it, so
that the operations stay pure functions of (flow, parameters) -> answer body.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from attrs import Attribute, field, frozen

from .._local import compact_json
from ._clients import ClientRegistry
from ._grants import Decision, GrantStore
from ._results import EmulatorResult
from ._store import BackchannelRequest, TicketStore, seeded_request
from ._tokens import (
    AUTH_REQ_ID_CLAIM,
    TokenSet,
    half_hash,
    id_token_claims,
    random_value,
    sign_jwt,
)

DEFAULT_ISSUER = "https://authlete-emulator.invalid"
#: The subject of tokens minted for an auth_req_id nobody issued (``accept_any_ticket``).
ANY_SUBJECT = "emulated-user"


def _positive(_: object, attribute: Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be a whole number of 1 or more")


@frozen(kw_only=True)
class ServiceSettings:
    """The emulated service's CIBA settings, in seconds (Authlete's names in brackets).

    ``auth_req_id_duration`` [backchannelAuthReqIdDuration] is ``expires_in`` unless the
    client asks for a ``requested_expiry``; ``polling_interval``
    [backchannelPollingInterval] is ``interval``. ``issuer`` goes into ID tokens.
    """

    auth_req_id_duration: int = field(default=600, validator=_positive)
    polling_interval: int = field(default=5, validator=_positive)
    access_token_duration: int = field(default=3600, validator=_positive)
    refresh_token_duration: int = field(default=86400, validator=_positive)
    id_token_duration: int = field(default=3600, validator=_positive)
    issuer: str = DEFAULT_ISSUER


class CibaFlow:
    """The state behind the CIBA operations of one emulator."""

    def __init__(
        self,
        *,
        clients: ClientRegistry,
        tickets: TicketStore,
        grants: GrantStore,
        settings: ServiceSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = clients
        self.tickets = tickets
        self.grants = grants
        self.settings = settings
        self.accept_any = False
        self._clock = clock
        self._epoch_offset = time.time() - clock()  # ID tokens move with the injected clock

    def epoch(self) -> int:
        """Seconds since 1970 by the emulator's clock, for ``iat`` and ``exp``."""
        return int(self._clock() + self._epoch_offset)

    def seeded_request(self) -> BackchannelRequest | None:
        """What a ticket nobody asked for stands for: a request of the first client."""
        return seeded_request(self.clients.first())

    def mint(
        self,
        request: BackchannelRequest,
        decision: Decision,
        auth_req_id: str,
        *,
        push: bool,
        overrides: Mapping[str, object] | None = None,
    ) -> TokenSet:
        """The tokens of an authorized request; *overrides* are a token call's own
        ``accessToken``/``accessTokenDuration``/``refreshTokenDuration``."""
        given = overrides or {}
        settings = self.settings
        access = _first_text(given.get("accessToken"), decision.access_token) or random_value()
        refresh = random_value()
        access_duration = _first_positive(
            given.get("accessTokenDuration"),
            decision.access_duration,
            settings.access_token_duration,
        )
        refresh_duration = _first_positive(
            given.get("refreshTokenDuration"),
            decision.refresh_duration,
            settings.refresh_token_duration,
        )
        extra: dict[str, object] = dict(decision.claims or {})
        if decision.auth_time is not None:
            extra["auth_time"] = decision.auth_time
        if decision.acr:
            extra["acr"] = decision.acr
        extra["at_hash"] = half_hash(access)
        if push:
            extra[AUTH_REQ_ID_CLAIM] = auth_req_id
            extra["rt_hash"] = half_hash(refresh)
        client = request.client
        claims = id_token_claims(
            issuer=settings.issuer,
            subject=decision.sub or decision.subject or ANY_SUBJECT,
            audience=str(client.client_id),
            issued_at=self.epoch(),
            lifetime=settings.id_token_duration,
            extra=extra,
        )
        scopes = request.scopes if decision.scopes is None else decision.scopes
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            id_token=sign_jwt(claims, client.secret),
            access_duration=access_duration,
            refresh_duration=refresh_duration,
            id_duration=settings.id_token_duration,
            scopes=tuple(scopes),
        )


def _first_text(*values: object) -> str | None:
    return next((v for v in values if isinstance(v, str) and v), None)


def _first_positive(*values: object) -> int:
    found = next((v for v in values if isinstance(v, int) and v > 0), None)
    assert found is not None  # the settings' value always is
    return found


# -- answer bodies ---------------------------------------------------------------------


def answer(
    result: EmulatorResult,
    action: str,
    *,
    content: Mapping[str, object] | None = None,
    details: Mapping[str, str] | None = None,
    **fields: object,
) -> dict[str, object]:
    """A 200 answer: result code and message, *action*, ``responseContent`` from
    *content* (compact JSON), then every field of *fields* that is not None."""
    body: dict[str, object] = {
        "resultCode": result.code,
        "resultMessage": result.message_for(**(details or {})),
        "action": action,
    }
    if content is not None:
        body["responseContent"] = compact_json(content)
    body.update((key, value) for key, value in fields.items() if value is not None)
    return body


def error_content(
    error: str, result: EmulatorResult, description: str | None = None, uri: str | None = None
) -> dict[str, object]:
    """An OAuth error body: *error*, the caller's description (else the result message),
    and the caller's URI when given."""
    content: dict[str, object] = {
        "error": error,
        "error_description": description or result.message_for(),
    }
    if uri:
        content["error_uri"] = uri
    return content


def refusal(result: EmulatorResult, action: str, error: str) -> dict[str, object]:
    """An answer whose ``responseContent`` is the OAuth error *error*."""
    return answer(result, action, content=error_content(error, result))
