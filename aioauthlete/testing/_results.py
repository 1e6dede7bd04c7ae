"""The table of results the emulator answers with: HTTP status, result code and message.

Each row is marked as copied from the spec or assumed; ``_assumptions.ASSUMPTIONS`` says
when each assumed row applies. Rows of one API put that API's path in their message;
the rows about credentials, faults and services (``api=None``) take the path of the API
that was called. Invented codes follow the numbering of the spec's examples (A, the
API's three-digit group, then 0xx success, 1xx an Authlete-side error, 2xx an error in the
caller's request) plus 3xx for an error in the client application's request that the
caller passed on, and always have 9 as their tens digit, so they are easy to tell apart.
"""

from __future__ import annotations

import enum

from attrs import Factory, field, frozen

FAIL_API = "/backchannel/authentication/fail"
AUTHENTICATION_API = "/backchannel/authentication"
ISSUE_API = "/backchannel/authentication/issue"
COMPLETE_API = "/backchannel/authentication/complete"
TOKEN_API = "/auth/token"  # noqa: S105 - a path, not a secret


@frozen
class ResultSpec:
    """One result: the HTTP status, code and message text, where it comes from, its API.

    *text* is the whole message when *api* is ``""`` (the spec's success messages carry no
    path); otherwise the message reads ``[<code>] <api>, <text>``, with the called API's
    path when *api* is None. ``{mode}`` and ``{result}`` in a text are filled in per answer.
    """

    status: int
    code: str | int
    text: str
    source: str  # "spec" when copied from the OpenAPI document, "assumed" when invented
    api: str | None = None
    #: The message of a row of one API, built once (answers are built per request).
    fixed: str | None = field(
        default=Factory(lambda spec: _fixed(spec), takes_self=True), eq=False, repr=False
    )


def _fixed(spec: ResultSpec) -> str | None:
    if spec.api is None:
        return None
    return spec.text if spec.api == "" else f"[{spec.code}] {spec.api}, {spec.text}"


def _spec(status: int, code: str, text: str, api: str | None = None) -> ResultSpec:
    return ResultSpec(status, code, text, "spec", api)


def _assumed(status: int, code: str, text: str, api: str | None = None) -> ResultSpec:
    return ResultSpec(status, code, text, "assumed", api)


def _ok(code: str, message: str, source: str = "spec") -> ResultSpec:
    return ResultSpec(200, code, message, source, "")


def _answer(code: str, text: str, api: str) -> ResultSpec:
    """An assumed 200 answer of *api* (its action says what went wrong)."""
    return _assumed(200, code, text, api)


_BAD_TYPE = "A request parameter does not have the type the API documents."
_UNREADABLE = "The request body is not a JSON object or a form-encoded body."
_UNKNOWN_TICKET = "The ticket is not found; it may have expired or been deleted."
_MALFORMED = (
    "The client's parameters are not a form body, repeat a parameter, or authenticate the "
    "client more than once."
)


