"""Minting what the CIBA flow hands out: auth_req_ids, access, refresh and ID tokens.

Access and refresh tokens are random strings, as Authlete's are. An ID token is a JWT
signed with HS256 and the client's secret as the key, the symmetric signature OpenID
Connect Core (section 10.1) defines, so a test can verify it with what it already has.
It carries ``at_hash`` and, in push mode, the ``auth_req_id`` claim and ``rt_hash`` that
CIBA Core section 10.3.1 asks for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from attrs import frozen

from ._wire import decode_json

#: Bytes of randomness per ticket, auth_req_id and token: 32 give 43 URL-safe
#: characters, the length of Authlete's (the spec's examples).
RANDOM_BYTES = 32
AUTH_REQ_ID_CLAIM = "urn:openid:params:jwt:claim:auth_req_id"
_HEADER = {"alg": "HS256", "typ": "JWT"}


def random_value() -> str:
    """A fresh ticket, auth_req_id or token."""
    return secrets.token_urlsafe(RANDOM_BYTES)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _compact(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def sign_jwt(claims: Mapping[str, object], key: str) -> str:
    """A compact JWS of *claims*, HS256 with *key*."""
    signing_input = f"{_b64(_compact(_HEADER))}.{_b64(_compact(dict(claims)))}"
    mac = hmac.new(key.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256)
    return f"{signing_input}.{_b64(mac.digest())}"


def unverified_claims(token: str) -> dict[str, object] | None:
    """The payload of a JWT-shaped text, without checking its signature; None otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not all(part.isascii() for part in parts):
        return None
    try:
        payload = decode_json(_unb64(parts[1]))
    except ValueError:  # binascii.Error
        return None
    return payload if isinstance(payload, dict) else None


def half_hash(token: str) -> str:
    """``at_hash``/``rt_hash``: the left half of the SHA-256 of *token*, base64url."""
    digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
    return _b64(digest[: len(digest) // 2])


@frozen
class TokenSet:
    """The tokens one authorized request gets, with their lifetimes in seconds."""

    access_token: str
    refresh_token: str
    id_token: str
    access_duration: int
    refresh_duration: int
    id_duration: int
    scopes: tuple[str, ...]

    def content(self, auth_req_id: str | None = None) -> dict[str, object]:
        """The token response body (the push notification's when *auth_req_id* is given)."""
        content: dict[str, object] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.access_duration,
        }
        if self.scopes:
            content["scope"] = " ".join(self.scopes)
        content["refresh_token"] = self.refresh_token
        content["id_token"] = self.id_token
        if auth_req_id is not None:
            content["auth_req_id"] = auth_req_id
        return content


def id_token_claims(
    *,
    issuer: str,
    subject: str,
    audience: str,
    issued_at: int,
    lifetime: int,
    extra: Mapping[str, object],
) -> dict[str, object]:
    """The registered claims of an ID token, then *extra* (which cannot replace them)."""
    claims = {key: value for key, value in extra.items() if key not in _REGISTERED}
    claims.update(iss=issuer, sub=subject, aud=audience, iat=issued_at, exp=issued_at + lifetime)
    return claims


_REGISTERED = frozenset({"iss", "sub", "aud", "iat", "exp"})
