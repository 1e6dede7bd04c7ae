"""``/backchannel/authentication/issue``: the ``auth_req_id`` for an identified user.

Once the endpoint knows who the user behind a ticket is, this call has Authlete issue the
``auth_req_id`` and build the JSON that the CIBA client receives.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from attrs import field, frozen

from .._fields import required_line, required_member, required_text, text, whole
from .._operation import Operation
from ._answers import JSON_NO_STORE


class IssueAction(enum.StrEnum):
    """What the caller's backchannel endpoint must do next (the ``action`` response field)."""

    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    INVALID_TICKET = "INVALID_TICKET"
    OK = "OK"

    @property
    def status_code(self) -> int:
        """The HTTP status the caller's endpoint returns to its client. An invalid ticket
        is the server's fault, not the client's: 500."""
        return _ACTION_STATUS[self]


_ACTION_STATUS = {
    IssueAction.INTERNAL_SERVER_ERROR: 500,
    IssueAction.INVALID_TICKET: 500,
    IssueAction.OK: 200,
}


@frozen(kw_only=True)
class BackchannelAuthenticationIssueRequest:
    """The ticket from ``/backchannel/authentication``; its ``repr`` shows a short hash."""

    ticket: str = field(**required_line(shown="hash"))


@frozen(kw_only=True)
class BackchannelAuthenticationIssueResponse:
    """Authlete's answer: ``response_content`` goes to the client with the status
    ``action.status_code`` and the headers ``headers``. ``expires_in`` and ``interval``
    are in seconds."""

    result_code: str = field(**required_text())
    action: IssueAction = field(**required_member(IssueAction))
    result_message: str | None = text()
    response_content: str | None = text()
    auth_req_id: str | None = text(shown="hash")
    expires_in: int | None = whole()
    interval: int | None = whole()

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers to send with ``response_content``."""
        # The document shows text/html for OK; that is an error of the document: the
        # content is JSON holding the auth_req_id, as CIBA Core 7.3 requires.
        return JSON_NO_STORE


def _names(request: BackchannelAuthenticationIssueRequest) -> tuple[str, str]:
    return ("ticket", request.ticket)


ISSUE: Operation[BackchannelAuthenticationIssueRequest, BackchannelAuthenticationIssueResponse] = (
    Operation(
        name="issue",
        path="/backchannel/authentication/issue",
        request=BackchannelAuthenticationIssueRequest,
        response=BackchannelAuthenticationIssueResponse,
        # Retried after an ambiguous failure: the caller never saw the first auth_req_id,
        # so whatever the lost attempt issued is never used.
        converges=True,
        names=_names,
    )
)

WIRE_CLASSES = (BackchannelAuthenticationIssueRequest, BackchannelAuthenticationIssueResponse)
ENUMS = (IssueAction,)
