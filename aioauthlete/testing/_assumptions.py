"""Every guess the emulator makes about Authlete, in one place.

``ASSUMPTIONS`` below says, case by case, what the emulator answers where the OpenAPI
document is silent; ``EmulatorResult`` holds the result codes and messages, marking each as
copied from the spec or assumed. Other modules refer to the numbered items of
``ASSUMPTIONS`` instead of repeating them.
"""

from __future__ import annotations

import enum

from attrs import frozen

API_NAME = "/backchannel/authentication/fail"

ASSUMPTIONS = """\
What the emulator answers where Authlete's OpenAPI document is silent.

The spec fixes: the success answer (A185001 and its message, the three actions), the
shape of error bodies ({resultCode, resultMessage}), the 401 example A001202 for a missing
Authorization header, the 500 example A001101, the 404 example with a numeric resultCode,
and that a missing reason means SERVER_ERROR. Everything below is a guess, made here once.

1. Unknown, expired or already-deleted ticket: 200 with action INTERNAL_SERVER_ERROR and
   result UNKNOWN_TICKET. responseContent is
   {"error":"server_error","error_description":"<resultMessage>"}, modelled on other
   Authlete APIs, which put their result message in error_description. The caller's
   errorDescription and errorUri are not echoed in that case.
2. Wrong request parameters (the spec's case "(3) the request parameters of the API call
   were wrong"): 200 with action INTERNAL_SERVER_ERROR, content as in 1, and result
   MISSING_TICKET (ticket absent, null or empty), UNKNOWN_REASON (reason not one of the
   nine values) or BAD_PARAMETER (a ticket, errorDescription or errorUri that is not a
   string). The schema lists ticket as required while its description calls it optional;
   the emulator takes it as required. A null or empty reason counts as omitted
   (SERVER_ERROR); a null or empty errorDescription/errorUri is left out. Parameters are
   checked before the ticket is touched, so a wrong call deletes nothing. In a form body
   the first of repeated keys wins.
3. A body that cannot be read (JSON that does not parse or is not an object, bytes that
   are not UTF-8, a content type other than JSON or form): 400 with UNREADABLE_BODY.
   Credentials are checked first.
4. Wrong credentials (another token or secret, a scheme other than the path form expects,
   a Basic user name that is not a served service id): 401 with BAD_CREDENTIALS. A missing
   or blank Authorization header gets the spec's A001202.
5. A service id the emulator does not serve (3.x path, right token): 404 with the spec's
   example body {"resultCode": 404, "resultMessage": ""}. Credentials are checked first,
   so a wrong token on an unknown service gets 401.
6. Rate limit (off unless switched on; the README of Authlete's OpenAPI repository, not
   the spec, states 100 requests/s per token with bursts to 200): one token bucket per
   credential. Beyond it: 429 with RATE_LIMITED and Retry-After (whole seconds until one
   request fits, at least 1). While it is on, every authenticated answer carries
   X-RateLimit-Limit (requests per second), X-RateLimit-Remaining (whole requests left in
   the bucket) and X-RateLimit-Reset (whole seconds until the bucket is full, a delay and
   not a date).
7. Injected failures (Faults.fail_next, Faults.fail_ticket) carry a result body:
   SERVER_ERROR (the spec's A001101) for 5xx, RATE_LIMITED for 429, INJECTED_FAULT for any
   other status.
8. Result messages read "[<code>] /backchannel/authentication/fail, <text>", as the spec's
   examples do for their own API, whichever path form (3.x or 2.x) was called.
9. Tickets are not tied to a service: any served service id can fail any live ticket.

Codes the emulator invents follow the numbering of the spec's examples (A, a three-digit
API group, then 0xx for success, 1xx for an Authlete-side error, 2xx for a caller error)
and always end in 9x, so they are easy to tell from codes copied from the spec.
"""


@frozen
class ResultSpec:
    """One result the emulator can answer with: the HTTP status, code and message."""

    status: int
    code: str | int
    message: str
    source: str  # "spec" when copied from the OpenAPI document, "assumed" when invented


def _message(code: str, text: str) -> str:
    return f"[{code}] {API_NAME}, {text}"


def _spec(status: int, code: str, text: str) -> ResultSpec:
    return ResultSpec(status, code, _message(code, text), "spec")


def _assumed(status: int, code: str, text: str) -> ResultSpec:
    return ResultSpec(status, code, _message(code, text), "assumed")


class EmulatorResult(enum.Enum):
    """The table of results; see the module docstring for when each is used."""

    SUCCESS = ResultSpec(
        200,
        "A185001",
        "[A185001] Successfully generated an error response for the backchannel "
        "authentication request.",
        "spec",
    )
    MISSING_AUTHORIZATION = _spec(401, "A001202", "Authorization header is missing.")
    SERVER_ERROR = _spec(500, "A001101", "Authlete Server error.")
    UNKNOWN_SERVICE = ResultSpec(404, 404, "", "spec")
    BAD_CREDENTIALS = _assumed(
        401, "A001290", "The credentials in the Authorization header are not accepted."
    )
    RATE_LIMITED = _assumed(429, "A001291", "Too many requests with this credential.")
    INJECTED_FAULT = _assumed(500, "A001292", "A fault was injected by the emulator.")
    MISSING_TICKET = _assumed(200, "A185290", "The 'ticket' request parameter is missing.")
    UNKNOWN_TICKET = _assumed(
        200, "A185291", "The ticket is not found; it may have expired or been deleted."
    )
    UNKNOWN_REASON = _assumed(200, "A185292", "The 'reason' request parameter is not valid.")
    BAD_PARAMETER = _assumed(200, "A185293", "A request parameter is not a string.")
    UNREADABLE_BODY = _assumed(
        400, "A185294", "The request body is not a JSON object or a form-encoded body."
    )

    @property
    def status(self) -> int:
        """The HTTP status the emulator answers with by default."""
        spec: ResultSpec = self.value
        return spec.status

    @property
    def code(self) -> str | int:
        """The ``resultCode`` (a number only for the spec's 404 example)."""
        spec: ResultSpec = self.value
        return spec.code

    @property
    def message(self) -> str:
        """The ``resultMessage``."""
        spec: ResultSpec = self.value
        return spec.message

    def body(self) -> dict[str, object]:
        """The ``{resultCode, resultMessage}`` body."""
        return {"resultCode": self.code, "resultMessage": self.message}


def fault_result(status: int) -> EmulatorResult:
    """The result body an injected fault of *status* carries (assumption 7)."""
    if status >= 500:
        return EmulatorResult.SERVER_ERROR
    if status == 429:
        return EmulatorResult.RATE_LIMITED
    return EmulatorResult.INJECTED_FAULT
