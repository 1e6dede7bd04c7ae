"""The fail call as pure functions: build the HTTP request, decode the HTTP answer.

No aiohttp and no asyncio here (the gidgethub way): everything below can be tested with
plain values, and the transport layer only moves bytes.
"""

from __future__ import annotations

import base64
import email.utils
import json
import json.scanner
import re
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final, cast

import cattrs
from multidict import CIMultiDict

from ._converter import converter, wire_text
from ._errors import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTransportError,
)
from ._models import (
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationFailResponse,
    FailAction,
)
from ._redact import CredentialMask, RedactedTicket, masking_ticket
from ._validate import check_service_id

V3_PATH: Final = "/api/{service_id}/backchannel/authentication/fail"
V2_PATH: Final = "/api/backchannel/authentication/fail"
JSON_TYPE: Final = "application/json"
FORM_TYPE: Final = "application/x-www-form-urlencoded"
_SECONDS: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")

AnyFailRequest = BackchannelAuthenticationFailRequest | BackchannelAuthenticationFailApiFormRequest


class RedactedHeaders(CIMultiDict[str]):
    """Request headers whose ``repr`` hides the Authorization value.

    Frame locals show up in tracebacks printed with locals (``pytest --showlocals``, error
    reporters); the credential must not. A ``CIMultiDict``, which aiohttp takes without
    converting it first.
    """

    def __repr__(self) -> str:
        shown = {k: ("<redacted>" if k.lower() == "authorization" else v) for k, v in self.items()}
        return f"RedactedHeaders({shown!r})"


class PreparedRequest:
    """Everything the transport needs for one POST, built once per call (not per attempt).

    Its ``repr`` (seen in tracebacks printed with locals) shows neither the body nor the
    ticket, and ``ticket`` is a ``RedactedTicket``, made only when asked for (logging).
    A plain slotted class: one is built per call.
    """

    __slots__ = ("_ticket", "body", "credentials", "headers", "service_id", "status", "url")

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        service_id: str,
        ticket: str,
        credentials: CredentialMask,
    ) -> None:
        self.url = url
        self.headers = headers
        self.body = body
        self.service_id = service_id
        self._ticket = ticket
        #: Masks the credentials in the answer's body before it is decoded.
        self.credentials = credentials
        #: The HTTP status of the last answer read (0 before one), for the log record.
        self.status = 0

    @property
    def ticket(self) -> RedactedTicket:
        return RedactedTicket(self._ticket)

    def scrub(self, error: AuthleteError) -> AuthleteError:
        """*error* with the credentials and the ticket masked in its server texts."""
        error._mask_server_texts(masking_ticket(self.credentials.text, self._ticket))
        return error

    def __repr__(self) -> str:
        return (
            f"PreparedRequest(url={self.url!r}, headers={self.headers!r}, "
            f"service_id={self.service_id!r}, ticket={self.ticket!r})"
        )


_json_string = json.encoder.encode_basestring  # the C escaper json.dumps uses


def json_body(request: BackchannelAuthenticationFailRequest) -> bytes:
    """The compact JSON body of *request*, as ``json.dumps(converter.unstructure(request))``.

    Written out by hand because it runs once per call: about a tenth of the converter's and
    ``json.dumps``'s cost. A property test holds the two equal.
    """
    parts = ['{"ticket":', _json_string(request.ticket), ',"reason":"', request.reason, '"']
    if request.error_description is not None:
        parts += (',"errorDescription":', _json_string(request.error_description))
    if request.error_uri is not None:
        parts += (',"errorUri":', _json_string(request.error_uri))
    parts.append("}")
    return "".join(parts).encode()


