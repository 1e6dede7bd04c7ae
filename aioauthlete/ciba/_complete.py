"""Reporting the user's decision: ``/backchannel/authentication/complete``, then the
notification that ping and push clients are waiting for."""

from __future__ import annotations

import json
from collections.abc import Mapping

from attrs import field, frozen

from .._client import AuthleteClient
from .._errors import AuthleteError
from .._fields import items, required_line, text, texts, whole
from .._operations._complete import (
    BackchannelAuthenticationCompleteRequest,
    BackchannelAuthenticationCompleteResponse,
    CompleteAction,
    CompleteResult,
)
from .._operations._shared import Property
from ._delivery import Delivery
from ._log import call_failed, logger, ref
from ._notify import NotificationSender


def _json_object(value: Mapping[str, object] | None) -> Mapping[str, object] | None:
    if value is not None:
        json.dumps(value)  # refuses what JSON cannot carry, before any I/O
    return value


@frozen(kw_only=True)
class Authorized:
    """The user authorized the request. ``subject`` is the user's identifier at this
    server; ``claims`` (JSON values) go into the ID token; ``auth_time`` is when the
    user authenticated (seconds since the epoch); ``scopes`` replaces the requested
    scopes; ``properties`` are kept with the tokens."""

    subject: str = field(**required_line())
    claims: Mapping[str, object] | None = field(default=None, converter=_json_object, hash=False)
    auth_time: int | None = whole()
    acr: str | None = text()
    scopes: tuple[str, ...] | None = texts()
    properties: tuple[Property, ...] | None = items(Property)


@frozen(kw_only=True)
class Denied:
    """The user denied the request (the client gets ``access_denied``)."""

    description: str | None = text()


@frozen(kw_only=True)
class Failed:
    """The authentication could not be carried out: the user did not answer in time, the
    device could not be reached (the client gets an error too)."""

    description: str | None = text()


Decision = Authorized | Denied | Failed


@frozen(kw_only=True)
class CompleteOutcome:
    """What became of a decision.

    ``response`` is Authlete's answer (``None`` when the call failed: ``error`` says
    why). ``delivery`` is the notification's outcome when Authlete asked for one
    (``NOTIFICATION``, ping and push modes), ``None`` when none was due.
    """

    response: BackchannelAuthenticationCompleteResponse | None
    error: AuthleteError | None = None
    delivery: Delivery | None = None

    @property
    def action(self) -> CompleteAction | None:
        """Authlete's action, or ``None`` when it gave no answer."""
        return None if self.response is None else self.response.action

    @property
    def notified(self) -> bool:
        """True when a notification was due and was delivered."""
        return self.delivery is not None and self.delivery.delivered


def complete_request(ticket: str, decision: Decision) -> BackchannelAuthenticationCompleteRequest:
    """The complete call's request for *decision* on *ticket*."""
    if isinstance(decision, Authorized):
        claims = None if decision.claims is None else json.dumps(dict(decision.claims))
        return BackchannelAuthenticationCompleteRequest(
            ticket=ticket,
            result=CompleteResult.AUTHORIZED,
            subject=decision.subject,
            claims=claims,
            auth_time=decision.auth_time,
            acr=decision.acr,
            scopes=decision.scopes,
            properties=decision.properties,
        )
    if isinstance(decision, Denied | Failed):
        result = (
            CompleteResult.ACCESS_DENIED
            if isinstance(decision, Denied)
            else CompleteResult.TRANSACTION_FAILED
        )
        return BackchannelAuthenticationCompleteRequest(
            ticket=ticket, result=result, error_description=decision.description
        )
    raise TypeError(f"decision must be Authorized, Denied or Failed, not {type(decision).__name__}")


class CompleteHandler:
    """Tells Authlete the user's decision and, for ``NOTIFICATION``, notifies the client.

    ``complete`` never raises for a failure of Authlete or of the client's endpoint: both
    are in the ``CompleteOutcome`` (and logged). It raises ``ValueError``/``TypeError``
    for a ticket or decision that cannot be sent, before any I/O. The complete call is not
    retried once it may have reached Authlete (the ticket is then consumed).

    *sender* delivers the notifications; without one the handler makes its own and
    closes it in ``aclose``. One handler serves the whole application.
    """

    def __init__(self, client: AuthleteClient, *, sender: NotificationSender | None = None) -> None:
        self._client = client
        self._owns_sender = sender is None
        self.sender = sender if sender is not None else NotificationSender()

    async def __aenter__(self) -> CompleteHandler:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the sender if the handler made it (a borrowed one is left open)."""
        if self._owns_sender:
            await self.sender.aclose()

    async def complete(self, ticket: str, decision: Decision) -> CompleteOutcome:
        """Report *decision* for *ticket*, and notify the client if Authlete says so."""
        request = complete_request(ticket, decision)
        try:
            response = await self._client.backchannel_authentication_complete(request)
        except AuthleteError as exc:
            error = exc
        else:
            return await self._answered(ticket, response)
        call_failed("complete", error, ticket)
        return CompleteOutcome(response=None, error=error)

    async def _answered(
        self, ticket: str, response: BackchannelAuthenticationCompleteResponse
    ) -> CompleteOutcome:
        if response.action is CompleteAction.SERVER_ERROR:
            logger.error(
                "complete answered SERVER_ERROR ticket=%s result_code=%s",
                ref(ticket),
                response.result_code,
            )
        if response.action is not CompleteAction.NOTIFICATION:
            return CompleteOutcome(response=response)
        delivery = await self.sender.deliver(response)
        return CompleteOutcome(response=response, delivery=delivery)
