"""Helpers for the emulator tests: a settable clock and a thin raw-HTTP caller."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import aiohttp
from attrs import frozen
from multidict import CIMultiDictProxy

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
