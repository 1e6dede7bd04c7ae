"""A CIBA client written from CIBA Core 1.0 alone, for the end-to-end tests: HTTP only.

It knows nothing of aioauthlete. It posts form bodies with HTTP Basic client
authentication (RFC 6749 section 2.3.1: the ID and the secret form-encoded, joined by a
colon, base64), reads JSON, and gets its answer the way its delivery mode says:

- poll (sections 7.3, 10.1 and 11): it polls the token endpoint no sooner than
  ``interval`` seconds apart (5 when the answer gives none), and 5 s more for this and
  every later poll after ``slow_down``, until the answer is neither that nor
  ``authorization_pending``;
- ping (10.2): it waits at its notification endpoint for a POST with its
  ``client_notification_token`` as Bearer token and ``{"auth_req_id"}`` as body, then
  makes one token request;
- push (10.3 and 12): it waits for the push itself: the tokens with the ``auth_req_id``,
  or an error with it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
DEFAULT_INTERVAL = 5
SLOW_DOWN_STEP = 5
#: How long the client waits for its notification (the tests' own bounds are shorter).
NOTIFICATION_WAIT = 30.0


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: its status, headers and JSON object (empty if it was not one)."""

    status: int
    headers: Mapping[str, str]
    body: dict[str, Any]

    @property
    def error(self) -> str | None:
        error = self.body.get("error")
        return error if isinstance(error, str) else None


@dataclass(frozen=True)
class Notification:
    """What arrived at the notification endpoint."""

    path: str
    authorization: str
    body: dict[str, Any]


@dataclass
class Outcome:
    """How one request ended: the last answer or notification, and what the client did."""

    ended: str  # "tokens", or the error
    auth_req_id: str | None = None
    first: Answer | None = None
    last: Answer | None = None
    notification: Notification | None = None
    waits: list[float] = field(default_factory=list)
    polls: list[str] = field(default_factory=list)


def ended(body: Mapping[str, Any]) -> str:
    return "tokens" if "access_token" in body else str(body.get("error"))


class NotificationEndpoint:
    """The client's notification endpoint on 127.0.0.1: each POST answered 204 and handed
    to whoever waits for its Bearer token."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[Notification]] = {}
        self.stray: list[Notification] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/{mode}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expect(self, token: str) -> asyncio.Future[Notification]:
        future = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        return future

    async def _receive(self, request: web.Request) -> web.Response:
        authorization = request.headers.get("Authorization", "")
        body = json.loads(await request.text())
        note = Notification(request.path, authorization, body)
        scheme, _, token = authorization.partition(" ")
        future = self._waiting.pop(token, None) if scheme == "Bearer" else None
        if future is None or future.done():
            self.stray.append(note)
            return web.Response(status=401)
        future.set_result(note)
        return web.Response(status=204)


def basic(client_id: str, secret: str) -> str:
    """RFC 6749 section 2.3.1's Basic credentials."""
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class SpecClient:
    """One registered CIBA client talking to the server at *server*."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        server: str,
        client_id: str,
        secret: str,
        mode: str,
        *,
        endpoint: NotificationEndpoint | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        eager_polls: int = 0,
    ) -> None:
        self.http, self.server = http, server
        self.authorization = basic(client_id, secret)
        self.mode, self.endpoint = mode, endpoint
        self.sleep = sleep
        self.eager_polls = eager_polls  # polls sent without waiting: a client that misbehaves

    async def post(self, path: str, form: Mapping[str, str]) -> Answer:
        headers = {
            "Authorization": self.authorization,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = urllib.parse.urlencode(form)
        async with self.http.post(self.server + path, data=body, headers=headers) as answer:
            text = await answer.text()
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = {}
        return Answer(answer.status, answer.headers, parsed if isinstance(parsed, dict) else {})

    async def token(self, auth_req_id: str) -> Answer:
        return await self.post("/token", {"grant_type": CIBA_GRANT, "auth_req_id": auth_req_id})

    async def authenticate(self, login_hint: str, **extra: str) -> tuple[Answer, str | None]:
        """The backchannel authentication request (section 7.1); its answer, and the
        notification token sent (ping and push)."""
        form = {"scope": "openid", "login_hint": login_hint, **extra}
        token = None
        if self.mode != "poll":
            token = secrets.token_urlsafe(32)
            form["client_notification_token"] = token
        return await self.post("/backchannel/authentication", form), token

    async def run(self, login_hint: str, **extra: str) -> Outcome:
        """Ask for *login_hint* and follow the mode's rules to the end."""
        first, token = await self.authenticate(login_hint, **extra)
        auth_req_id = first.body.get("auth_req_id")
        if first.status != 200 or not isinstance(auth_req_id, str):
            return Outcome(str(first.error), first=first, last=first)
        outcome = Outcome("", auth_req_id, first)
        if self.mode == "poll":
            interval = first.body.get("interval", DEFAULT_INTERVAL)
            await self.poll(outcome, int(interval))
            return outcome
        assert self.endpoint is not None
        assert token is not None
        note = await asyncio.wait_for(self.endpoint.expect(token), NOTIFICATION_WAIT)
        outcome.notification = note
        if self.mode == "push":
            outcome.ended = ended(note.body)
            return outcome
        outcome.last = await self.token(auth_req_id)
        outcome.ended = ended(outcome.last.body)
        return outcome

    async def poll(self, outcome: Outcome, interval: int) -> None:
        assert outcome.auth_req_id is not None
        eager = self.eager_polls
        while True:
            if eager:
                eager -= 1
            else:
                outcome.waits.append(interval)
                await self.sleep(interval)
            answer = await self.token(outcome.auth_req_id)
            outcome.polls.append(answer.error or "tokens")
            outcome.last = answer
            if answer.error == "slow_down":
                interval += SLOW_DOWN_STEP
            elif answer.error != "authorization_pending":
                outcome.ended = ended(answer.body)
                return


def jwt_claims(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified (the tests only read what the spec says is there)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(claims, dict)
    return claims
