"""``aioauthlete demo --flow``: the whole CIBA flow, client to server to Authlete and back.

The server is examples/ciba_server.py itself (its ``make_app``, imported, with its
simulated device answering on cue), Authlete is the built-in emulator with its three
default clients (ping and push notified at a loopback endpoint of the demo's own), and the
client is a few lines here that speak HTTP only, as CIBA Core 1.0 says. It runs alice's
approval in poll, ping and push mode, then bob's denial, an unknown user and a wrong client
secret, and prints every message on the way with its secrets hidden.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import TextIO

import aiohttp
import attrs

from . import _ciba_example as example
from ._flowparts import (
    AuthleteWatch,
    CuedDevice,
    Narrator,
    NotificationEndpoint,
    served,
    shown_form,
    shown_json,
)

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
#: How long the demo waits for a notification before calling the exchange failed.
NOTIFICATION_WAIT = 10.0
SLOW_DOWN_STEP = 5
Body = dict[str, object]
NEXT_STEP = 'examples/ciba_server.py (README.md, "Building a CIBA endpoint")'


@attrs.frozen
class Party:
    """A CIBA client as the demo's client side knows it."""

    client_id: str
    secret: str
    mode: str
    note: str


class Flow:
    """The three sides, wired; each exchange returns how it ended (``tokens`` or an error)."""

    def __init__(
        self,
        narrator: Narrator,
        http: aiohttp.ClientSession,
        server: str,
        parts: tuple[CuedDevice, AuthleteWatch, NotificationEndpoint],
    ) -> None:
        self.narrator, self.http, self.server = narrator, http, server
        self.device, self.watch, self.endpoint = parts

    async def post(self, party: Party, path: str, form: Mapping[str, str]) -> tuple[int, Body]:
        """One request of the client, with HTTP Basic (RFC 6749 2.3.1), printed both ways."""
        self.narrator.step(
            "client -> server",
            f"POST {path}  Basic {party.client_id}:<redacted>  {shown_form(form)}",
        )
        headers = {"Authorization": aiohttp.encode_basic_auth(party.client_id, party.secret)}
        async with self.http.post(self.server + path, data=dict(form), headers=headers) as answer:
            text = await answer.text()
        self.narrator.step("client <- server", f"{answer.status} {shown_json(text)}")
        with contextlib.suppress(ValueError):
            body = json.loads(text)
            if isinstance(body, dict):
                return answer.status, body
        return answer.status, {}

    async def ask(self, party: Party, login: str) -> tuple[int, Body]:
        form = {"scope": "openid", "login_hint": login}
        if party.mode != "poll":
            form["client_notification_token"] = secrets.token_urlsafe(24)
        return await self.post(party, "/backchannel/authentication", form)

    async def token(self, party: Party, auth_req_id: str) -> tuple[int, Body]:
        grant = {"grant_type": CIBA_GRANT, "auth_req_id": auth_req_id}
        return await self.post(party, "/token", grant)

    async def exchange(self, party: Party, login: str) -> str:
        """Ask for *login*; then poll, or wait for the notification; how it ended."""
        status, body = await self.ask(party, login)
        auth_req_id = body.get("auth_req_id")
        if status != 200 or not isinstance(auth_req_id, str):
            return ended(body)
        if party.mode == "poll":
            interval = body.get("interval")
            return await self.poll(party, auth_req_id, interval if isinstance(interval, int) else 5)
        self.watch.completed.clear()
        self.device.cue.set()  # the user answers now that the client holds its auth_req_id
        try:
            _, _, note = await asyncio.wait_for(self.endpoint.received.get(), NOTIFICATION_WAIT)
        except TimeoutError:
            return "no notification"
        if party.mode == "push":
            return ended(note)
        return ended((await self.token(party, auth_req_id))[1])

    async def poll(self, party: Party, auth_req_id: str, interval: int) -> str:
        """CIBA Core 7.3 and 11: poll no sooner than *interval* apart, 5 s more after
        slow_down. The user answers once the first poll was told to wait."""
        self.watch.completed.clear()
        body = (await self.token(party, auth_req_id))[1]
        self.device.cue.set()
        while body.get("error") in ("authorization_pending", "slow_down"):
            if body.get("error") == "slow_down":
                interval += SLOW_DOWN_STEP
            self.narrator.step("client", f"waits the interval, {interval} s")
            await asyncio.gather(asyncio.sleep(interval), self.watch.completed.wait())
            body = (await self.token(party, auth_req_id))[1]
        return ended(body)


