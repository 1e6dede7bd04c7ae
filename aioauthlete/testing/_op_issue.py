"""``/backchannel/authentication/issue``: an auth_req_id for a ticket, which stays live.

A second call for the same ticket answers the same auth_req_id with the seconds it has
left; the ticket then lives at least as long as its auth_req_id, so that ``complete``
can still find it. Assumption 12 of ``_assumptions``.
"""

from __future__ import annotations

from ._clients import DeliveryMode
from ._flow import CibaFlow, answer, refusal
from ._grants import Grant
from ._results import EmulatorResult
from ._store import BackchannelRequest
from ._tokens import random_value
from ._wire import Params, WrongTypeError, text

_R = EmulatorResult


def decide(flow: CibaFlow, params: Params) -> dict[str, object]:
    """Answer one issue call."""
    try:
        ticket = text(params, "ticket")
    except WrongTypeError:
        return refusal(_R.ISSUE_BAD_PARAMETER, "INTERNAL_SERVER_ERROR", "server_error")
    if not ticket:
        return refusal(_R.ISSUE_MISSING_TICKET, "INTERNAL_SERVER_ERROR", "server_error")
    request = flow.tickets.request(ticket)
    if request is not None:
        grant = _grant(flow, ticket, request)
        return _ok(request, grant.auth_req_id, flow.grants.remaining(grant), grant.interval)
    request = flow.seeded_request() if flow.accept_any else None
    if request is None:
        return refusal(_R.ISSUE_UNKNOWN_TICKET, "INVALID_TICKET", "server_error")
    settings = flow.settings
    return _ok(request, random_value(), settings.auth_req_id_duration, settings.polling_interval)


def _grant(flow: CibaFlow, ticket: str, request: BackchannelRequest) -> Grant:
    """The ticket's auth_req_id: the one issued before if it is still there, else new."""
    grants = flow.grants
    issued = None if request.auth_req_id is None else grants.get(request.auth_req_id)
    if issued is not None and not grants.expired(issued):
        return issued
    settings = flow.settings
    lifetime = request.requested_expiry or settings.auth_req_id_duration
    grant = grants.create(request, lifetime, settings.polling_interval)
    request.auth_req_id = grant.auth_req_id
    flow.tickets.extend(ticket, grant.expires_at)
    return grant


def _ok(
    request: BackchannelRequest, auth_req_id: str, expires_in: int, interval: int
) -> dict[str, object]:
    push = request.client.mode is DeliveryMode.PUSH
    content: dict[str, object] = {"auth_req_id": auth_req_id}
    if not push:
        content["interval"] = interval
    content["expires_in"] = expires_in
    return answer(
        _R.ISSUE_OK,
        "OK",
        content=content,
        authReqId=auth_req_id,
        expiresIn=expires_in,
        interval=None if push else interval,
    )
