"""``/auth/token``: the token endpoint's request, for CIBA's ping and poll modes and any
other grant.

The caller's token endpoint hands Authlete the body its client sent (``parameters``, with
``grant_type=urn:openid:params:grant-type:ciba`` and the ``auth_req_id`` in CIBA) and the
client's credentials; Authlete answers with the tokens or the error for the client, or, for
grants it leaves to the caller (password, token exchange, JWT bearer, native SSO), with
what it has checked so far.
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
    required_member,
    required_text,
    text,
    texts,
    whole,
)
from .._operation import Operation
from ._answers import JSON_NO_STORE, with_challenge
from ._parameters import first_value, secret_values
from ._shared import AuthorizationDetails, CimdOptions, Pair, Property, TokenInfo, TokenType


class TokenAction(enum.StrEnum):
    """What the caller's token endpoint must do next (the ``action`` response field)."""

    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    INVALID_CLIENT = "INVALID_CLIENT"
    BAD_REQUEST = "BAD_REQUEST"
    PASSWORD = "PASSWORD"  # noqa: S105 - an action, not a secret
    OK = "OK"
    TOKEN_EXCHANGE = "TOKEN_EXCHANGE"  # noqa: S105 - an action, not a secret
    JWT_BEARER = "JWT_BEARER"
    NATIVE_SSO = "NATIVE_SSO"
    ID_TOKEN_REISSUABLE = "ID_TOKEN_REISSUABLE"  # noqa: S105 - an action, not a secret

    @property
    def status_code(self) -> int | None:
        """The HTTP status the caller's endpoint returns to its client, or ``None`` when
        the endpoint must process the request further before answering: check the user's
        password (``PASSWORD``), build the token response itself (``TOKEN_EXCHANGE``,
        ``JWT_BEARER``), go on with native SSO (``NATIVE_SSO``), or decide whether to
        reissue the ID token (``ID_TOKEN_REISSUABLE``)."""
        return _ACTION_STATUS[self]


_ACTION_STATUS = {
    TokenAction.INTERNAL_SERVER_ERROR: 500,
    TokenAction.INVALID_CLIENT: 401,
    TokenAction.BAD_REQUEST: 400,
    TokenAction.PASSWORD: None,
    TokenAction.OK: 200,
    TokenAction.TOKEN_EXCHANGE: None,
    TokenAction.JWT_BEARER: None,
    TokenAction.NATIVE_SSO: None,
    TokenAction.ID_TOKEN_REISSUABLE: None,
}
_CHALLENGE = with_challenge("token")


@frozen(kw_only=True)
class TokenRequest:
    """What the token endpoint received: the client's whole form body (``parameters``),
    its credentials, and the DPoP proof with the method and URL it must match.

    ``properties`` is a text here (the schema says so), ``jwt_at_claims`` JSON; durations
    are in seconds. The ``repr`` shows the body's length only (it carries codes, refresh
    tokens, passwords and often the client secret) and hides every credential.
    """

    parameters: str = field(**required_text(shown="length"))
    client_id: str | None = text()
    client_secret: str | None = text(shown="hidden")
    client_certificate: str | None = text()
    client_certificate_path: tuple[str, ...] | None = texts()
    properties: str | None = text()
    dpop: str | None = text(shown="hidden")
    htm: str | None = text()
    htu: str | None = text()
    access_token: str | None = text(shown="hidden")
    jwt_at_claims: str | None = text()
    oauth_client_attestation: str | None = text(shown="hidden")
    oauth_client_attestation_pop: str | None = text(shown="hidden")
    access_token_duration: int | None = whole()
    refresh_token_duration: int | None = whole()
    dpop_nonce_required: bool | None = flag()
    cimd_options: CimdOptions | None = nested(CimdOptions)


