"""Authenticating the client behind a backchannel authentication or token request.

The caller passes what HTTP Basic carried as ``clientId``/``clientSecret``; the client's
form body may carry ``client_id``/``client_secret`` instead. Using both ways for the
secret, or naming two different clients, is a malformed request (RFC 6749 allows one
method per request); anything else that does not match a registered client and its
secret is an authentication failure.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from attrs import frozen

from ._clients import CibaClient, ClientRegistry
from ._flow import refusal
from ._results import EmulatorResult
from ._wire import single


class AuthProblem(enum.Enum):
    """Why a request names no authenticated client."""

    MALFORMED = "malformed"  # invalid_request
    INVALID = "invalid"  # invalid_client


@frozen
class Authenticated:
    """The client a request authenticated, how, and whether it named it by alias."""

    client: CibaClient
    alias_used: bool
    method: str  # clientAuthMethod: CLIENT_SECRET_BASIC or CLIENT_SECRET_POST


def authenticate(
    registry: ClientRegistry,
    form: Mapping[str, list[str]],
    basic_id: str | None,
    basic_secret: str | None,
) -> Authenticated | AuthProblem:
    """The client of a request whose form body is *form*, or what is wrong."""
    form_id, form_secret = single(form, "client_id"), single(form, "client_secret")
    basic_id, basic_secret = basic_id or None, basic_secret or None
    if basic_secret is not None and form_secret is not None:
        return AuthProblem.MALFORMED
    if basic_id is not None and form_id is not None and basic_id != form_id:
        return AuthProblem.MALFORMED
    identifier = basic_id or form_id
    secret = basic_secret if basic_secret is not None else form_secret
    if identifier is None or secret is None:
        return AuthProblem.INVALID
    found = registry.find(identifier)
    if found is None or not found[0].accepts(secret):
        return AuthProblem.INVALID
    method = "CLIENT_SECRET_BASIC" if basic_secret is not None else "CLIENT_SECRET_POST"
    return Authenticated(found[0], found[1], method)


def client_or_refusal(
    registry: ClientRegistry,
    form: Mapping[str, list[str]],
    basic: tuple[str | None, str | None],
    *,
    malformed: EmulatorResult,
    invalid: EmulatorResult,
    invalid_action: str,
) -> Authenticated | dict[str, object]:
    """The authenticated client, or the answer refusing the request: *malformed* with
    invalid_request, *invalid* with *invalid_action* and invalid_client."""
    client = authenticate(registry, form, *basic)
    if client is AuthProblem.MALFORMED:
        return refusal(malformed, "BAD_REQUEST", "invalid_request")
    if client is AuthProblem.INVALID:
        return refusal(invalid, invalid_action, "invalid_client")
    return client
