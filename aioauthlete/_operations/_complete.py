"""``/backchannel/authentication/complete``: the user's decision, told to Authlete.

After the user has answered on the authentication device (or the server has given up
waiting), this call tells Authlete the result. In push mode Authlete mints the tokens here;
in ping and poll modes it records the result for the token endpoint. Either way the ticket
is consumed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping

from attrs import field, frozen

from .._fields import (
    flag,
    items,
    line,
    member,
    nested,
    required_line,
    required_member,
    required_text,
    text,
    texts,
    whole,
)
from .._operation import Operation
from ._answers import JSON_NO_STORE
from ._shared import AuthorizationDetails, DeliveryMode, Pair, Property


class CompleteResult(enum.StrEnum):
    """How the user's authentication and authorization ended (the ``result`` field)."""

    AUTHORIZED = "AUTHORIZED"
    ACCESS_DENIED = "ACCESS_DENIED"
    TRANSACTION_FAILED = "TRANSACTION_FAILED"


class CompleteAction(enum.StrEnum):
    """What the caller must do next (the ``action`` response field). Nothing goes back to
    a waiting client here, so there is no status to forward: ``NOTIFICATION`` means POST
    ``response_content`` to ``client_notification_endpoint`` (ping and push modes),
    ``NO_ACTION`` that the client will learn the result at the token endpoint (poll)."""

    SERVER_ERROR = "SERVER_ERROR"
    NO_ACTION = "NO_ACTION"
    NOTIFICATION = "NOTIFICATION"


@frozen(kw_only=True)
class BackchannelAuthenticationCompleteRequest:
    """The result for one ticket.

    ``subject`` (the user's identifier at the caller) is needed when the result is
    ``AUTHORIZED`` and optional otherwise; a request without it for ``AUTHORIZED`` is
    refused at construction (``ValueError``). The ``repr`` shows the ticket as a short hash
    and hides the access token. Durations are in seconds, ``auth_time`` in seconds since
    the epoch; ``claims``, ``jwt_at_claims`` and ``idt_header_params`` are JSON texts.
    """

    ticket: str = field(**required_line(shown="hash"))
    result: CompleteResult = field(**required_member(CompleteResult))
    subject: str | None = line()
    sub: str | None = text()
    auth_time: int | None = whole()
    acr: str | None = text()
    claims: str | None = text()
    properties: tuple[Property, ...] | None = items(Property)
    scopes: tuple[str, ...] | None = texts()
    idt_header_params: str | None = text()
    error_description: str | None = text()
    error_uri: str | None = text()
    consented_claims: tuple[str, ...] | None = texts()
    jwt_at_claims: str | None = text()
    access_token: str | None = text(shown="hidden")
    access_token_duration: int | None = whole()
    refresh_token_duration: int | None = whole()
    id_token_aud_type: str | None = text()

    def __attrs_post_init__(self) -> None:
        # The operation's text makes the subject mandatory in the successful case only,
        # although its schema lists it as always required.
        if self.result is CompleteResult.AUTHORIZED and self.subject is None:
            raise ValueError("subject is required when result is AUTHORIZED")


@frozen(kw_only=True)
class BackchannelAuthenticationCompleteResponse:
    """Authlete's answer. For ``NOTIFICATION``, ``response_content`` is the body to POST
    to ``client_notification_endpoint`` with the headers ``headers`` and
    ``Authorization: Bearer`` *client_notification_token*; in push mode it carries the
    tokens. The ``repr`` shows its length only and hides every token."""

    result_code: str = field(**required_text())
    action: CompleteAction = field(**required_member(CompleteAction))
    result_message: str | None = text()
    response_content: str | None = text(shown="length")
    client_id: int | None = whole()
    client_id_alias: str | None = text()
    client_id_alias_used: bool | None = flag()
    client_name: str | None = text()
    delivery_mode: DeliveryMode | None = member(DeliveryMode)
    client_notification_endpoint: str | None = text()
    client_notification_token: str | None = text(shown="hidden")
    auth_req_id: str | None = text(shown="hash")
    access_token: str | None = text(shown="hidden")
    refresh_token: str | None = text(shown="hidden")
    id_token: str | None = text(shown="hidden")
    access_token_duration: int | None = whole()
    refresh_token_duration: int | None = whole()
    id_token_duration: int | None = whole()
    jwt_access_token: str | None = text(shown="hidden")
    resources: tuple[str, ...] | None = texts()
    authorization_details: AuthorizationDetails | None = nested(AuthorizationDetails)
    service_attributes: tuple[Pair, ...] | None = items(Pair)
    client_attributes: tuple[Pair, ...] | None = items(Pair)
    grant_id: str | None = text()
    client_entity_id: str | None = text()
    client_entity_id_used: bool | None = flag()
    metadata_document_location: str | None = text()
    metadata_document_used: bool | None = flag()

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers to send with ``response_content`` (the notification's, less its
        ``Authorization``)."""
        return JSON_NO_STORE


def _names(request: BackchannelAuthenticationCompleteRequest) -> tuple[str, str]:
    return ("ticket", request.ticket)


def _secrets(request: BackchannelAuthenticationCompleteRequest) -> Iterator[str]:
    if request.access_token:
        yield request.access_token


COMPLETE: Operation[
    BackchannelAuthenticationCompleteRequest, BackchannelAuthenticationCompleteResponse
] = Operation(
    name="complete",
    path="/backchannel/authentication/complete",
    request=BackchannelAuthenticationCompleteRequest,
    response=BackchannelAuthenticationCompleteResponse,
    # Not retried after an ambiguous failure: the first attempt consumed the ticket and, in
    # push mode, minted tokens; a retry would only learn that the ticket is gone.
    converges=False,
    names=_names,
    secrets=_secrets,
)

WIRE_CLASSES = (BackchannelAuthenticationCompleteRequest, BackchannelAuthenticationCompleteResponse)
ENUMS = (CompleteResult, CompleteAction)
