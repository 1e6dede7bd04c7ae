"""``/backchannel/authentication/complete``: the end-user's decision, per delivery mode.

Poll: ``NO_ACTION``, the token endpoint answers later. Ping: ``NOTIFICATION`` whose body
is ``{"auth_req_id"}`` whatever the result. Push: ``NOTIFICATION`` carrying the tokens,
or ``access_denied`` / ``expired_token`` (Authlete's word for ``TRANSACTION_FAILED``).
The ticket is used up by a call that gets that far; an unknown one is ``SERVER_ERROR``.
Assumption 13 of ``_assumptions``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._clients import DeliveryMode
from ._flow import CibaFlow, answer
from ._grants import CompleteResult, Decision
from ._results import EmulatorResult
from ._store import BackchannelRequest
from ._tokens import random_value
from ._wire import Params, WrongTypeError, flag, json_text, objects, text, texts, whole

_R = EmulatorResult
_PUSH_ERRORS = {
    CompleteResult.ACCESS_DENIED: "access_denied",
    CompleteResult.TRANSACTION_FAILED: "expired_token",
}
_CHECKED_TEXTS = ("errorDescription", "errorUri", "idTokenAudType")


def _properties(params: Params) -> None:
    """``properties``: objects of a text ``key``, a text ``value`` and a flag ``hidden``."""
    for item in objects(params, "properties") or ():
        entry = item
        if text(entry, "key") is None or text(entry, "value") is None:
            raise WrongTypeError("properties")
        flag(entry, "hidden")


def _decision(params: Params) -> tuple[str | None, Decision | None]:
    """The ticket and, when the result is one of the three, the decision. Every
    documented field is type-checked first (WrongTypeError)."""
    for name in _CHECKED_TEXTS:
        text(params, name)
    _properties(params)
    texts(params, "consentedClaims")
    json_text(params, "idtHeaderParams")
    json_text(params, "jwtAtClaims")
    ticket, result, scopes = text(params, "ticket"), text(params, "result"), texts(params, "scopes")
    subject, sub, acr = text(params, "subject"), text(params, "sub"), text(params, "acr")
    auth_time, claims = whole(params, "authTime"), json_text(params, "claims")
    access_token = text(params, "accessToken")
    durations = whole(params, "accessTokenDuration"), whole(params, "refreshTokenDuration")
    if result is None or result not in CompleteResult.__members__:
        return ticket, None
    return ticket, Decision(
        result=CompleteResult(result),
        subject=subject or None,
        sub=sub or None,
        auth_time=auth_time,
        acr=acr or None,
        claims=claims,
        scopes=None if scopes is None else tuple(scopes),
        access_token=access_token or None,
        access_duration=durations[0],
        refresh_duration=durations[1],
        error_description=text(params, "errorDescription") or None,
        error_uri=text(params, "errorUri") or None,
    )


def _server_error(result: EmulatorResult) -> dict[str, object]:
    return answer(result, "SERVER_ERROR")


def decide(flow: CibaFlow, params: Params) -> dict[str, object]:
    """Answer one complete call."""
    try:
        ticket, decision = _decision(params)
    except WrongTypeError:
        return _server_error(_R.COMPLETE_BAD_PARAMETER)
    if not ticket:
        return _server_error(_R.COMPLETE_MISSING_TICKET)
    if decision is None:
        return _server_error(_R.COMPLETE_UNKNOWN_RESULT)
    if decision.result is CompleteResult.AUTHORIZED and not decision.subject:
        return _server_error(_R.COMPLETE_MISSING_SUBJECT)
    request = flow.tickets.request(ticket)
    if request is None:
        if flow.accept_any and (seeded := flow.seeded_request()) is not None:
            return _decided(flow, seeded, random_value(), decision, stored=False)
        return _server_error(_R.COMPLETE_UNKNOWN_TICKET)
    auth_req_id = request.auth_req_id
    if auth_req_id is None:
        return _server_error(_R.COMPLETE_NOT_ISSUED)  # the ticket stays, unchanged
    flow.tickets.take(ticket)
    grant = flow.grants.get(auth_req_id)
    if grant is None or flow.grants.expired(grant):
        return _expired(request, auth_req_id)
    return _decided(flow, request, auth_req_id, decision, stored=True)


def _decided(
    flow: CibaFlow,
    request: BackchannelRequest,
    auth_req_id: str,
    decision: Decision,
    *,
    stored: bool,
) -> dict[str, object]:
    mode = request.client.mode
    details = {"mode": str(mode), "result": decision.result.value}
    if mode is not DeliveryMode.PUSH:
        if stored:
            flow.grants.decide(auth_req_id, decision)
        if mode is DeliveryMode.POLL:
            return _answer(request, auth_req_id, _R.COMPLETE_UPDATED, details)
        ping = {"auth_req_id": auth_req_id}
        return _answer(request, auth_req_id, _R.COMPLETE_UPDATED, details, ping)
    flow.grants.remove(auth_req_id)
    if decision.result is not CompleteResult.AUTHORIZED:
        refused = _push_error(_PUSH_ERRORS[decision.result], auth_req_id, decision)
        return _answer(request, auth_req_id, _R.COMPLETE_NOTIFICATION, details, refused)
    tokens = flow.mint(request, decision, auth_req_id, push=True)
    return _answer(
        request,
        auth_req_id,
        _R.COMPLETE_NOTIFICATION,
        details,
        tokens.content(auth_req_id),
        accessToken=tokens.access_token,
        accessTokenDuration=tokens.access_duration,
        refreshToken=tokens.refresh_token,
        refreshTokenDuration=tokens.refresh_duration,
        idToken=tokens.id_token,
        idTokenDuration=tokens.id_duration,
    )


def _expired(request: BackchannelRequest, auth_req_id: str) -> dict[str, object]:
    """The auth_req_id ran out before the decision: the client learns ``expired_token``."""
    mode = request.client.mode
    if mode is DeliveryMode.POLL:
        return _server_error(_R.COMPLETE_EXPIRED)
    content: dict[str, object] = {"auth_req_id": auth_req_id}
    if mode is DeliveryMode.PUSH:
        content = _push_error("expired_token", auth_req_id)
    return _answer(request, auth_req_id, _R.COMPLETE_EXPIRED, None, content)


def _push_error(
    error: str, auth_req_id: str, decision: Decision | None = None
) -> dict[str, object]:
    """A push error notification (CIBA Core section 12): the error, the caller's
    description and URI only when given (as the spec says), and the auth_req_id."""
    content: dict[str, object] = {"error": error}
    if decision is not None and decision.error_description:
        content["error_description"] = decision.error_description
    if decision is not None and decision.error_uri:
        content["error_uri"] = decision.error_uri
    content["auth_req_id"] = auth_req_id
    return content


def _answer(
    request: BackchannelRequest,
    auth_req_id: str,
    result: EmulatorResult,
    details: dict[str, str] | None,
    content: Mapping[str, object] | None = None,
    **tokens: object,
) -> dict[str, object]:
    """NO_ACTION without *content*; NOTIFICATION, with the endpoint and token, with it."""
    client = request.client
    notify = content is not None
    return answer(
        result,
        "NOTIFICATION" if notify else "NO_ACTION",
        content=content,
        details=details,
        authReqId=auth_req_id,
        clientId=client.client_id,
        clientIdAlias=client.alias,
        clientIdAliasUsed=request.alias_used,
        clientName=client.display_name,
        deliveryMode=client.mode.wire,
        clientNotificationEndpoint=client.endpoint if notify else None,
        clientNotificationToken=request.notification_token if notify else None,
        **tokens,
    )
