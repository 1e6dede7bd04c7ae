"""What a CIBA endpoint receives and what it sends back, free of any web framework.

A framework adapter (``aioauthlete.ciba.aiohttp``, ``aioauthlete.ciba.starlette``) turns
its request into a ``ClientRequest`` and an ``HttpAnswer`` into its response; the handlers
in between never see the framework.
"""

from __future__ import annotations

import base64
import binascii
import types
import urllib.parse
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen
from attrs.validators import instance_of

from .._fields import required_text, text
from .._local import client_error_content, compact_json
from .._operations._answers import JSON_NO_STORE
from .._operations._fail import FailReason
from .._redact import has_control


def _frozen_headers(value: Mapping[Any, Any]) -> Mapping[str, str]:
    headers = dict(value)
    for name, item in headers.items():
        if not isinstance(name, str) or not isinstance(item, str):
            raise TypeError("headers must map str names to str values")
        if not name or ":" in name or has_control(name) or has_control(item):
            # A line break in a header would let a value write headers of its own.
            raise ValueError(
                "header names must be non-empty and without ':', and neither names nor "
                "values may hold control characters (CR, LF, ...)"
            )
    return types.MappingProxyType(headers)


def _by_length(body: object) -> str:
    return f"<{len(str(body))} characters>"


@frozen(kw_only=True)
class HttpAnswer:
    """An HTTP answer any framework can send: a status, headers and a text body.

    The ``repr`` shows the body's length only: a token endpoint's answer carries tokens.
    Header values may not hold control characters (refused at construction).
    """

    status: int = field()
    headers: Mapping[str, str] = field(converter=_frozen_headers, hash=False)
    body: str = field(validator=instance_of(str), repr=_by_length)

    @status.validator
    def _check_status(self, _: object, value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 599:
            raise ValueError("status must be an HTTP status code (100-599)")


@frozen(kw_only=True)
class ClientRequest:
    """What the CIBA client sent to the endpoint: its form body as text, and the parts of
    the request Authlete needs to authenticate it.

    ``authorization`` is the ``Authorization`` header, ``client_certificate`` the client's
    TLS certificate in PEM (mutual TLS), ``dpop`` the ``DPoP`` header and ``url`` the URL
    the request was sent to (the token endpoint checks a DPoP proof against it). The
    ``repr`` shows the body's length only and hides the credentials.
    """

    body: str = field(**required_text(shown="length"))
    authorization: str | None = text(shown="hidden")
    client_certificate: str | None = text(shown="length")
    dpop: str | None = text(shown="hidden")
    url: str | None = text()


def client_request(
    body: bytes, headers: Mapping[str, str], *, client_certificate: str | None, url: str
) -> ClientRequest:
    """What an adapter read, as a ``ClientRequest``: the body as text (undecodable bytes
    replaced, for Authlete to refuse), the ``Authorization`` and ``DPoP`` headers (from a
    case-insensitive *headers*), the certificate and the URL."""
    return ClientRequest(
        body=body.decode("utf-8", "replace"),
        authorization=headers.get("Authorization"),
        client_certificate=client_certificate,
        dpop=headers.get("DPoP"),
        url=url,
    )


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """The client ID and secret of a ``Basic`` *authorization* header, or ``None``.

    RFC 6749 section 2.3.1: both are form-encoded before they are joined and encoded in
    base64, so each is decoded again here. A header that is not Basic, or not well formed,
    gives ``None``: the credentials are then left to the body, and Authlete decides.
    """
    if authorization is None:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        return None
    return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)


def answer(status: int, headers: Mapping[str, str], content: str | None) -> HttpAnswer:
    """An answer of Authlete's, forwarded: its status, headers and ``response_content``."""
    return HttpAnswer(status=status, headers=headers, body=content or "")


def server_error() -> HttpAnswer:
    """500 ``server_error``, built here: for when Authlete gave no usable answer."""
    return HttpAnswer(
        status=500, headers=JSON_NO_STORE, body=client_error_content(FailReason.SERVER_ERROR)
    )


def oauth_error(status: int, error: str, description: str) -> HttpAnswer:
    """An OAuth error answer built here (``invalid_request``, ``unsupported_grant_type``)."""
    content = compact_json({"error": error, "error_description": description})
    return HttpAnswer(status=status, headers=JSON_NO_STORE, body=content)