@frozen(kw_only=True)
class TokenResponse:
    """Authlete's answer. When ``action.status_code`` is a status, ``response_content``
    goes to the client with it and the headers ``headers``.

    The fields, by what they are for:

    - the answer: ``result_code``, ``result_message``, ``action``, ``response_content``;
    - the password grant: ``username``, ``password``, and the ``ticket`` for
      ``/auth/token/issue`` or ``/auth/token/fail``;
    - the tokens issued: access, refresh and ID tokens, their expiry times (milliseconds
      since the epoch) and durations (seconds), ``jwt_access_token``, the ``c_nonce``, the
      DPoP nonce for the ``DPoP-Nonce`` header, native SSO's device secret and its hash;
    - what they cover: ``grant_type``, ``subject``, scopes, properties, resources,
      authorization details, the claims requested for ID tokens, the session ID;
    - the client: its ID, alias, entity ID, metadata document, attributes and the
      authentication method it used;
    - token exchange and JWT bearer grants: the audiences, the subject and actor tokens,
      their types and what Authlete knows of them, the assertion.

    The ``repr`` shows ``response_content`` by its length only (it carries the tokens),
    the ticket as a short hash, and hides every token, the password, the assertion and
    the device secret.
    """

    result_code: str = field(**required_text())
    action: TokenAction = field(**required_member(TokenAction))
    result_message: str | None = text()
    response_content: str | None = text(shown="length")
    username: str | None = text()
    password: str | None = text(shown="hidden")
    ticket: str | None = line(shown="hash")
    access_token: str | None = text(shown="hidden")
    access_token_expires_at: int | None = whole()
    access_token_duration: int | None = whole()
    refresh_token: str | None = text(shown="hidden")
    refresh_token_expires_at: int | None = whole()
    refresh_token_duration: int | None = whole()
    id_token: str | None = text(shown="hidden")
    grant_type: str | None = text()
    client_id: int | None = whole()
    client_id_alias: str | None = text()
    client_id_alias_used: bool | None = flag()
    subject: str | None = text()
    scopes: tuple[str, ...] | None = texts()
    properties: tuple[Property, ...] | None = items(Property)
    jwt_access_token: str | None = text(shown="hidden")
    resources: tuple[str, ...] | None = texts()
    access_token_resources: tuple[str, ...] | None = texts()
    authorization_details: AuthorizationDetails | None = nested(AuthorizationDetails)
    additional_claims: str | None = text()
    service_attributes: tuple[Pair, ...] | None = items(Pair)
    client_attributes: tuple[Pair, ...] | None = items(Pair)
    client_auth_method: str | None = text()
    grant_id: str | None = text()
    audiences: tuple[str, ...] | None = texts()
    requested_token_type: TokenType | None = member(TokenType)
    subject_token: str | None = text(shown="hidden")
    subject_token_type: TokenType | None = member(TokenType)
    subject_token_info: TokenInfo | None = nested(TokenInfo)
    actor_token: str | None = text(shown="hidden")
    actor_token_type: TokenType | None = member(TokenType)
    actor_token_info: TokenInfo | None = nested(TokenInfo)
    assertion: str | None = text(shown="hidden")
    previous_refresh_token_used: bool | None = flag()
    client_entity_id: str | None = text()
    client_entity_id_used: bool | None = flag()
    cnonce_duration: int | None = whole()
    dpop_nonce: str | None = text()
    cnonce: str | None = text()
    cnonce_expires_at: int | None = whole()
    requested_id_token_claims: tuple[str, ...] | None = texts()
    refresh_token_scopes: tuple[str, ...] | None = texts()
    session_id: str | None = text()
    device_secret: str | None = text(shown="hidden")
    device_secret_hash: str | None = text()
    metadata_document_location: str | None = text()
    metadata_document_used: bool | None = flag()

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers to send with ``response_content``: for ``INVALID_CLIENT`` with a
        ``WWW-Authenticate`` challenge too (the answer is a 401)."""
        if self.action is TokenAction.INVALID_CLIENT:
            return _CHALLENGE
        return JSON_NO_STORE


def _names(request: TokenRequest) -> tuple[str, str] | None:
    auth_req_id = first_value(request.parameters, "auth_req_id")
    return None if auth_req_id is None else ("auth_req_id", auth_req_id)


def _secrets(request: TokenRequest) -> Iterator[str]:
    for value in (
        request.client_secret,
        request.access_token,
        request.dpop,
        request.oauth_client_attestation,
        request.oauth_client_attestation_pop,
    ):
        if value:
            yield value
    yield from secret_values(request.parameters)


TOKEN: Operation[TokenRequest, TokenResponse] = Operation(
    name="token",
    path="/auth/token",
    request=TokenRequest,
    response=TokenResponse,
    # Not retried after an ambiguous failure: an auth_req_id (or a code) is single-use, so
    # a retry after tokens were issued would only get an error, and the tokens be lost.
    converges=False,
    names=_names,
    secrets=_secrets,
)

WIRE_CLASSES = (TokenRequest, TokenResponse)
ENUMS = (TokenAction,)
