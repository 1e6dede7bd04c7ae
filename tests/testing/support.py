"""Helpers for the emulator tests: a settable clock, a thin raw-HTTP caller, the CIBA flow."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import aiohttp
from attrs import frozen
from multidict import CIMultiDictProxy

from aioauthlete.testing import CibaClient

SERVICE_ID = "715948317"
EXTRA_SERVICE_ID = "21653835348762"
TOKEN = "emulator-test-token-6c1f"
SECRET = "emulator-test-secret-9b2e"
V2_PATH = "/api/backchannel/authentication/fail"


def v3_path(service_id: str = SERVICE_ID) -> str:
    return f"/api/{service_id}/backchannel/authentication/fail"


def bearer(token: str = TOKEN) -> str:
    return f"Bearer {token}"


def basic(user: str = SERVICE_ID, secret: str = SECRET) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")


class FakeClock:
    """A clock that moves only when a test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@frozen
class Reply:
    """One raw HTTP answer, read in full."""

    status: int
    headers: CIMultiDictProxy[str]
    content_type: str
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    def content(self) -> Any:
        """The decoded ``responseContent`` of a 200 answer."""
        return json.loads(self.json()["responseContent"])


class Caller:
    """Posts to the emulator over a real socket, with the test credentials by default."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def post(
        self,
        path: str | None = None,
        *,
        json_body: object = None,
        form: Mapping[str, str] | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
        authorization: str | None = bearer(),
    ) -> Reply:
        headers: dict[str, str] = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        body: bytes | None = data
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            body = urllib.parse.urlencode(dict(form)).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if content_type is not None:
            headers["Content-Type"] = content_type
        url = self.base_url + (v3_path() if path is None else path)
        async with self.session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            return Reply(response.status, response.headers, response.content_type, text)

    async def fail(self, ticket: str, reason: str | None = "ACCESS_DENIED", **extra: str) -> Reply:
        """A JSON fail call on the 3.x path."""
        body: dict[str, str] = {"ticket": ticket, **extra}
        if reason is not None:
            body["reason"] = reason
        return await self.post(json_body=body)


# -- the CIBA flow ---------------------------------------------------------------------

AUTHENTICATION_API = "/backchannel/authentication"
ISSUE_API = "/backchannel/authentication/issue"
FAIL_API = "/backchannel/authentication/fail"
COMPLETE_API = "/backchannel/authentication/complete"
TOKEN_API = "/auth/token"
CIBA_GRANT = "urn:openid:params:grant-type:ciba"


def api_path(api: str, service_id: str | None = SERVICE_ID) -> str:
    """The 3.x path of *api* for *service_id*, or the 2.x path when it is None."""
    return f"/api{api}" if service_id is None else f"/api/{service_id}{api}"


def form(**params: str | None) -> str:
    """A client's form body, the parameters that are None left out."""
    return urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})


def ciba_request(client: CibaClient, **params: str | None) -> str:
    """A valid backchannel authentication form body of *client*, secret in the body;
    *params* add to it or (None) remove from it."""
    body: dict[str, str | None] = {
        "scope": "openid",
        "login_hint": "alice",
        "client_id": str(client.client_id),
        "client_secret": client.secret,
    }
    if client.mode != "poll":
        body["client_notification_token"] = "notification-token-for-tests"
    body.update(params)
    return form(**body)


def token_request(client: CibaClient, auth_req_id: str | None, **params: str | None) -> str:
    """A CIBA token request form body of *client*, secret in the body."""
    body: dict[str, str | None] = {
        "grant_type": CIBA_GRANT,
        "auth_req_id": auth_req_id,
        "client_id": str(client.client_id),
        "client_secret": client.secret,
    }
    body.update(params)
    return form(**body)


class Flow:
    """The CIBA calls over real HTTP on the 3.x path, JSON bodies, with short helpers."""

    def __init__(self, api: Caller) -> None:
        self.api = api

    async def call(self, api: str, body: object, **options: Any) -> Reply:
        return await self.api.post(api_path(api), json_body=body, **options)

    async def authenticate(self, client: CibaClient, **params: str | None) -> Reply:
        return await self.call(AUTHENTICATION_API, {"parameters": ciba_request(client, **params)})

    async def ticket(self, client: CibaClient, **params: str | None) -> str:
        reply = await self.authenticate(client, **params)
        assert reply.json()["action"] == "USER_IDENTIFICATION", reply.text
        ticket: str = reply.json()["ticket"]
        return ticket

    async def issue(self, ticket: str) -> Reply:
        return await self.call(ISSUE_API, {"ticket": ticket})

    async def auth_req_id(self, client: CibaClient, **params: str | None) -> tuple[str, str]:
        """A ticket and its auth_req_id, issued."""
        ticket = await self.ticket(client, **params)
        reply = await self.issue(ticket)
        assert reply.json()["action"] == "OK", reply.text
        return ticket, reply.json()["authReqId"]

    async def complete(self, ticket: str, result: str = "AUTHORIZED", **fields: object) -> Reply:
        body: dict[str, object] = {"ticket": ticket, "result": result}
        if result == "AUTHORIZED":
            body["subject"] = "248289761001"
        body.update(fields)
        return await self.call(COMPLETE_API, body)

    async def token(
        self, client: CibaClient, auth_req_id: str | None, **params: str | None
    ) -> Reply:
        body = {"parameters": token_request(client, auth_req_id, **params)}
        return await self.call(TOKEN_API, body)
