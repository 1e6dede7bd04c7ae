"""A CIBA authorization server in aiohttp on aioauthlete alone: the backchannel authentication
and token endpoints of CIBA Core 1.0 (sections 7, 10, 11). `python examples/ciba_server.py
--port 8080`, with Authlete (or `aioauthlete emulator`) named by the AUTHLETE_* variables.

The device is simulated: alice approves after --approve-after seconds, bob denies, carol
never answers (her request expires), any other login hint names nobody. stdout's first line
is the URL served (--port 0 picks a port). SIGINT or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Mapping

from aiohttp import web

from aioauthlete import AuthleteClient, HintType
from aioauthlete.ciba import (
    Authorized,
    BackchannelAuthenticationHandler,
    BackchannelHooksAdapter,
    CompleteHandler,
    Decision,
    Denied,
    DeviceRequest,
    Failed,
    TokenHandler,
)
from aioauthlete.ciba import aiohttp as ciba_aiohttp

log = logging.getLogger("ciba_server")

#: This server's users: the login hint a client sends -> the subject the tokens are for.
USERS = {"alice": "248289761001", "bob": "248289761002", "carol": "248289761003"}
#: A prompt still unanswered this many seconds before its request expires is reported as
#: failed, while Authlete still knows the request: the client then learns expired_token.
REPORT_MARGIN = 1.0


class Hooks(BackchannelHooksAdapter[str]):
    """Who a login hint names, and asking them on their device; the handlers do the rest
    (calling Authlete, failing the ticket, answering the client, notifying it)."""

    def __init__(self, complete: CompleteHandler, device: SimulatedDevice) -> None:
        self.complete = complete
        self.device = device

    async def find_user(
        self, hint_type: HintType | str | None, hint: str | None, sub: str | None
    ) -> str | None:
        if hint_type is HintType.LOGIN_HINT and hint in USERS:
            return hint
        return None  # the ticket fails with UNKNOWN_USER_ID: the client gets unknown_user_id

    async def start_authentication(self, device: DeviceRequest[str]) -> None:
        """Runs in a task of its own once the client has its auth_req_id."""
        decision = await self.decide(device)
        outcome = await self.complete.complete(device.ticket, decision)
        sent = "-" if outcome.delivery is None else outcome.delivery.problem or "delivered"
        log.info("%s: %s; Authlete: %s; notification: %s", device.user,
                 type(decision).__name__, outcome.action, sent)  # fmt: skip

    async def decide(self, device: DeviceRequest[str]) -> Decision:
        patience = max(0.0, (device.expires_in or 0) - REPORT_MARGIN)
        try:
            async with asyncio.timeout(patience):
                approved = await self.device.ask(device.user, device.binding_message)
        except TimeoutError:
            return Failed(description="The user did not answer in time.")
        return Authorized(subject=USERS[device.user]) if approved else Denied()


def make_app(device: SimulatedDevice, environ: Mapping[str, str] | None = None) -> web.Application:
    """The server; *environ* holds the AUTHLETE_* variables (default: os.environ's)."""
    client = AuthleteClient.from_env(environ)  # connects on first use, in the app's loop
    complete = CompleteHandler(client)
    backchannel = BackchannelAuthenticationHandler(
        client, Hooks(complete, device), complete=complete
    )
    app = web.Application()
    app.router.add_post("/backchannel/authentication", ciba_aiohttp.view(backchannel.handle))
    app.router.add_post("/token", ciba_aiohttp.view(TokenHandler(client).handle))

    async def close(_: web.Application) -> None:
        log.info("stopping, device steps cancelled: %d", backchannel.running)
        await backchannel.aclose()  # cancels the device steps still running
        await complete.aclose()  # closes the notification sender
        await client.aclose()

    app.on_cleanup.append(close)
    return app


async def serve(host: str, port: int, device: SimulatedDevice) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly (a second signal kills)."""
    runner = web.AppRunner(make_app(device), shutdown_timeout=5.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound, bound_port = runner.addresses[0][:2]
        bound = f"[{bound}]" if ":" in bound else bound  # an IPv6 address
        print(f"listening on http://{bound}:{bound_port}", flush=True)
        await signalled()
    finally:
        await runner.cleanup()


async def signalled() -> None:
    loop, stop = asyncio.get_running_loop(), asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(signum)
        signal.signal(signum, signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A CIBA authorization server on aioauthlete.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (%(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free one")
    parser.add_argument(
        "--approve-after", type=float, default=2.0, metavar="S", help="alice and bob's delay"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    try:
        asyncio.run(serve(args.host, args.port, SimulatedDevice(args.approve_after)))
    except (ValueError, OSError) as exc:  # the AUTHLETE_* variables, or the port
        print(f"ciba_server: error: {exc}", file=sys.stderr)
        return 2
    return 0


# -- The simulated authentication device (a real one prompts the user on their phone) ----


class SimulatedDevice:
    """alice approves and bob denies *answer_after* seconds after being asked; carol never
    answers; nobody else is ever asked (find_user knows only these three)."""

    def __init__(self, answer_after: float) -> None:
        self.answer_after = answer_after

    async def ask(self, login: str, binding_message: str | None) -> bool:
        """Whether *login* approves (shown *binding_message*, if any)."""
        if login == "carol":
            await asyncio.get_running_loop().create_future()  # never done
        await asyncio.sleep(self.answer_after)
        return login == "alice"


if __name__ == "__main__":
    sys.exit(main())
