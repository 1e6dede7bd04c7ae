"""``/backchannel/authentication``: the first step of a CIBA flow.

The caller's backchannel authentication endpoint hands Authlete the body its client sent
(``parameters``) and the client's credentials; Authlete checks them and answers either with
an error for the client or, for a valid request, with the hint that identifies the user and
the ticket that the issue, fail and complete calls take.
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
    member_or_text,
    nested,
    required_member,
    required_text,
    text,
    texts,
    whole,
)
from .._operation import Operation
from ._answers import JSON_NO_STORE, with_challenge
from ._parameters import secret_values
from ._shared import (
    AuthorizationDetails,
    CimdOptions,
    DeliveryMode,
    DynamicScope,
    Grant,
    GrantManagementAction,
    HintType,
    Pair,
    Scope,
)


class BackchannelAuthenticationAction(enum.StrEnum):
    """What the caller's backchannel endpoint must do next (the ``action`` response field)."""

    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHORIZED = "UNAUTHORIZED"
    USER_IDENTIFICATION = "USER_IDENTIFICATION"

    @property
    def status_code(self) -> int | None:
        """The HTTP status the caller's endpoint returns to its client; ``None`` for
        ``USER_IDENTIFICATION``, which answers nothing yet: the endpoint identifies the user
        from the hint, then calls issue (or fail) and returns that answer."""
        return _ACTION_STATUS[self]


_ACTION_STATUS = {
    BackchannelAuthenticationAction.INTERNAL_SERVER_ERROR: 500,
    BackchannelAuthenticationAction.BAD_REQUEST: 400,
    BackchannelAuthenticationAction.UNAUTHORIZED: 401,
    BackchannelAuthenticationAction.USER_IDENTIFICATION: None,
}
_CHALLENGE = with_challenge("backchannel/authentication")


@frozen(kw_only=True)
class BackchannelAuthenticationRequest:
    """What the endpoint received: the client's whole form body (``parameters``) and the
    credentials from its ``Authorization`` header or TLS connection.

    The ``repr`` shows the body's length only (it carries login hints, binding messages and
    often the client secret) and hides the secret and the attestation.
    """

    parameters: str = field(**required_text(shown="length"))
    client_id: str | None = text()
    client_secret: str | None = text(shown="hidden")
    client_certificate: str | None = text()
    client_certificate_path: tuple[str, ...] | None = texts()
    oauth_client_attestation: str | None = text(shown="hidden")
    oauth_client_attestation_pop: str | None = text(shown="hidden")
    cimd_options: CimdOptions | None = nested(CimdOptions)


@frozen(kw_only=True)
class BackchannelAuthenticationResponse:
    """Authlete's answer. For the error actions, ``response_content`` goes to the client
    with the status ``action.status_code`` and the headers ``headers``.

    For ``USER_IDENTIFICATION``: ``hint_type`` and ``hint`` identify the user (``sub`` is
    the subject of an ID token hint), ``ticket`` is for the next call, and the rest tells
    what the client asks for (scopes, claims, ACRs, binding message, user code, expiry) and
    about the client and the grant. The ``repr`` hides the hint (it may be a token), the
    user code and the notification token, and shows the ticket as a short hash.
    """

    result_code: str = field(**required_text())
    action: BackchannelAuthenticationAction = field(
        **required_member(BackchannelAuthenticationAction)
    )
    result_message: str | None = text()
    response_content: str | None = text()
    client_id: int | None = whole()
    client_id_alias: str | None = text()
    client_id_alias_used: bool | None = flag()
    client_name: str | None = text()
    scopes: tuple[Scope, ...] | None = items(Scope)
    claim_names: tuple[str, ...] | None = texts()
    client_notification_token: str | None = text(shown="hidden")
    acrs: tuple[str, ...] | None = texts()
    hint_type: HintType | str | None = member_or_text(HintType)
    hint: str | None = text(shown="hidden")
    sub: str | None = text()
    binding_message: str | None = text()
    user_code: str | None = text(shown="hidden")
    user_code_required: bool | None = flag()
    requested_expiry: int | None = whole()
    request_context: str | None = text()
    warnings: tuple[str, ...] | None = texts()
    ticket: str | None = line(shown="hash")
    resources: tuple[str, ...] | None = texts()
    authorization_details: AuthorizationDetails | None = nested(AuthorizationDetails)
    service_attributes: tuple[Pair, ...] | None = items(Pair)
    client_attributes: tuple[Pair, ...] | None = items(Pair)
    dynamic_scopes: tuple[DynamicScope, ...] | None = items(DynamicScope)
    delivery_mode: DeliveryMode | None = member(DeliveryMode)
    client_auth_method: str | None = text()
    gm_action: GrantManagementAction | None = member(GrantManagementAction)
    grant_id: str | None = text()
    grant: Grant | None = nested(Grant)
    grant_subject: str | None = text()
    client_entity_id: str | None = text()
    client_entity_id_used: bool | None = flag()
    metadata_document_location: str | None = text()
    metadata_document_used: bool | None = flag()

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers to send with ``response_content``: for ``UNAUTHORIZED`` with a
        ``WWW-Authenticate`` challenge too (client authentication is always required)."""
        if self.action is BackchannelAuthenticationAction.UNAUTHORIZED:
            return _CHALLENGE
        return JSON_NO_STORE


def _secrets(request: BackchannelAuthenticationRequest) -> Iterator[str]:
    for value in (
        request.client_secret,
        request.oauth_client_attestation,
        request.oauth_client_attestation_pop,
    ):
        if value:
            yield value
    yield from secret_values(request.parameters)


AUTHENTICATION: Operation[BackchannelAuthenticationRequest, BackchannelAuthenticationResponse] = (
    Operation(
        name="authentication",
        path="/backchannel/authentication",
        request=BackchannelAuthenticationRequest,
        response=BackchannelAuthenticationResponse,
        # Retried after an ambiguous failure: an answer lost on the way leaves a ticket that
        # nobody holds, which expires unused; the retry's ticket is the one the caller sees.
        converges=True,
        secrets=_secrets,
    )
)

WIRE_CLASSES = (BackchannelAuthenticationRequest, BackchannelAuthenticationResponse)
ENUMS = (BackchannelAuthenticationAction,)
