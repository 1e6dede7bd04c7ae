"""What the demo's CIBA flow is made of, besides the example server: a narrator that prints
each message with its secrets hidden, a notification endpoint of the demo's own, a watch on
the emulator's answers, and a device that answers on cue.

Every side runs in one event loop, so the lines come out in the order things happened.
Secrets never print: the client secret, the notification token and the tokens show as
``<redacted>``, an ``auth_req_id`` as ``<`` its short hash ``>`` (the same one wherever it
appears, so a reader can follow it from the answer to the notification and the token call).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TextIO

from aiohttp import web

from .._redact import ticket_ref
from . import _ciba_example as example

#: Members whose value is a credential: never printed.
SECRET_KEYS = frozenset(
    {"access_token", "refresh_token", "id_token", "client_secret", "client_notification_token"}
)
#: Members left out of what is printed: long, and no part of the protocol.
LEFT_OUT = frozenset({"error_description"})


def hidden(key: str, value: object) -> object:
    """*value* as printed: a secret redacted, an auth_req_id as its short hash."""
    if key in SECRET_KEYS:
        return "<redacted>"
    if key == "auth_req_id" and isinstance(value, str):
        return f"<{ticket_ref(value)}>"
    return value


def shown_json(text: str) -> str:
    """A JSON answer's text as printed (any other text by its length only)."""
    try:
        body = json.loads(text)
    except ValueError:
        return f"({len(text)} characters, not JSON)"
    if not isinstance(body, dict):
        return "(JSON, not an object)"
    kept = {k: hidden(k, v) for k, v in body.items() if k not in LEFT_OUT}
    return json.dumps(kept, separators=(",", ":"))


def shown_form(form: Mapping[str, str]) -> str:
    """A form body as printed, secrets hidden (unescaped, for reading)."""
    return "&".join(f"{k}={hidden(k, v)}" for k, v in form.items())


class Narrator:
    """Prints one line per message: who sent it to whom, and what it said."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def line(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def step(self, who: str, what: str) -> None:
        self.line(f"  {who:<20}{what}")


@contextlib.asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """Serve *app* on a free loopback port, without an access log; yield its URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


class NotificationEndpoint:
    """The demo client's notification endpoint: each POST is printed, queued, answered 204."""

    def __init__(self, narrator: Narrator) -> None:
        self.narrator = narrator
        self.received: asyncio.Queue[tuple[str, str, dict[str, object]]] = asyncio.Queue()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/ciba/{mode}", self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.Response:
        text = await request.text()
        scheme = request.headers.get("Authorization", "").partition(" ")[0] or "no"
        where = f"POST {request.path}  {scheme} <redacted>  {shown_json(text)} -> 204"
        self.narrator.step("server -> client", where)
        try:
            body = json.loads(text)
        except ValueError:
            body = {}
        token = request.headers.get("Authorization", "").partition(" ")[2]
        self.received.put_nowait((request.match_info["mode"], token, body))
        return web.Response(status=204)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AuthleteWatch:
    """An aiohttp middleware for the emulator: prints each call the server makes to
    Authlete with the action answered, and tells who waits when a ``complete`` is answered."""

    def __init__(self, narrator: Narrator) -> None:
        self.narrator = narrator
        self.completed = asyncio.Event()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        call = call_of(request.path)
        body = response.body if isinstance(response, web.Response) else None
        self.narrator.step("server -> Authlete", f"{call} -> {action_of(body)}")
        if call.endswith("/complete"):
            self.completed.set()
        return response


def call_of(path: str) -> str:
    """The API a path names, without ``/api`` and the service ID (``auth/token``)."""
    rest = path.removeprefix("/api/")
    first, _, tail = rest.partition("/")
    return rest if first in ("backchannel", "auth") else tail


def action_of(body: object) -> str:
    """The ``action`` of an Authlete answer's body, or what stands in for it."""
    try:
        action = json.loads(body) if isinstance(body, bytes) else None
    except ValueError:
        action = None
    found = action.get("action") if isinstance(action, dict) else None
    return found if isinstance(found, str) else "(no action)"


class CuedDevice(example.SimulatedDevice):
    """The example's simulated device, asked to answer when the demo says so: the user's
    answer then comes at a point of the story the reader can follow, whatever the timing."""

    def __init__(self) -> None:
        super().__init__(answer_after=0.0)
        self.cue = asyncio.Event()

    async def ask(self, login: str, binding_message: str | None) -> bool:
        await self.cue.wait()
        self.cue.clear()
        return await super().ask(login, binding_message)