def ended(body: Mapping[str, object]) -> str:
    """``tokens`` for a token answer, else its ``error``."""
    if "access_token" in body:
        return "tokens"
    error = body.get("error")
    return error if isinstance(error, str) else "no answer"


def parties() -> dict[str, Party]:
    """The emulator's three default clients, as a client holding their credentials."""
    from ..testing import DEFAULT_CLIENTS

    return {
        c.mode.value: Party(str(c.client_id), c.secret, c.mode.value, f"the emulator's {c.mode}")
        for c in DEFAULT_CLIENTS
    }


def story() -> list[tuple[str, str, str, str]]:
    """(mode, login, what happens, how CIBA Core says it ends), in the order told."""
    return [
        ("poll", "alice", "alice approves", "tokens"),
        ("ping", "alice", "alice approves", "tokens"),
        ("push", "alice", "alice approves", "tokens"),
        ("push", "bob", "bob denies", "access_denied"),
        ("poll", "mallory", "nobody is called mallory", "unknown_user_id"),
        ("ping", "alice", "the client sends a wrong secret", "invalid_client"),
    ]


async def run_flow(out: TextIO) -> bool:
    """Tell the whole story on *out*; True when every exchange ended as the spec says."""
    narrator = Narrator(out)
    endpoint, watch, device = NotificationEndpoint(narrator), AuthleteWatch(narrator), CuedDevice()
    async with served(endpoint.app()) as notify, served_emulator(notify, watch) as environ:
        app = example.make_app(device, environ)
        async with served(app) as server, aiohttp.ClientSession() as http:
            flow = Flow(narrator, http, server, (device, watch, endpoint))
            tell_setting(narrator, server, notify)
            return await tell(flow, narrator)


async def tell(flow: Flow, narrator: Narrator) -> bool:
    known, as_said = parties(), 0
    for mode, login, what, expected in story():
        party = known[mode]
        if expected == "invalid_client":
            party = attrs.evolve(party, secret="not-" + party.secret)
        narrator.line(f"\n{mode} mode, {what} ({party.note} client {party.client_id}):")
        got = await flow.exchange(party, login)
        as_said += got == expected
        verdict = "as CIBA Core 1.0 says" if got == expected else f"expected {expected}"
        narrator.line(f"  => {got} ({verdict})")
    narrator.line(f"\nflow: {len(story())} exchanges, {as_said} ended as CIBA Core 1.0 says")
    narrator.line(f"Your own CIBA endpoint: {NEXT_STEP}")
    return as_said == len(story())


def tell_setting(narrator: Narrator, server: str, notify: str) -> None:
    narrator.line(
        f"The CIBA flow: examples/ciba_server.py serves /backchannel/authentication and /token"
        f"\nat {server}, on the built-in emulator; the client's notification endpoint is"
        f"\n{notify}/ciba/. Secrets and tokens print as <redacted>, an auth_req_id as <its hash>,"
        "\nand error_description is left out."
    )


@contextlib.asynccontextmanager
async def served_emulator(notify: str, watch: AuthleteWatch) -> AsyncIterator[dict[str, str]]:
    """The emulator, its clients notified at *notify*, served; the server's AUTHLETE_*."""
    from ..testing import DEFAULT_CLIENTS, AuthleteEmulator, ServiceSettings

    clients = [
        c if c.endpoint is None else attrs.evolve(c, endpoint=f"{notify}/ciba/{c.mode}")
        for c in DEFAULT_CLIENTS
    ]
    emulator = AuthleteEmulator(
        clients=clients, settings=ServiceSettings(polling_interval=1), environ={}
    )
    app = emulator.make_app()
    app.middlewares.append(watch.middleware)
    async with served(app) as base_url:
        kwargs = emulator.client_kwargs(base_url)
        yield {
            "AUTHLETE_BASE_URL": base_url,
            "AUTHLETE_SERVICE_APIKEY": kwargs["service_id"],
            "AUTHLETE_SERVICE_ACCESSTOKEN": kwargs["access_token"],
        }
