"""``/backchannel/authentication``: authenticate the CIBA client, check its request, and
make a ticket for ``USER_IDENTIFICATION``.

Authlete does not know the end-users, so any hint is passed on as it came (the server
identifies the user, and fails the ticket with ``UNKNOWN_USER_ID`` if it cannot); a
ticket is made only for ``USER_IDENTIFICATION``. Assumption 11 of ``_assumptions``.
"""

from __future__ import annotations

from ._cibarequest import CibaParams, check_request
from ._clientauth import Authenticated, client_or_refusal
from ._flow import CibaFlow, answer, refusal
from ._results import EmulatorResult
from ._store import BackchannelRequest
from ._tokens import random_value
from ._wire import Params, WrongTypeError, client_form, mapping, text, texts

_TEXTS = ("clientCertificate", "oauthClientAttestation", "oauthClientAttestationPop")
_R = EmulatorResult


def _fields(params: Params) -> tuple[str | None, str | None, str | None]:
    """``parameters``, ``clientId`` and ``clientSecret``, every documented field checked."""
    for name in _TEXTS:
        text(params, name)
    texts(params, "clientCertificatePath")
    mapping(params, "cimdOptions")
    return text(params, "parameters"), text(params, "clientId"), text(params, "clientSecret")


def decide(flow: CibaFlow, params: Params) -> dict[str, object]:
    """Answer one backchannel authentication call."""
    try:
        parameters, basic_id, basic_secret = _fields(params)
    except WrongTypeError:
        return refusal(_R.AUTHENTICATION_BAD_PARAMETER, "INTERNAL_SERVER_ERROR", "server_error")
    if not parameters:
        return refusal(
            _R.AUTHENTICATION_MISSING_PARAMETERS, "INTERNAL_SERVER_ERROR", "server_error"
        )
    form = client_form(parameters)
    if form is None:
        return refusal(_R.AUTHENTICATION_MALFORMED, "BAD_REQUEST", "invalid_request")
    client = client_or_refusal(
        flow.clients,
        form,
        (basic_id, basic_secret),
        malformed=_R.AUTHENTICATION_MALFORMED,
        invalid=_R.AUTHENTICATION_INVALID_CLIENT,
        invalid_action="UNAUTHORIZED",
    )
    if not isinstance(client, Authenticated):
        return client
    checked = check_request(form, client.client.mode)
    if isinstance(checked, EmulatorResult):
        return refusal(checked, "BAD_REQUEST", "invalid_request")
    request = BackchannelRequest(
        client.client,
        client.alias_used,
        checked.scopes,
        notification_token=checked.notification_token,
        requested_expiry=checked.requested_expiry,
        hint_type=checked.hint_type,
        hint=checked.hint,
    )
    ticket = random_value() if flow.accept_any else flow.tickets.create(request)
    return _user_identification(client, checked, ticket)


def _user_identification(
    auth: Authenticated, checked: CibaParams, ticket: str
) -> dict[str, object]:
    client = auth.client
    return answer(
        _R.AUTHENTICATION_USER_IDENTIFICATION,
        "USER_IDENTIFICATION",
        ticket=ticket,
        clientId=client.client_id,
        clientIdAlias=client.alias,
        clientIdAliasUsed=auth.alias_used,
        clientName=client.display_name,
        clientAuthMethod=auth.method,
        deliveryMode=client.mode.wire,
        scopes=[{"name": scope, "defaultEntry": False} for scope in checked.scopes],
        claimNames=checked.claim_names or None,
        acrs=list(checked.acrs) or None,
        clientNotificationToken=checked.notification_token,
        hintType=checked.hint_type,
        hint=checked.hint,
        sub=checked.sub,
        bindingMessage=checked.binding_message,
        userCode=checked.user_code,
        userCodeRequired=False,
        requestedExpiry=checked.requested_expiry or 0,
        resources=list(checked.resources) or None,
    )
