"""``/backchannel/authentication/fail``: reject a backchannel authentication request.

The endpoint calls it when the user cannot be identified or must not be asked; Authlete
deletes the ticket and builds the error the CIBA client receives. Deleting a deleted ticket
changes nothing, so the call converges: an attempt that may have reached Authlete is retried.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from attrs import field, frozen

from .._operation import FormRequest, Operation
from .._redact import ticket_ref
from .._validate import check_text, text_suspect
from ._answers import JSON_NO_STORE


class FailReason(enum.StrEnum):
    """Why the backchannel authentication request failed (the ``reason`` request field)."""

    ACCESS_DENIED = "ACCESS_DENIED"
    EXPIRED_LOGIN_HINT_TOKEN = "EXPIRED_LOGIN_HINT_TOKEN"  # noqa: S105 - a reason, not a secret
    INVALID_BINDING_MESSAGE = "INVALID_BINDING_MESSAGE"
    INVALID_TARGET = "INVALID_TARGET"
    INVALID_USER_CODE = "INVALID_USER_CODE"
    MISSING_USER_CODE = "MISSING_USER_CODE"
    SERVER_ERROR = "SERVER_ERROR"
    UNAUTHORIZED_CLIENT = "UNAUTHORIZED_CLIENT"
    UNKNOWN_USER_ID = "UNKNOWN_USER_ID"

    @property
    def error_code(self) -> str:
        """The OAuth ``error`` code the client will see (``ACCESS_DENIED`` -> ``access_denied``)."""
        return self.value.lower()

    @property
    def action(self) -> FailAction:
        """The action Authlete documents for this reason when the call succeeds."""
        if self is FailReason.ACCESS_DENIED:
            return FailAction.FORBIDDEN
        if self is FailReason.SERVER_ERROR:
            return FailAction.INTERNAL_SERVER_ERROR
        return FailAction.BAD_REQUEST


class FailAction(enum.StrEnum):
    """What the caller's backchannel endpoint must do next (the ``action`` response field)."""

    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    BAD_REQUEST = "BAD_REQUEST"
    FORBIDDEN = "FORBIDDEN"

    @property
    def status_code(self) -> int:
        """The HTTP status the caller's endpoint returns to its client."""
        return _ACTION_STATUS[self]


_ACTION_STATUS = {
    FailAction.INTERNAL_SERVER_ERROR: 500,
    FailAction.BAD_REQUEST: 400,
    FailAction.FORBIDDEN: 403,
}


def _to_reason(value: str) -> FailReason:
    # A member passes straight through: FailReason(member) takes the enum's slow path.
    return value if type(value) is FailReason else FailReason(value)


def _ticket_repr(ticket: object) -> str:
    return f"<ticket {ticket_ref(str(ticket))}>"


@frozen(kw_only=True)
class BackchannelAuthenticationFailRequest:
    """The body of one fail call: which ticket to fail, and why.

    The ticket is refused when empty or when it holds control characters, before any I/O;
    its ``repr`` shows a short hash, never the ticket itself. The checks run in
    ``__attrs_post_init__`` (so ``attrs.validators.disabled()`` does not skip them): a
    subclass that defines its own must call ``super().__attrs_post_init__()``.
    """

    ticket: str = field(repr=_ticket_repr)
    reason: FailReason = field(converter=_to_reason)
    error_description: str | None = None
    error_uri: str | None = None

    def __attrs_post_init__(self) -> None:
        # One check for every text field rather than a validator each: requests are built
        # once per call, and three validator calls cost more than the usual request's
        # single regex search. The full checks run only when that search is not enough.
        ticket = self.ticket
        if (
            type(ticket) is not str
            or not ticket
            or text_suspect(ticket) is not None
            or self.error_description is not None
            or self.error_uri is not None
        ):
            check_text(ticket, "ticket", allow_empty=False)
            for name in ("error_description", "error_uri"):
                value = getattr(self, name)
                if value is not None:
                    check_text(value, name)


@frozen(kw_only=True)
class ApiServiceIdBackchannelAuthenticationFail(BackchannelAuthenticationFailRequest):
    """The body of the seed's form request; the same shape as the JSON request."""


@frozen(kw_only=True)
class BackchannelAuthenticationFailApiFormRequest:
    """The seed's operation model: a body sent form-encoded to its own ``service_id``.

    One organization token can serve several services, so the service travels with the
    request instead of coming from the client's configuration. ``service_id`` is checked
    when the request is sent, not here, so that the seed's placeholder example (``"<id>"``)
    still structures. It is the fail call's ``FormRequest``, under the seed's names.
    """

    service_id: str
    api_service_id_backchannel_authentication_fail: ApiServiceIdBackchannelAuthenticationFail


@frozen(kw_only=True)
class BackchannelAuthenticationFailResponse:
    """Authlete's answer. Every ``action`` is an answer, ``INTERNAL_SERVER_ERROR`` included.

    ``response_content`` is the JSON the caller's endpoint returns to its client, with the
    status ``action.status_code`` and the headers ``headers``.
    """

    result_code: str
    action: FailAction
    result_message: str | None = None
    response_content: str | None = None

    @property
    def locally_built(self) -> bool:
        """True for an answer built by ``local_fail_response``, not received from Authlete."""
        return self.result_code == LOCAL_RESULT_CODE

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers to send with ``response_content``."""
        return JSON_NO_STORE


#: The result code of answers built locally when Authlete could not be reached.
LOCAL_RESULT_CODE = "AIOAUTHLETE_LOCAL"

AnyFailRequest = BackchannelAuthenticationFailRequest | BackchannelAuthenticationFailApiFormRequest


def _names(request: BackchannelAuthenticationFailRequest) -> tuple[str, str]:
    return ("ticket", request.ticket)


def _seed_form(request: object) -> FormRequest[BackchannelAuthenticationFailRequest] | None:
    if isinstance(request, BackchannelAuthenticationFailApiFormRequest):
        return FormRequest(
            body=request.api_service_id_backchannel_authentication_fail,
            service_id=request.service_id,
        )
    return None


FAIL: Operation[BackchannelAuthenticationFailRequest, BackchannelAuthenticationFailResponse] = (
    Operation(
        name="fail",
        path="/backchannel/authentication/fail",
        request=BackchannelAuthenticationFailRequest,
        response=BackchannelAuthenticationFailResponse,
        converges=True,
        names=_names,
        other_shapes=_seed_form,
    )
)

WIRE_CLASSES = (
    BackchannelAuthenticationFailRequest,
    ApiServiceIdBackchannelAuthenticationFail,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailResponse,
)
ENUMS = (FailReason, FailAction)
