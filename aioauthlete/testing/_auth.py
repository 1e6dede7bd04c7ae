"""Checking the Authorization header the way each path form expects it.

3.x (``/api/{serviceId}/...``) takes ``Bearer <access token>``; 2.x (``/api/...``) takes
HTTP Basic with a served service id as the user name and the API secret as the password.
Comparisons run in constant time, and no credential is ever put in a message. Which
answers the failures get is assumptions 4 and 5 of ``_assumptions``.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable

from attrs import frozen

from ._results import EmulatorResult


@frozen
class Caller:
    """An authenticated request: the service it acts for and its rate-limit bucket label."""

    service_id: str
    bucket: str


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


def _split(header: str | None, scheme: str) -> str | EmulatorResult | None:
    """The credential after *scheme*, a wrong-scheme marker (None), or the missing result."""
    if not header or not header.strip():
        return EmulatorResult.MISSING_AUTHORIZATION
    given_scheme, _, credential = header.strip().partition(" ")
    if given_scheme.lower() != scheme or not credential.strip():
        return None
    return credential.strip()


class Credentials:
    """The credentials one emulator accepts; its ``repr`` shows service ids only."""

    __slots__ = ("_access_token", "_api_secret", "service_ids")

    def __init__(self, service_ids: Iterable[str], access_token: str, api_secret: str) -> None:
        self.service_ids = frozenset(service_ids)
        self._access_token = access_token
        self._api_secret = api_secret

    def __repr__(self) -> str:
        return f"<Credentials service_ids={sorted(self.service_ids)}>"

    @property
    def access_token(self) -> str:
        return self._access_token

    @property
    def api_secret(self) -> str:
        return self._api_secret

    def check_bearer(self, header: str | None, service_id: str) -> Caller | EmulatorResult:
        """Authenticate a 3.x request for *service_id* (the path's service id)."""
        token = _split(header, "bearer")
        if isinstance(token, EmulatorResult):
            return token
        if token is None or not _same(token, self._access_token):
            return EmulatorResult.BAD_CREDENTIALS
        if service_id not in self.service_ids:
            return EmulatorResult.UNKNOWN_SERVICE
        return Caller(service_id, "bearer")

    def check_basic(self, header: str | None) -> Caller | EmulatorResult:
        """Authenticate a 2.x request: ``service_id:api_secret`` in HTTP Basic."""
        encoded = _split(header, "basic")
        if isinstance(encoded, EmulatorResult):
            return encoded
        if encoded is None:
            return EmulatorResult.BAD_CREDENTIALS
        try:
            pair = base64.b64decode(encoded, validate=True).decode("utf-8")
        except ValueError:  # binascii.Error, UnicodeDecodeError, non-ASCII text
            return EmulatorResult.BAD_CREDENTIALS
        user, colon, secret = pair.partition(":")
        if not colon or user not in self.service_ids or not _same(secret, self._api_secret):
            return EmulatorResult.BAD_CREDENTIALS
        return Caller(user, f"basic:{user}")
