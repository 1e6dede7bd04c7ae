"""``/auth/token`` for the CIBA grant (``urn:openid:params:grant-type:ciba``).

The token response's actions have nothing CIBA-specific, so every "not yet" and "no"
arrives as ``BAD_REQUEST`` with the OAuth error in ``responseContent``
(``authorization_pending``, ``slow_down``, ``access_denied``, ``expired_token``,
``invalid_grant``, ``unauthorized_client``); a wrong client secret is ``INVALID_CLIENT``;
tokens come with ``OK``, once. Other grant types get ``unsupported_grant_type``.
Assumption 14 of ``_assumptions``.
"""

from __future__ import annotations

from ._clientauth import Authenticated, client_or_refusal
from ._clients import DeliveryMode
from ._flow import ANY_SUBJECT, CibaFlow, answer, error_content, refusal
from ._grants import CompleteResult, Decision, Grant, Poll
from ._results import EmulatorResult
from ._store import BackchannelRequest
from ._wire import Params, WrongTypeError, client_form, flag, mapping, single, text, texts, whole

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
_R = EmulatorResult
_TEXTS = (
    "clientCertificate",
    "properties",
    "dpop",
    "htm",
    "htu",
    "jwtAtClaims",
    "oauthClientAttestation",
    "oauthClientAttestationPop",
)
_REFUSED = {
    Poll.EXPIRED: (_R.TOKEN_EXPIRED, "expired_token"),
    Poll.FAILED: (_R.TOKEN_EXPIRED, "expired_token"),
    Poll.PENDING: (_R.TOKEN_PENDING, "authorization_pending"),
    Poll.SLOW_DOWN: (_R.TOKEN_SLOW_DOWN, "slow_down"),
}


def _fields(params: Params) -> tuple[str | None, str | None, str | None, dict[str, object]]:
    """``parameters``, ``clientId``, ``clientSecret`` and the token overrides; every
    documented field type-checked (WrongTypeError)."""
    for name in _TEXTS:
        text(params, name)
    texts(params, "clientCertificatePath")
    flag(params, "dpopNonceRequired")
    mapping(params, "cimdOptions")
    overrides: dict[str, object] = {
        "accessToken": text(params, "accessToken"),
        "accessTokenDuration": whole(params, "accessTokenDuration"),
        "refreshTokenDuration": whole(params, "refreshTokenDuration"),
    }
    basic = text(params, "clientId"), text(params, "clientSecret")
    return text(params, "parameters"), basic[0], basic[1], overrides


def decide(flow: CibaFlow, params: Params) -> dict[str, object]:
    """Answer one token call."""
    try:
        parameters, basic_id, basic_secret, overrides = _fields(params)
    except WrongTypeError:
        return refusal(_R.TOKEN_BAD_PARAMETER, "INTERNAL_SERVER_ERROR", "server_error")
    if not parameters:
        return refusal(_R.TOKEN_MISSING_PARAMETERS, "INTERNAL_SERVER_ERROR", "server_error")
    form = client_form(parameters)
    if form is None:
        return refusal(_R.TOKEN_MALFORMED, "BAD_REQUEST", "invalid_request")
    grant_type = single(form, "grant_type")
    if grant_type is None:
        return refusal(_R.TOKEN_MISSING_PARAMETER, "BAD_REQUEST", "invalid_request")
    if grant_type != CIBA_GRANT:
        return refusal(_R.TOKEN_UNSUPPORTED_GRANT_TYPE, "BAD_REQUEST", "unsupported_grant_type")
    client = client_or_refusal(
        flow.clients,
        form,
        (basic_id, basic_secret),
        malformed=_R.TOKEN_MALFORMED,
        invalid=_R.TOKEN_INVALID_CLIENT,
        invalid_action="INVALID_CLIENT",
    )
    if not isinstance(client, Authenticated):
        return client
    if client.client.mode is DeliveryMode.PUSH:
        return refusal(_R.TOKEN_UNAUTHORIZED_CLIENT, "BAD_REQUEST", "unauthorized_client")
    auth_req_id = single(form, "auth_req_id")
    if auth_req_id is None:
        return refusal(_R.TOKEN_MISSING_PARAMETER, "BAD_REQUEST", "invalid_request")
    return _poll(flow, client, auth_req_id, overrides)


def _poll(
    flow: CibaFlow, client: Authenticated, auth_req_id: str, overrides: dict[str, object]
) -> dict[str, object]:
    outcome, grant = flow.grants.poll(auth_req_id, client.client.client_id)
    if outcome is Poll.UNKNOWN and flow.accept_any:
        request = BackchannelRequest(client.client, client.alias_used, ("openid",))
        anyone = Decision(result=CompleteResult.AUTHORIZED, subject=ANY_SUBJECT)
        grant = Grant(auth_req_id, request, 0.0, flow.settings.polling_interval, None, anyone)
        outcome = Poll.AUTHORIZED
    if outcome is Poll.UNKNOWN:
        return refusal(_R.TOKEN_UNKNOWN_AUTH_REQ_ID, "BAD_REQUEST", "invalid_grant")
    assert grant is not None
    decision = grant.decision
    if outcome is Poll.DENIED:
        assert decision is not None
        result = _R.TOKEN_ACCESS_DENIED
        content = error_content(
            "access_denied", result, decision.error_description, decision.error_uri
        )
        return answer(result, "BAD_REQUEST", content=content)
    if outcome is not Poll.AUTHORIZED:
        result, error = _REFUSED[outcome]
        return refusal(result, "BAD_REQUEST", error)
    assert decision is not None
    return _tokens(flow, client, grant, decision, overrides)


def _tokens(
    flow: CibaFlow,
    client: Authenticated,
    grant: Grant,
    decision: Decision,
    overrides: dict[str, object],
) -> dict[str, object]:
    tokens = flow.mint(grant.request, decision, grant.auth_req_id, push=False, overrides=overrides)
    return answer(
        _R.TOKEN_OK,
        "OK",
        content=tokens.content(),
        accessToken=tokens.access_token,
        accessTokenDuration=tokens.access_duration,
        refreshToken=tokens.refresh_token,
        refreshTokenDuration=tokens.refresh_duration,
        idToken=tokens.id_token,
        grantType="CIBA",
        clientId=client.client.client_id,
        clientIdAlias=client.client.alias,
        clientIdAliasUsed=client.alias_used,
        subject=decision.subject,
        scopes=list(tokens.scopes),
    )