class Endpoint:
    """Where and how to reach the fail API for one client configuration.

    URLs and header sets are built once, at construction; preparing a call then costs one
    serialisation. The credential is only ever held inside ``RedactedHeaders``.
    """

    __slots__ = (
        "_base",
        "_credentials",
        "_form_headers",
        "_json_headers",
        "_json_url",
        "_service_id",
        "_v3",
    )

    def __init__(
        self,
        *,
        base_url: str,
        service_id: str,
        api_version: str,
        access_token: str | None,
        api_secret: str | None,
        user_agent: str,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._service_id = check_service_id(service_id)
        self._v3 = api_version == "V3"
        if self._v3:
            assert access_token is not None
            credential = access_token
            authorization = f"Bearer {access_token}"
        else:
            assert api_secret is not None
            credential = api_secret
            encoded = base64.b64encode(f"{service_id}:{api_secret}".encode()).decode("ascii")
            authorization = f"Basic {encoded}"
        self._credentials = CredentialMask((credential, authorization.partition(" ")[2]))
        common = {
            "Authorization": authorization,
            "Accept": JSON_TYPE,
            "Accept-Encoding": "identity",
            "User-Agent": user_agent,
        }
        self._json_headers = RedactedHeaders({**common, "Content-Type": JSON_TYPE})
        self._form_headers = RedactedHeaders({**common, "Content-Type": FORM_TYPE})
        self._json_url = self._url_for(self._service_id)

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def service_id(self) -> str:
        return self._service_id

    def _url_for(self, service_id: str) -> str:
        path = V3_PATH.format(service_id=service_id) if self._v3 else V2_PATH
        return self._base + path

    def prepare(self, request: AnyFailRequest) -> PreparedRequest:
        """Serialise *request*; raise ``ValueError``/``TypeError`` before any I/O if it is bad."""
        if isinstance(request, BackchannelAuthenticationFailRequest):
            return PreparedRequest(
                self._json_url,
                self._json_headers,
                json_body(request),
                self._service_id,
                request.ticket,
                self._credentials,
            )
        if isinstance(request, BackchannelAuthenticationFailApiFormRequest):
            service_id = check_service_id(request.service_id, "service_id of the form request")
            if not self._v3 and service_id != self._service_id:
                raise ValueError(
                    "with api_version V2 the form request's service_id must be the client's "
                    "(HTTP Basic credentials belong to one service)"
                )
            inner = request.api_service_id_backchannel_authentication_fail
            body = urllib.parse.urlencode(converter.unstructure(inner)).encode("ascii")
            return PreparedRequest(
                self._url_for(service_id),
                self._form_headers,
                body,
                service_id,
                inner.ticket,
                self._credentials,
            )
        raise TypeError(
            "request must be a BackchannelAuthenticationFailRequest or a "
            f"BackchannelAuthenticationFailApiFormRequest, not {type(request).__name__}"
        )


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


OCTET_STREAM: Final = "application/octet-stream"


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


def decode_http(
    status: int, content_type: str | None, body: bytes, retry_after: str | None
) -> BackchannelAuthenticationFailResponse:
    """``decode_answer`` for an answer as the transport reads it: headers as sent.

    The usual answer (200, JSON, the four fields with their usual types) takes a short
    path; anything else, or anything the short path is unsure of, takes the general one.
    """
    media = media_type(content_type)
    if status == 200 and media == JSON_TYPE:
        response = _usual_answer(body)
        if response is not None:
            return response
    seconds = parse_retry_after(retry_after, time.time()) if retry_after else None
    return decode_answer(status, media, body, seconds)


def decode_answer(
    status: int, content_type: str, body: bytes, retry_after: float | None
) -> BackchannelAuthenticationFailResponse:
    """Turn one HTTP answer into a response, or raise the error it stands for.

    *content_type* is the bare media type (no parameters), lower case. A status that is
    no final answer (outside 200-599: 000, 999, or an informational 1xx where the answer
    should be) is a garbled status line: the request may have been read, so it is
    ambiguous and retried like a broken connection, never an answer.
    """
    if not 200 <= status < 600:
        raise AuthleteTransportError(
            detail=f"garbled status line: {status} is not a final HTTP status",
            may_have_reached=True,
        )
    if 200 <= status < 300:
        return _decode_success(status, content_type, body)
    if 300 <= status < 400:
        raise AuthleteResponseError(status=status, problem="redirect refused (not followed)")
    data = _load_object(body) if _is_json(content_type) else None
    result_code = result_message = None
    if data is not None:
        result_code = wire_text(data.get("resultCode"))
        message = data.get("resultMessage")
        if isinstance(message, str):
            result_message = message
    raise AuthleteApiError(
        status=status,
        result_code=result_code,
        result_message=result_message,
        retry_after=retry_after,
    )


_ACTIONS: Final = {action.value: action for action in FailAction}
#: The C scanner behind ``json.loads``, called directly: for a UTF-8 body starting with
#: ``{`` it is what ``json.loads`` ends up doing, without its encoding detection and
#: whitespace handling (which cost more than the scan of a 200-byte answer).
_scan_json: Final = json.scanner.make_scanner(cast(Any, json.JSONDecoder()))


def _usual_answer(body: bytes) -> BackchannelAuthenticationFailResponse | None:
    """The answer when the body is one UTF-8 JSON object whose fields have their usual
    types, built without the converter; ``None`` for anything else.

    Anything unusual (leading or trailing whitespace, another encoding, a numeric
    resultCode, a wrong type, an unknown action) goes the general way, which accepts it
    or says what is wrong. A property test holds the two paths equal.
    """
    try:
        text = body.decode()
        data, end = _scan_json(text, 0)
    except (ValueError, RecursionError, StopIteration):  # StopIteration: no JSON at 0
        return None
    if end != len(text) or type(data) is not dict:
        return None
    code, action = data.get("resultCode"), data.get("action")
    message, content = data.get("resultMessage"), data.get("responseContent")
    if (
        type(code) is str
        and type(action) is str
        and action in _ACTIONS
        and (message is None or type(message) is str)
        and (content is None or type(content) is str)
    ):
        return BackchannelAuthenticationFailResponse(
            result_code=code,
            action=_ACTIONS[action],
            result_message=message,
            response_content=content,
        )
    return None


def _decode_success(
    status: int, content_type: str, body: bytes
) -> BackchannelAuthenticationFailResponse:
    if not _is_json(content_type):
        shown = content_type or "none"
        raise AuthleteResponseError(status=status, problem=f"not JSON (content type {shown})")
    data = _load_object(body)
    if data is None:
        raise AuthleteResponseError(status=status, problem="body is not a JSON object")
    try:
        return converter.structure(data, BackchannelAuthenticationFailResponse)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path="$"))
        raise AuthleteResponseError(status=status, problem=problems) from None
