"""The token endpoint, for any grant: CIBA's poll and ping clients fetch their tokens here
with ``grant_type=urn:openid:params:grant-type:ciba`` (and ``auth_req_id``), which
``/auth/token`` recognises by itself.

Authlete's answer is forwarded: ``OK`` 200, ``BAD_REQUEST`` 400 (CIBA's
``authorization_pending``, ``slow_down``, ``expired_token``, ``access_denied`` among
others), ``INVALID_CLIENT`` 401 with ``WWW-Authenticate``, ``INTERNAL_SERVER_ERROR`` 500.
The actions Authlete leaves to the server go to the application's step for that action,
when it gave one. Without one:

- ``PASSWORD``, ``TOKEN_EXCHANGE``, ``JWT_BEARER`` and ``NATIVE_SSO`` answer 400
  ``unsupported_grant_type``: this server does not carry those grants out;
- ``ID_TOKEN_REISSUABLE`` answers 200 with Authlete's content: the refresh token grant
  has already succeeded (its tokens are issued, the old refresh token may be rotated
  away), only a new ID token is left out. Refusing it would strand the client.
"""

from __future__ import annotations

import types
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping

from .._client import AuthleteClient
from .._errors import AuthleteError
from .._operations._token import TokenAction, TokenRequest, TokenResponse
from ._http import ClientRequest, HttpAnswer, answer, basic_credentials, oauth_error, server_error
from ._log import call_failed, hook_failed

#: An application's step for an action Authlete leaves to the server: given Authlete's
#: answer and the client's request, the answer for the client.
TokenStep = Callable[[TokenResponse, ClientRequest], Awaitable[HttpAnswer]]

#: The actions a step can be given for.
FURTHER_ACTIONS = frozenset(action for action in TokenAction if action.status_code is None)


def token_request(request: ClientRequest) -> TokenRequest:
    """The token call's request: Basic credentials, the client certificate, and a DPoP
    proof with the method and the URL (without query) it must match."""
    client_id, secret = basic_credentials(request.authorization) or (None, None)
    htu = None
    if request.dpop is not None and request.url is not None:
        parts = urllib.parse.urlsplit(request.url)
        htu = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return TokenRequest(
        parameters=request.body,
        client_id=client_id,
        client_secret=secret,
        client_certificate=request.client_certificate,
        dpop=request.dpop,
        htm="POST" if request.dpop is not None else None,
        htu=htu,
    )


def _headers(response: TokenResponse) -> Mapping[str, str]:
    if response.dpop_nonce is None:
        return response.headers
    return types.MappingProxyType({**response.headers, "DPoP-Nonce": response.dpop_nonce})


class TokenHandler:
    """Answers token requests through ``/auth/token`` (see the module's text for what
    each action answers). *steps* maps actions of ``FURTHER_ACTIONS`` to the
    application's coroutines; a step that raises gets the client a 500 ``server_error``
    (and an ERROR record naming the action and the exception's class)."""

    def __init__(
        self, client: AuthleteClient, *, steps: Mapping[TokenAction, TokenStep] | None = None
    ) -> None:
        steps = dict(steps or {})
        if not set(steps) <= FURTHER_ACTIONS:
            raise ValueError(f"steps are for {sorted(FURTHER_ACTIONS)} only")
        self._client = client
        self._steps = steps

    async def handle(self, request: ClientRequest) -> HttpAnswer:
        """The answer for the client's token *request*."""
        try:
            response = await self._client.token(token_request(request))
        except (ValueError, TypeError):
            return oauth_error(400, "invalid_request", "The request body could not be read.")
        except AuthleteError as error:
            call_failed("token", error)
            return server_error()
        status = response.action.status_code
        if status is not None:
            return answer(status, _headers(response), response.response_content)
        return await self._further(response, request)

    async def _further(self, response: TokenResponse, request: ClientRequest) -> HttpAnswer:
        step = self._steps.get(response.action)
        if step is None:
            if response.action is TokenAction.ID_TOKEN_REISSUABLE:
                return answer(200, _headers(response), response.response_content)
            return oauth_error(
                400, "unsupported_grant_type", "This server does not support this grant type."
            )
        try:
            return await step(response, request)
        except Exception as exc:  # noqa: BLE001 - the application's code may raise anything
            hook_failed(f"token step {response.action}", exc, None, "answering server_error")
            return server_error()
