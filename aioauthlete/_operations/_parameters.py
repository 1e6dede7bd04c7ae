"""Reading the client's own request body (``parameters``) for logs and masks, never more.

The authentication and token calls pass on the body the CIBA client sent, form-encoded. It
carries credentials (a client secret, a refresh token, a login hint token) that a server
must not echo into an error, and the token call's ``auth_req_id``, which names the call in
logs. Whatever the body holds, reading it never raises: a call is not refused here, that
is Authlete's work.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

#: Keys whose values are credentials, in a token request or a backchannel authentication
#: request (``user_code`` is the user's secret code, the notification token a bearer token).
SECRET_KEYS = frozenset(
    {
        "actor_token",
        "assertion",
        "client_assertion",
        "client_notification_token",
        "client_secret",
        "code",
        "code_verifier",
        "id_token_hint",
        "login_hint_token",
        "password",
        "refresh_token",
        "subject_token",
        "user_code",
    }
)


def _parsed(parameters: object) -> dict[str, list[str]]:
    if not isinstance(parameters, str):
        return {}
    try:
        return urllib.parse.parse_qs(parameters)
    except (ValueError, TypeError, UnicodeError):  # odd input names nothing and hides nothing
        return {}


def first_value(parameters: object, key: str) -> str | None:
    """The first non-empty value of *key* in *parameters*, or ``None``."""
    values = _parsed(parameters).get(key)
    return values[0] if values else None


def secret_values(parameters: object) -> Iterator[str]:
    """The credentials in *parameters*: decoded, and as the body spells them (a server may
    echo either form)."""
    for key, values in _parsed(parameters).items():
        if key in SECRET_KEYS:
            yield from values
    if isinstance(parameters, str):
        for piece in parameters.split("&"):
            key, _, raw = piece.partition("=")
            if raw and urllib.parse.unquote_plus(key) in SECRET_KEYS:
                yield raw
