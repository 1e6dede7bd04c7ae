"""Building requests, for any operation: pure functions and values, no I/O.

No aiohttp and no asyncio here (the gidgethub way): a request is built from plain values
and checked before anything is sent, and the transport layer only moves bytes. The answer
side is ``_answer``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, TypeVar

from multidict import CIMultiDict

from ._answer import JSON_TYPE
from ._errors import AuthleteError, AuthleteResponseError
from ._operation import FormRequest, Operation
from ._redact import CredentialMask, masking_named, ticket_ref
from ._validate import check_service_id

Req = TypeVar("Req")
Resp = TypeVar("Resp")

FORM_TYPE: Final = "application/x-www-form-urlencoded"
#: The default cap on a request's body and on an answer's (``max_body_size``).
DEFAULT_MAX_BODY: Final = 1 << 20


class RedactedHeaders(CIMultiDict[str]):
    """Request headers whose ``repr`` hides the Authorization value.

    Frame locals show up in tracebacks printed with locals (``pytest --showlocals``, error
    reporters); the credential must not. A ``CIMultiDict``, which aiohttp takes without
    converting it first.
    """

    def __repr__(self) -> str:
        shown = {k: ("<redacted>" if k.lower() == "authorization" else v) for k, v in self.items()}
        return f"RedactedHeaders({shown!r})"


class PreparedRequest(Generic[Req, Resp]):
    """Everything the transport needs for one POST, built once per call (not per attempt).

    Its ``repr`` (seen in tracebacks printed with locals) shows neither the body nor the
    value that names the call (a ticket, shown as its hash). A plain slotted class: one is
    built per call.
    """

    __slots__ = (
        "body",
        "credentials",
        "headers",
        "max_body",
        "model",
        "operation",
        "service_id",
        "status",
        "url",
    )

    def __init__(
        self,
        operation: Operation[Req, Resp],
        model: Req,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        service_id: str,
        credentials: CredentialMask,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.operation = operation
        #: The request model the body was built from (what names the call, its secrets).
        self.model = model
        self.url = url
        self.headers = headers
        self.body = body
        self.service_id = service_id
        #: Masks the credentials in the answer's body before it is decoded.
        self.credentials = credentials
        #: The largest answer body to read: a longer one is an unusable answer.
        self.max_body = max_body
        #: The HTTP status of the last answer read (0 before one), for the log record.
        self.status = 0

    @property
    def label(self) -> str:
        """The operation's name, for log records."""
        return self.operation.name

    @property
    def named(self) -> tuple[str, str] | None:
        """What names the call (``("ticket", value)``), raw: for logs, hash it."""
        return self.operation.names(self.model)

    def answer(
        self, status: int, content_type: str | None, body: bytes, retry_after: str | None
    ) -> Resp:
        """The response one HTTP answer stands for, or raise the error it stands for.

        The one path from bytes read to a response, whatever the transport: a body over
        ``max_body`` is refused, and an echoed credential is masked before anything is
        decoded (so no field of the response or the error carries it). Headers are as
        sent (``None`` when absent). The errors raised are not yet scrubbed: the caller
        passes them through ``scrub`` (the retry loop does, for every failure).
        """
        if len(body) > self.max_body:
            raise too_large(status, self.max_body)
        if self.credentials.find(body) is not None:
            body = self.credentials.body(body)
        return self.operation.decode(status, content_type, body, retry_after)

    def scrub(self, error: AuthleteError) -> AuthleteError:
        """*error* with the credentials, the request's secrets and the value that names
        the call masked in the texts a server sent."""
        secrets = tuple(self.operation.secrets(self.model))
        mask: Callable[[str], str] = (
            self.credentials.plus(secrets) if secrets else self.credentials
        ).text
        named = self.named
        if named is not None:
            mask = masking_named(mask, named[1])
        error._mask_server_texts(mask)
        return error

    def __repr__(self) -> str:
        named = self.named
        shown = f", {named[0]}=<{ticket_ref(named[1])}>" if named else ""
        return (
            f"PreparedRequest({self.operation.name}, url={self.url!r}, "
            f"headers={self.headers!r}, service_id={self.service_id!r}{shown})"
        )


