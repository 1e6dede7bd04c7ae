"""Values several operations share: nested models and enums of Authlete's schemas.

Every field of each schema is modelled; none is required unless the spec says so.
Attributes are snake_case, the wire's camelCase comes from the converter.
"""

from __future__ import annotations

import enum

from attrs import field, frozen

from .._fields import flag, items, nested, required_text, text, texts, whole


class DeliveryMode(enum.StrEnum):
    """How the client gets its tokens (``delivery_mode``)."""

    PING = "PING"
    POLL = "POLL"
    PUSH = "PUSH"


class HintType(enum.StrEnum):
    """Which hint identified the user. The spec types ``hintType`` as a plain string: a
    value outside these three arrives as that string."""

    LOGIN_HINT = "LOGIN_HINT"
    ID_TOKEN_HINT = "ID_TOKEN_HINT"  # noqa: S105 - a hint type, not a secret
    LOGIN_HINT_TOKEN = "LOGIN_HINT_TOKEN"  # noqa: S105 - a hint type, not a secret


class GrantManagementAction(enum.StrEnum):
    """``grant_management_action`` (Grant Management for OAuth 2.0)."""

    CREATE = "CREATE"
    QUERY = "QUERY"
    REPLACE = "REPLACE"
    REVOKE = "REVOKE"
    MERGE = "MERGE"


class TokenType(enum.StrEnum):
    """``token_type`` (RFC 8693 token exchange and its neighbours)."""

    JWT = "JWT"
    ACCESS_TOKEN = "ACCESS_TOKEN"  # noqa: S105 - token type names, not secrets
    REFRESH_TOKEN = "REFRESH_TOKEN"  # noqa: S105
    ID_TOKEN = "ID_TOKEN"  # noqa: S105
    SAML1 = "SAML1"
    SAML2 = "SAML2"
    DEVICE_SECRET = "DEVICE_SECRET"  # noqa: S105
    DEVICE_CODE = "DEVICE_CODE"
    TOKEN_EXCHANGE = "TOKEN_EXCHANGE"  # noqa: S105
    JWT_BEARER = "JWT_BEARER"


@frozen(kw_only=True)
class Pair:
    """A key and a value (``pair``): service and client attributes."""

    key: str | None = text()
    value: str | None = text()


@frozen(kw_only=True)
class Property:
    """An extra property of a grant (``property``); a hidden one is never shown to the
    client, only kept on Authlete's side."""

    key: str | None = text()
    value: str | None = text()
    hidden: bool | None = flag()


@frozen(kw_only=True)
class TaggedValue:
    """A value for one language tag (``tagged_value``)."""

    tag: str | None = text()
    value: str | None = text()


@frozen(kw_only=True)
class Scope:
    """A scope as Authlete describes it (``scope``)."""

    name: str | None = text()
    default_entry: bool | None = flag()
    description: str | None = text()
    descriptions: tuple[TaggedValue, ...] | None = items(TaggedValue)
    attributes: tuple[Pair, ...] | None = items(Pair)


@frozen(kw_only=True)
class DynamicScope:
    """A scope with a value in its name, such as ``payment:123`` (``dynamic_scope``)."""

    name: str | None = text()
    value: str | None = text()


@frozen(kw_only=True)
class AuthorizationDetailsElement:
    """One element of RFC 9396 authorization details (``authorization_details_element``)."""

    type: str = field(**required_text())
    locations: tuple[str, ...] | None = texts()
    actions: tuple[str, ...] | None = texts()
    data_types: tuple[str, ...] | None = texts()
    identifier: str | None = text()
    privileges: tuple[str, ...] | None = texts()
    other_fields: str | None = text()


@frozen(kw_only=True)
class AuthorizationDetails:
    """RFC 9396 authorization details (``authz_details``)."""

    elements: tuple[AuthorizationDetailsElement, ...] | None = items(AuthorizationDetailsElement)


@frozen(kw_only=True)
class GrantScope:
    """A scope of a grant and the resources it covers (``grant_scope``)."""

    scope: str | None = text()
    resource: tuple[str, ...] | None = texts()


@frozen(kw_only=True)
class Grant:
    """What a grant holds (``grant``, Grant Management for OAuth 2.0)."""

    scopes: tuple[GrantScope, ...] | None = items(GrantScope)
    claims: tuple[str, ...] | None = texts()
    authorization_details: AuthorizationDetails | None = nested(AuthorizationDetails)


@frozen(kw_only=True)
class TokenInfo:
    """What Authlete knows of a token in a token exchange (``token_info``)."""

    client_id: int | None = whole()
    client_id_alias: str | None = text()
    client_id_alias_used: bool | None = flag()
    subject: str | None = text()
    scopes: tuple[Scope, ...] | None = items(Scope)
    expires_at: int | None = whole()
    properties: tuple[Property, ...] | None = items(Property)
    resources: tuple[str, ...] | None = texts()
    authorization_details: AuthorizationDetailsElement | None = nested(AuthorizationDetailsElement)
    client_entity_id: str | None = text()
    client_entity_id_used: bool | None = flag()
    metadata_document_location: str | None = text()
    metadata_document_used: bool | None = flag()


@frozen(kw_only=True)
class CimdOptions:
    """How Authlete may fetch a client ID metadata document (``cimd_options``)."""

    always_retrieved: bool | None = flag()
    http_permitted: bool | None = flag()
    query_permitted: bool | None = flag()


#: The classes of this module the converter serves.
WIRE_CLASSES = (
    Pair,
    Property,
    TaggedValue,
    Scope,
    DynamicScope,
    AuthorizationDetailsElement,
    AuthorizationDetails,
    GrantScope,
    Grant,
    TokenInfo,
    CimdOptions,
)
ENUMS = (DeliveryMode, HintType, GrantManagementAction, TokenType)
