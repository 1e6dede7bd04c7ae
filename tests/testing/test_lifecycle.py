"""Whole CIBA flows through the real AuthleteClient against the served emulator: create,
identify the user, issue, poll, complete, tokens (or denial), and the ID token itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from aioauthlete import (
    AuthleteClient,
    BackchannelAuthenticationAction,
    BackchannelAuthenticationCompleteRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationIssueRequest,
    BackchannelAuthenticationRequest,
    CompleteAction,
    CompleteResult,
    FailAction,
    FailReason,
    FormRequest,
    IssueAction,
    TokenAction,
    TokenRequest,
)
from aioauthlete.testing import (
    DEFAULT_POLL_CLIENT,
    DEFAULT_PUSH_CLIENT,
    AuthleteEmulator,
    CibaClient,
)
from tests.testing.support import FakeClock, ciba_request, token_request

POLL, PUSH = DEFAULT_POLL_CLIENT, DEFAULT_PUSH_CLIENT


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verified_claims(id_token: str, client: CibaClient) -> dict[str, object]:
    """The claims of an ID token whose HS256 signature is the client secret's."""
    header, payload, signature = id_token.split(".")
    mac = hmac.new(client.secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    assert hmac.compare_digest(mac.digest(), _unb64(signature))
    assert json.loads(_unb64(header)) == {"alg": "HS256", "typ": "JWT"}
    claims: dict[str, object] = json.loads(_unb64(payload))
    return claims


def half_hash(token: str) -> str:
    digest = hashlib.sha256(token.encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_poll_flow_from_request_to_tokens(
    emulator: AuthleteEmulator, base_url: str, clock: FakeClock
) -> None:
    """The real client drives a poll flow; the user is found in the directory; the ID
    token verifies with the client's secret and names the user and the client."""
    async with AuthleteClient(**emulator.client_kwargs(base_url)) as authlete:
        started = await authlete.backchannel_authentication(
            BackchannelAuthenticationRequest(parameters=ciba_request(POLL, login_hint="bob"))
        )
        assert started.action is BackchannelAuthenticationAction.USER_IDENTIFICATION
        assert started.ticket is not None
        assert started.hint_type is not None
        user = emulator.users.identify(started.hint_type, started.hint or "", started.sub)
        assert user is not None
        assert user.login == "bob"
        issued = await authlete.backchannel_authentication_issue(
            BackchannelAuthenticationIssueRequest(ticket=started.ticket)
        )
        assert issued.action is IssueAction.OK
        assert issued.auth_req_id is not None
        poll = TokenRequest(parameters=token_request(POLL, issued.auth_req_id))
        pending = await authlete.token(poll)
        completed = await authlete.backchannel_authentication_complete(
            BackchannelAuthenticationCompleteRequest(
                ticket=started.ticket,
                result=CompleteResult.AUTHORIZED,
                subject=user.subject,
                claims=json.dumps({"name": user.name}),
                acr="urn:example:strong",
            )
        )
        clock.advance(5)
        granted = await authlete.token(poll)
    assert pending.action is TokenAction.BAD_REQUEST
    assert json.loads(pending.response_content or "")["error"] == "authorization_pending"
    assert completed.action is CompleteAction.NO_ACTION
    assert granted.action is TokenAction.OK
    assert granted.access_token
    assert granted.id_token
    claims = verified_claims(granted.id_token, POLL)
    assert claims["sub"] == user.subject
    assert claims["aud"] == str(POLL.client_id)
    assert claims["iss"] == emulator.settings.issuer
    assert (claims["name"], claims["acr"]) == ("Bob Brown", "urn:example:strong")
    assert claims["at_hash"] == half_hash(granted.access_token)
    assert abs(int(str(claims["iat"])) - time.time()) < 60 + 5  # the clock moved 5 s
    assert claims["exp"] == int(str(claims["iat"])) + 3600
    assert "urn:openid:params:jwt:claim:auth_req_id" not in claims


async def test_unknown_user_is_failed_and_the_ticket_is_gone(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """The server cannot identify the user, fails the ticket with UNKNOWN_USER_ID, and
    the ticket can no longer be issued."""
    async with AuthleteClient(**emulator.client_kwargs(base_url)) as authlete:
        started = await authlete.backchannel_authentication(
            BackchannelAuthenticationRequest(parameters=ciba_request(POLL, login_hint="mallory"))
        )
        assert started.ticket is not None
        assert emulator.users.identify("LOGIN_HINT", "mallory") is None
        failed = await authlete.backchannel_authentication_fail(
            BackchannelAuthenticationFailRequest(
                ticket=started.ticket, reason=FailReason.UNKNOWN_USER_ID
            )
        )
        issued = await authlete.backchannel_authentication_issue(
            BackchannelAuthenticationIssueRequest(ticket=started.ticket)
        )
    assert failed.action is FailAction.BAD_REQUEST
    assert issued.action is IssueAction.INVALID_TICKET


async def test_push_flow_over_v2_form_bodies_notifies_with_tokens(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """2.x Basic, every call form-encoded: the push notification carries tokens whose
    ID token has the auth_req_id claim and rt_hash (CIBA Core 10.3.1)."""
    kwargs = emulator.client_kwargs(base_url, api_version="V2")
    async with AuthleteClient(**kwargs) as authlete:
        started = await authlete.backchannel_authentication(
            FormRequest(
                body=BackchannelAuthenticationRequest(
                    parameters=ciba_request(PUSH, client_id=None, client_secret=None),
                    client_id=str(PUSH.client_id),
                    client_secret=PUSH.secret,
                )
            )
        )
        assert started.ticket is not None
        issued = await authlete.backchannel_authentication_issue(
            FormRequest(body=BackchannelAuthenticationIssueRequest(ticket=started.ticket))
        )
        completed = await authlete.backchannel_authentication_complete(
            FormRequest(
                body=BackchannelAuthenticationCompleteRequest(
                    ticket=started.ticket,
                    result=CompleteResult.AUTHORIZED,
                    subject="248289761003",
                    scopes=("openid",),
                )
            )
        )
    assert started.client_auth_method == "CLIENT_SECRET_BASIC"
    assert issued.interval is None
    assert completed.action is CompleteAction.NOTIFICATION
    assert completed.client_notification_endpoint == PUSH.endpoint
    content = json.loads(completed.response_content or "")
    assert content["auth_req_id"] == issued.auth_req_id
    claims = verified_claims(content["id_token"], PUSH)
    assert claims["urn:openid:params:jwt:claim:auth_req_id"] == issued.auth_req_id
    assert claims["rt_hash"] == half_hash(content["refresh_token"])
    assert content["scope"] == "openid"
    assert len(emulator.auth_requests) == 0
