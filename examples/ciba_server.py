"""A CIBA authorization server on aioauthlete alone: the backchannel authentication endpoint
and the token endpoint of CIBA Core 1.0 (sections 7, 10 and 11), in aiohttp.

    python examples/ciba_server.py --port 8080

Authlete is named by the AUTHLETE_* variables (AUTHLETE_BASE_URL, AUTHLETE_SERVICE_APIKEY,
AUTHLETE_SERVICE_ACCESSTOKEN); `aioauthlete emulator` prints the ones of the emulator. The
authentication device is simulated: alice approves after --approve-after seconds, bob denies
after as long, carol never answers (her request expires), and any other login hint names
nobody. The first line on stdout is the URL served (--port 0 picks a free port). Ctrl-C or
SIGTERM stops it: device steps still running are cancelled and the Authlete client closed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator, Mapping

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
        delivery = outcome.delivery
        notified = "" if delivery is None else f", client notified: {delivery.delivered}"
        if delivery is not None and not delivery.delivered:
            notified += f" ({delivery.problem})"
        log.info("%s: %s, Authlete: %s%s", device.user, kind(decision), outcome.action, notified)

    async def decide(self, device: DeviceRequest[str]) -> Decision:
        patience = max(0.0, (device.expires_in or 0) - REPORT_MARGIN)
        try:
            async with asyncio.timeout(patience):
                approved = await self.device.ask(device.user, device.binding_message)
        except TimeoutError:
            return Failed(description="The user did not answer in time.")
        return Authorized(subject=USERS[device.user]) if approved else Denied()


def kind(decision: Decision) -> str:
    """How the log names a decision."""
    return {Authorized: "approved", Denied: "denied"}.get(type(decision), "no answer")


BACKCHANNEL = web.AppKey("backchannel", BackchannelAuthenticationHandler)
TOKEN = web.AppKey("token", TokenHandler)


async def backchannel(request: web.Request) -> web.Response:
    answer = await request.app[BACKCHANNEL].handle(await ciba_aiohttp.read_request(request))
    return ciba_aiohttp.to_response(answer)


async def token(request: web.Request) -> web.Response:
    answer = await request.app[TOKEN].handle(await ciba_aiohttp.read_request(request))
    return ciba_aiohttp.to_response(answer)


def make_app(device: SimulatedDevice, environ: Mapping[str, str] | None = None) -> web.Application:
    """The server's application; *environ* holds the AUTHLETE_* variables (os.environ's
    by default)."""

    async def ciba(app: web.Application) -> AsyncIterator[None]:
        async with AuthleteClient.from_env(environ) as client, CompleteHandler(client) as done:
            handler = BackchannelAuthenticationHandler(client, Hooks(done, device), complete=done)
            async with handler:  # on the way out, running device steps are cancelled
                app[BACKCHANNEL], app[TOKEN] = handler, TokenHandler(client)
                yield
                log.info("stopping, device steps cancelled: %d", handler.running)

    app = web.Application()
    app.cleanup_ctx.append(ciba)
    app.router.add_post("/backchannel/authentication", backchannel)
    app.router.add_post("/token", token)
    return app


async def serve(host: str, port: int, device: SimulatedDevice) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly (a second signal kills)."""
    runner = web.AppRunner(make_app(device), shutdown_timeout=5.0)
    await runner.setup()  # opens the client: a configuration error is raised here
    try:
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        print(f"listening on http://{bound_host}:{bound_port}", flush=True)
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