class ServiceConnection:
    """How to reach one Authlete service: the base URL, the API version, the credential.

    URLs and header sets are built once (URLs per operation, on first use); preparing a
    call then costs one serialisation. The credential is only ever held inside
    ``RedactedHeaders`` and the ``CredentialMask`` that keeps it out of answers.
    """

    __slots__ = (
        "_base",
        "_credentials",
        "_form_headers",
        "_json_headers",
        "_max_body",
        "_service_id",
        "_urls",
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
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._max_body = max_body
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
        #: The JSON URL of each operation on the client's own service.
        self._urls: dict[Operation[Any, Any], str] = {}

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def service_id(self) -> str:
        return self._service_id

    def url(self, operation: Operation[Any, Any], service_id: str) -> str:
        """Where *operation* is, for *service_id* (2.x has no service in its paths)."""
        if self._v3:
            return f"{self._base}/api/{service_id}{operation.path}"
        return f"{self._base}/api{operation.path}"

    def prepare(
        self, operation: Operation[Req, Resp], request: object
    ) -> PreparedRequest[Req, Resp]:
        """Serialise *request* for *operation*; raise ``ValueError``/``TypeError`` before
        any I/O if it is bad, or if its body is over the cap."""
        if isinstance(request, operation.request):  # the usual: JSON to the client's service
            url = self._urls.get(operation)
            if url is None:
                url = self._urls[operation] = self.url(operation, self._service_id)
            try:
                body = operation.encode_json(request)
            except UnicodeEncodeError:
                raise _not_unicode() from None
            if len(body) > self._max_body:
                raise _body_over_cap(len(body), self._max_body)
            return PreparedRequest(
                operation,
                request,
                url,
                self._json_headers,
                body,
                self._service_id,
                self._credentials,
                self._max_body,
            )
        form = request if isinstance(request, FormRequest) else operation.other_shapes(request)
        if form is None or not isinstance(form.body, operation.request):
            raise TypeError(
                f"request must be a {operation.request.__name__} (or a FormRequest of one),"
                f" not {type(request).__name__}"
            )
        return self._prepare_form(operation, form)

    def _prepare_form(
        self, operation: Operation[Req, Resp], form: FormRequest[Req]
    ) -> PreparedRequest[Req, Resp]:
        service_id = self._service_id
        if form.service_id is not None:
            service_id = check_service_id(form.service_id, "service_id of the form request")
            if not self._v3 and service_id != self._service_id:
                raise ValueError(
                    "with api_version V2 the form request's service_id must be the client's "
                    "(HTTP Basic credentials belong to one service)"
                )
        try:
            body = operation.encode_form(form.body)
        except UnicodeEncodeError:
            raise _not_unicode() from None
        if len(body) > self._max_body:
            raise _body_over_cap(len(body), self._max_body)
        return PreparedRequest(
            operation,
            form.body,
            self.url(operation, service_id),
            self._form_headers,
            body,
            service_id,
            self._credentials,
            self._max_body,
        )


def too_large(status: int, max_body: int) -> AuthleteResponseError:
    """The error of an answer whose body is over the cap (however the transport saw it)."""
    return AuthleteResponseError(status=status, problem=f"body exceeds the {max_body}-byte cap")


def _body_over_cap(size: int, max_body: int) -> ValueError:
    return ValueError(
        f"the request body is {size:,} bytes, over the {max_body:,}-byte cap "
        "(max_body_size); nothing was sent"
    )


def _not_unicode() -> ValueError:
    # The models refuse lone surrogates; one that slipped past (a subclass skipping the
    # checks) must not raise with the whole body, ticket included, in the error.
    return ValueError("the request holds text that is not valid Unicode")
