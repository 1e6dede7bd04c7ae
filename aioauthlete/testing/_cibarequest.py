"""Checking a CIBA client's backchannel authentication request (its form body).

The rules are CIBA Core section 7.1's: ``scope`` includes ``openid``; exactly one of
``login_hint``, ``id_token_hint`` and ``login_hint_token``; a ``client_notification_token``
(at most 1024 characters) for ping and push clients; ``requested_expiry`` a positive whole
number; ``binding_message``, ``user_code`` and ``acr_values`` optional. Each broken rule
has its own result, so a test sees which one a client broke.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

from ._clients import DeliveryMode
from ._results import EmulatorResult
from ._tokens import unverified_claims
from ._wire import single

MAX_NOTIFICATION_TOKEN = 1024
#: ``requestedExpiry`` is an int32 in Authlete's answer.
MAX_REQUESTED_EXPIRY = 2**31 - 1
_HINTS = (
    ("login_hint", "LOGIN_HINT"),
    ("id_token_hint", "ID_TOKEN_HINT"),
    ("login_hint_token", "LOGIN_HINT_TOKEN"),
)
#: OpenID Connect Core section 5.4: the claims each scope value stands for.
SCOPE_CLAIMS: Mapping[str, tuple[str, ...]] = {
    "profile": (
        "name",
        "family_name",
        "given_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "updated_at",
    ),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
}


@frozen
class CibaParams:
    """A valid request's parameters, as ``USER_IDENTIFICATION`` reports them."""

    scopes: tuple[str, ...]
    hint_type: str
    hint: str
    sub: str | None
    notification_token: str | None
    requested_expiry: int | None
    binding_message: str | None
    user_code: str | None
    acrs: tuple[str, ...]
    resources: tuple[str, ...]

    @property
    def claim_names(self) -> list[str]:
        """The claims the scopes ask for indirectly (``claimNames``)."""
        return [claim for scope in self.scopes for claim in SCOPE_CLAIMS.get(scope, ())]


def _hint(form: Mapping[str, list[str]]) -> tuple[str, str, str | None] | EmulatorResult:
    given = [(kind, value) for key, kind in _HINTS if (value := single(form, key))]
    if len(given) != 1:
        return EmulatorResult.AUTHENTICATION_HINT_COUNT
    kind, value = given[0]
    if kind != "ID_TOKEN_HINT":
        return kind, value, None
    claims = unverified_claims(value)
    sub = None if claims is None else claims.get("sub")
    if not isinstance(sub, str) or not sub:
        return EmulatorResult.AUTHENTICATION_ID_TOKEN_HINT
    return kind, value, sub


def _expiry(form: Mapping[str, list[str]]) -> int | EmulatorResult | None:
    text = single(form, "requested_expiry")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return EmulatorResult.AUTHENTICATION_REQUESTED_EXPIRY
    expiry = int(text)
    if not 1 <= expiry <= MAX_REQUESTED_EXPIRY:
        return EmulatorResult.AUTHENTICATION_REQUESTED_EXPIRY
    return expiry


def check_request(form: Mapping[str, list[str]], mode: DeliveryMode) -> CibaParams | EmulatorResult:
    """The parameters of a valid request by a client in *mode*, or the rule it broke."""
    if "request" in form or "request_uri" in form:
        return EmulatorResult.AUTHENTICATION_REQUEST_OBJECT
    scopes = tuple((single(form, "scope") or "").split())
    if "openid" not in scopes:
        return EmulatorResult.AUTHENTICATION_MISSING_OPENID
    hint = _hint(form)
    if isinstance(hint, EmulatorResult):
        return hint
    token = single(form, "client_notification_token")
    needs_token = mode is not DeliveryMode.POLL
    if (needs_token and token is None) or (token and len(token) > MAX_NOTIFICATION_TOKEN):
        return EmulatorResult.AUTHENTICATION_NOTIFICATION_TOKEN
    expiry = _expiry(form)
    if isinstance(expiry, EmulatorResult):
        return expiry
    return CibaParams(
        scopes=scopes,
        hint_type=hint[0],
        hint=hint[1],
        sub=hint[2],
        notification_token=token,
        requested_expiry=expiry,
        binding_message=single(form, "binding_message"),
        user_code=single(form, "user_code"),
        acrs=tuple((single(form, "acr_values") or "").split()),
        resources=tuple(form.get("resource", ())),
    )
