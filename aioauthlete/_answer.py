"""Decoding Authlete's answers, for any operation: pure functions, no I/O.

The transport hands over what it read (status, Content-Type, body, Retry-After); this turns
it into the operation's response or raises the error it stands for.
"""

from __future__ import annotations

import email.utils
import json
import json.scanner
import re
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import cattrs

from ._converter import converter, wire_text
from ._errors import AuthleteApiError, AuthleteResponseError, AuthleteTransportError

Resp = TypeVar("Resp")

JSON_TYPE: Final = "application/json"
OCTET_STREAM: Final = "application/octet-stream"
_SECONDS: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")
#: The C scanner behind ``json.loads``, called directly: for a UTF-8 body starting with
#: ``{`` it is what ``json.loads`` ends up doing, without its encoding detection and
#: whitespace handling (which cost more than the scan of a 200-byte answer).
_scan_json: Final = json.scanner.make_scanner(cast(Any, json.JSONDecoder()))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    *now* is the wall-clock time (``time.time()``) the date is measured against. Seconds are
    ASCII digits, with a fraction tolerated; values that do not parse (negative numbers,
    exponents, non-ASCII digits) are ignored (``None``); a date in the past means 0.
    """
    if value is None:
        return None
    text = value.strip()
    # ASCII digits only: str.isdigit() and float() also accept non-ASCII digits,
    # "1_000" and "1e3".
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete form may omit the zone
        return None
    return max(0.0, when.timestamp() - now)


def media_type(content_type: str | None) -> str:
    """The bare, lower-case media type of a Content-Type header value.

    As aiohttp's ``content_type`` reads it: an absent or malformed value (not one
    ``type/subtype``, such as a list of types) is ``application/octet-stream`` (RFC 9110
    8.3), so a header like ``text/html, application/problem+json`` is not taken for JSON.
    """
    if content_type == JSON_TYPE:  # what Authlete sends: no parsing
        return JSON_TYPE
    if content_type is None:
        return OCTET_STREAM
    media = content_type.partition(";")[0].strip().lower()
    return media if media.count("/") == 1 and "," not in media else OCTET_STREAM


def _is_json(content_type: str) -> bool:
    return content_type == JSON_TYPE or content_type.endswith("+json")


def _load_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the stack
        return None
    return data if isinstance(data, dict) else None


#: Turns one HTTP answer (status, Content-Type as sent, body, Retry-After as sent) into a
#: response, or raises the error it stands for.
Decode = Callable[[int, str | None, bytes, str | None], Resp]


def decoder(response_type: type[Resp]) -> Decode[Resp]:
    """The ``Decode`` of an operation whose answers are *response_type*.

    Called as the transport reads an answer: headers as sent (``None`` when absent). The
    usual answer (200, JSON, one UTF-8 object with fields of their usual types) takes a
    short path: the C scanner and the generated decoder of ``_codec``; anything else, or
    anything the short path is unsure of (whitespace around the object, another encoding,
    a numeric ``resultCode``, an unknown action), takes ``decode_answer``, which accepts it
    or says what is wrong. A property test holds the two equal for every operation.
    """
    from ._codec import json_decoder

    fast = json_decoder(response_type, converter)

    def decode(status: int, content_type: str | None, body: bytes, retry_after: str | None) -> Resp:
        media = media_type(content_type)
        if status == 200 and media == JSON_TYPE:
            try:
                text = body.decode()
                data, end = _scan_json(text, 0)
            except (ValueError, RecursionError, StopIteration):  # StopIteration: no JSON at 0
                pass
            else:
                if end == len(text) and type(data) is dict:
                    response: Resp | None = fast(data)
                    if response is not None:
                        return response
        seconds = parse_retry_after(retry_after, time.time()) if retry_after else None
        return decode_answer(response_type, status, media, body, seconds)

    return decode


def decode_answer(
    response_type: type[Resp],
    status: int,
    content_type: str,
    body: bytes,
    retry_after: float | None,
) -> Resp:
    """The general path: one answer as a *response_type*, or the error it stands for.

    *content_type* is the bare media type, lower case. A status that is no final answer
    (outside 200-599: 000, 999, or an informational 1xx where the answer should be) is a
    garbled status line: the request may have been read, so it is ambiguous and retried
    like a broken connection.
    """
    if not 200 <= status < 600:
        raise AuthleteTransportError(
            detail=f"garbled status line: {status} is not a final HTTP status",
            may_have_reached=True,
        )
    if 300 <= status < 400:
        raise AuthleteResponseError(status=status, problem="redirect refused (not followed)")
    if status >= 400:
        raise api_error(status, content_type, body, retry_after)
    if not _is_json(content_type):
        shown = content_type or "none"
        raise AuthleteResponseError(status=status, problem=f"not JSON (content type {shown})")
    data = _load_object(body)
    if data is None:
        raise AuthleteResponseError(status=status, problem="body is not a JSON object")
    try:
        return converter.structure(data, response_type)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path="$"))
        raise AuthleteResponseError(status=status, problem=problems) from None
    except (ValueError, TypeError) as exc:  # a model's own check of a field
        raise AuthleteResponseError(status=status, problem=str(exc)) from None


def api_error(
    status: int, content_type: str, body: bytes, retry_after: float | None
) -> AuthleteApiError:
    """The error a non-2xx answer stands for, with Authlete's ``{resultCode,
    resultMessage}`` when the body has them (a proxy's HTML page has neither)."""
    data = _load_object(body) if _is_json(content_type) else None
    result_code = result_message = None
    if data is not None:
        result_code = wire_text(data.get("resultCode"))
        message = data.get("resultMessage")
        if isinstance(message, str):
            result_message = message
    return AuthleteApiError(
        status=status,
        result_code=result_code,
        result_message=result_message,
        retry_after=retry_after,
    )