class EmulatorResult(enum.Enum):
    """The table of results; ``_assumptions.ASSUMPTIONS`` says when each is used."""

    # -- any API: credentials, services, faults ------------------------------------------
    MISSING_AUTHORIZATION = _spec(401, "A001202", "Authorization header is missing.")
    SERVER_ERROR = _spec(500, "A001101", "Authlete Server error.")
    BAD_CREDENTIALS = _assumed(
        401, "A001290", "The credentials in the Authorization header are not accepted."
    )
    RATE_LIMITED = _assumed(429, "A001291", "Too many requests with this credential.")
    INJECTED_FAULT = _assumed(500, "A001292", "A fault was injected by the emulator.")
    UNKNOWN_SERVICE = _assumed(403, "A001293", "The access token does not cover this service.")

    # -- /backchannel/authentication/fail (rows named before the other APIs existed) ----
    SUCCESS = _ok(
        "A185001",
        "[A185001] Successfully generated an error response for the backchannel "
        "authentication request.",
    )
    MISSING_TICKET = _answer("A185290", "The 'ticket' request parameter is missing.", FAIL_API)
    UNKNOWN_TICKET = _answer("A185291", _UNKNOWN_TICKET, FAIL_API)
    UNKNOWN_REASON = _answer("A185292", "The 'reason' request parameter is not valid.", FAIL_API)
    BAD_PARAMETER = _answer("A185293", "A request parameter is not a string.", FAIL_API)
    UNREADABLE_BODY = _assumed(400, "A185294", _UNREADABLE, FAIL_API)

    # -- /backchannel/authentication ------------------------------------------------------
    AUTHENTICATION_USER_IDENTIFICATION = _ok(
        "A179001", "[A179001] The backchannel authentication request was processed successfully."
    )
    AUTHENTICATION_MISSING_PARAMETERS = _answer(
        "A179290", "The 'parameters' request parameter is missing.", AUTHENTICATION_API
    )
    AUTHENTICATION_BAD_PARAMETER = _answer("A179293", _BAD_TYPE, AUTHENTICATION_API)
    AUTHENTICATION_UNREADABLE_BODY = _assumed(400, "A179294", _UNREADABLE, AUTHENTICATION_API)
    AUTHENTICATION_INVALID_CLIENT = _answer(
        "A179390", "The client could not be authenticated.", AUTHENTICATION_API
    )
    AUTHENTICATION_MALFORMED = _answer("A179391", _MALFORMED, AUTHENTICATION_API)
    AUTHENTICATION_MISSING_OPENID = _answer(
        "A179392", "The 'scope' parameter must include 'openid'.", AUTHENTICATION_API
    )
    AUTHENTICATION_HINT_COUNT = _answer(
        "A179393",
        "Exactly one of 'login_hint', 'id_token_hint' and 'login_hint_token' must be given.",
        AUTHENTICATION_API,
    )
    AUTHENTICATION_NOTIFICATION_TOKEN = _answer(
        "A179394",
        "A ping or push client must give a 'client_notification_token' of at most 1024 characters.",
        AUTHENTICATION_API,
    )
    AUTHENTICATION_REQUESTED_EXPIRY = _answer(
        "A179395",
        "The 'requested_expiry' parameter must be a positive whole number of seconds.",
        AUTHENTICATION_API,
    )
    AUTHENTICATION_ID_TOKEN_HINT = _answer(
        "A179396", "The 'id_token_hint' parameter is not an ID token.", AUTHENTICATION_API
    )
    AUTHENTICATION_REQUEST_OBJECT = _answer(
        "A179397",
        "Request objects ('request', 'request_uri') are not supported by this emulator.",
        AUTHENTICATION_API,
    )

    # -- /backchannel/authentication/issue ------------------------------------------------
    ISSUE_OK = _ok("A183001", "[A183001] An auth_req_id was issued successfully.")
    ISSUE_MISSING_TICKET = _answer(
        "A183290", "The 'ticket' request parameter is missing.", ISSUE_API
    )
    ISSUE_UNKNOWN_TICKET = _answer("A183291", _UNKNOWN_TICKET, ISSUE_API)
    ISSUE_BAD_PARAMETER = _answer("A183293", _BAD_TYPE, ISSUE_API)
    ISSUE_UNREADABLE_BODY = _assumed(400, "A183294", _UNREADABLE, ISSUE_API)

    # -- /backchannel/authentication/complete ---------------------------------------------
    COMPLETE_UPDATED = _ok(
        "A198001",
        "[A198001] Successfully updated the database so that the token endpoint can "
        "generate tokens (mode = {mode}, result = {result}).",
    )
    COMPLETE_NOTIFICATION = _ok(
        "A198091",
        "[A198091] Successfully generated the content of the notification "
        "(mode = push, result = {result}).",
        "assumed",
    )
    COMPLETE_MISSING_TICKET = _answer(
        "A198290", "The 'ticket' request parameter is missing.", COMPLETE_API
    )
    COMPLETE_UNKNOWN_TICKET = _answer("A198291", _UNKNOWN_TICKET, COMPLETE_API)
    COMPLETE_UNKNOWN_RESULT = _answer(
        "A198292", "The 'result' request parameter is missing or not valid.", COMPLETE_API
    )
    COMPLETE_BAD_PARAMETER = _answer("A198293", _BAD_TYPE, COMPLETE_API)
    COMPLETE_UNREADABLE_BODY = _assumed(400, "A198294", _UNREADABLE, COMPLETE_API)
    COMPLETE_MISSING_SUBJECT = _answer(
        "A198295",
        "The 'subject' request parameter is required when the result is AUTHORIZED.",
        COMPLETE_API,
    )
    COMPLETE_NOT_ISSUED = _answer(
        "A198296",
        "No auth_req_id has been issued for the ticket (call /backchannel/authentication/issue "
        "first).",
        COMPLETE_API,
    )
    COMPLETE_EXPIRED = _answer("A198297", "The auth_req_id has expired.", COMPLETE_API)

    # -- /auth/token (the CIBA grant) -----------------------------------------------------
    TOKEN_OK = _ok(
        "A050001",
        "[A050001] The token request (grant_type=urn:openid:params:grant-type:ciba) was "
        "processed successfully.",
    )
    TOKEN_MISSING_PARAMETERS = _answer(
        "A050290", "The 'parameters' request parameter is missing.", TOKEN_API
    )
    TOKEN_BAD_PARAMETER = _answer("A050293", _BAD_TYPE, TOKEN_API)
    TOKEN_UNREADABLE_BODY = _assumed(400, "A050294", _UNREADABLE, TOKEN_API)
    TOKEN_INVALID_CLIENT = _answer("A050390", "The client could not be authenticated.", TOKEN_API)
    TOKEN_MALFORMED = _answer("A050391", _MALFORMED, TOKEN_API)
    TOKEN_MISSING_PARAMETER = _answer(
        "A050392", "A required parameter ('grant_type' or 'auth_req_id') is missing.", TOKEN_API
    )
    TOKEN_UNSUPPORTED_GRANT_TYPE = _answer(
        "A050393", "The emulator supports only the CIBA grant type.", TOKEN_API
    )
    TOKEN_UNAUTHORIZED_CLIENT = _answer(
        "A050394", "A client in push mode cannot use the CIBA grant.", TOKEN_API
    )
    TOKEN_UNKNOWN_AUTH_REQ_ID = _answer(
        "A050395",
        "The auth_req_id is not known, was already used, or was issued to another client.",
        TOKEN_API,
    )
    TOKEN_PENDING = _answer("A050396", "The end-user has not been authenticated yet.", TOKEN_API)
    TOKEN_SLOW_DOWN = _answer(
        "A050397", "The client polled faster than its interval, now 5 seconds longer.", TOKEN_API
    )
    TOKEN_EXPIRED = _answer(
        "A050398",
        "The auth_req_id has expired, or the end-user's authentication failed.",
        TOKEN_API,
    )
    TOKEN_ACCESS_DENIED = _answer("A050399", "The end-user denied the request.", TOKEN_API)

    @property
    def status(self) -> int:
        """The HTTP status the emulator answers with by default."""
        return self._spec.status

    @property
    def code(self) -> str | int:
        """The ``resultCode``."""
        return self._spec.code

    @property
    def source(self) -> str:
        """``"spec"`` or ``"assumed"``."""
        return self._spec.source

    @property
    def message(self) -> str:
        """The ``resultMessage`` (the fail API's path for rows of any API)."""
        return self.message_for(FAIL_API)

    def message_for(self, api: str | None = None, **details: str) -> str:
        """The ``resultMessage`` when *api* was called (rows of one API know their own),
        with ``{mode}`` and ``{result}`` filled in from *details*."""
        spec = self._spec
        if spec.fixed is not None and not details:
            return spec.fixed
        text = spec.text.format_map(details) if details else spec.text
        if spec.api == "":
            return text
        called = spec.api if spec.api is not None else api
        if called is None:
            raise ValueError(f"{self.name} is answered by any API: name the one called")
        return f"[{spec.code}] {called}, {text}"

    def body(self, api: str = FAIL_API) -> dict[str, object]:
        """The ``{resultCode, resultMessage}`` body, as answered when *api* was called."""
        return {"resultCode": self.code, "resultMessage": self.message_for(api)}

    @property
    def _spec(self) -> ResultSpec:
        spec: ResultSpec = self.value
        return spec


def fault_result(status: int) -> EmulatorResult:
    """The result body an injected fault of *status* carries (assumption 7)."""
    if status >= 500:
        return EmulatorResult.SERVER_ERROR
    if status == 429:
        return EmulatorResult.RATE_LIMITED
    return EmulatorResult.INJECTED_FAULT
