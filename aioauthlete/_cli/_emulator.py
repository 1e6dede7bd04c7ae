"""``aioauthlete emulator``: serve the built-in emulator of Authlete's CIBA APIs until Ctrl-C.

The one command line of the emulator (``python -m aioauthlete.testing`` runs this too).
stdout gets ``key value`` lines a script can read (``base_url`` first, then the service
ID, the credentials, one ``ticket`` line per seeded ticket and one ``client`` line per
registered CIBA client); notes for people go to stderr. A credential is printed only
when it is the emulator's public development value: one taken from the environment is
named by its variable, and a secret given with ``--client`` is never shown.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING

from .._config import ENV_ACCESS_TOKEN, ENV_API_SECRET, ENV_BASE_URL, ENV_SERVICE_ID
from ._common import UsageError, count, non_negative_float, note, positive_float, positive_int

if TYPE_CHECKING:
    from ..testing import AuthleteEmulator, CibaClient
    from ._app import SubParsers

DESCRIPTION = """\
Serve an emulator of Authlete's CIBA APIs until Ctrl-C: /backchannel/authentication and
its issue, fail and complete APIs, and /auth/token for the CIBA grant.

stdout: 'key value' lines for scripts, base_url first, then service_id, access_token,
api_secret, one 'ticket' line per seeded ticket and one 'client' line per registered
CIBA client (ID, mode, alias, endpoint, secret). The credentials accepted are those of
the AUTHLETE_* variables, else the emulator's public development values; a value taken
from the environment is never printed, only the name of its variable, and neither is a
secret given with --client."""

CLIENT_HELP = (
    "register one more CIBA client (repeatable), besides the three default ones: "
    "'id=ID,secret=SECRET,mode=ping|poll|push[,endpoint=URL][,alias=ALIAS]'; ping and "
    "push need an https endpoint (http on loopback)"
)


def client_spec(text: str) -> CibaClient:
    """An argparse type: one ``--client`` value; the error never shows the text."""
    from ..testing import parse_client

    try:
        return parse_client(text)
    except ValueError as exc:
        message = str(exc) if "not shown" in str(exc) else f"{exc} (the value is not shown)"
        raise argparse.ArgumentTypeError(message) from None


def add_parser(subparsers: SubParsers) -> None:
    """Register ``emulator``."""
    parser = subparsers.add_parser(
        "emulator",
        help="serve an emulator of Authlete's CIBA APIs (for trying the CLI and for tests)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (%(default)s)")
    parser.add_argument("--port", type=count, default=0, help="port; 0 picks a free one")
    parser.add_argument("--service-id", default=argparse.SUPPRESS, metavar="ID", help="service")
    parser.add_argument("--tickets", type=count, default=3, metavar="N", help="tickets to seed")
    parser.add_argument(
        "--accept-any-ticket",
        action="store_true",
        help="treat every non-empty ticket and auth_req_id as live and store none (load tests)",
    )
    parser.add_argument(
        "--client",
        type=client_spec,
        action="append",
        default=[],
        metavar="SPEC",
        dest="clients",
        help=CLIENT_HELP,
    )
    faults = parser.add_argument_group("faults")
    faults.add_argument(
        "--latency", type=non_negative_float, default=0.0, metavar="S", help="delay per answer"
    )
    faults.add_argument(
        "--fail-first", type=count, default=0, metavar="N", help="answer N requests with an error"
    )
    faults.add_argument(
        "--fail-status", type=int, default=503, metavar="S", help="their status (%(default)s)"
    )
    faults.add_argument(
        "--drop-first", type=count, default=0, metavar="N", help="close N connections unanswered"
    )
    faults.add_argument(
        "--rate-limit", type=positive_float, metavar="RPS", help="429 beyond RPS per credential"
    )
    faults.add_argument(
        "--rate-burst", type=positive_int, metavar="B", help="burst above it (default 2 x RPS)"
    )
    parser.set_defaults(func=run)


def configure(args: argparse.Namespace) -> AuthleteEmulator:
    """The emulator the flags describe; ``UsageError`` for a flag it refuses."""
    from ..testing import DEFAULT_CLIENTS, AuthleteEmulator

    try:
        emulator = AuthleteEmulator(
            service_id=getattr(args, "service_id", None),
            accept_any_ticket=args.accept_any_ticket,
            clients=[*DEFAULT_CLIENTS, *getattr(args, "clients", [])],
        )
        faults = emulator.faults
        faults.latency = args.latency
        faults.drop_next(args.drop_first)
        faults.fail_next(args.fail_first, status=args.fail_status)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.rate_limit is not None:
        burst = args.rate_burst or max(1, math.ceil(2 * args.rate_limit))
        faults.rate_limit = (args.rate_limit, burst)
    elif args.rate_burst is not None:
        raise UsageError("--rate-burst needs --rate-limit")
    return emulator


def run(args: argparse.Namespace) -> Awaitable[int]:
    """Configure (failing fast on bad flags), then serve until SIGINT/SIGTERM; exit 0."""
    emulator = configure(args)
    tickets = emulator.tickets.issue_tickets(args.tickets)
    return _serve(emulator, args.host, args.port, tickets)


async def _serve(emulator: AuthleteEmulator, host: str, port: int, tickets: list[str]) -> int:
    try:
        await emulator.serve_forever(
            host, port, on_ready=lambda url: announce(emulator, url, tickets)
        )
    except OSError as exc:
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    except asyncio.CancelledError:
        note("emulator stopped")
        return 0
    return 0  # pragma: no cover - serve_forever only ends by cancellation


def announce(emulator: AuthleteEmulator, base_url: str, tickets: Sequence[str]) -> None:
    """Print where the emulator listens and what it accepts."""
    kwargs = emulator.client_kwargs(base_url)
    lines = [f"base_url {base_url}", f"service_id {emulator.service_id}"]
    lines.append(f"access_token {_shown(kwargs['access_token'], ENV_ACCESS_TOKEN)}")
    lines.append(f"api_secret {_shown(kwargs['api_secret'], ENV_API_SECRET)}")
    lines.extend(f"ticket {ticket}" for ticket in tickets)
    lines.extend(f"client {client_line(client)}" for client in emulator.clients)
    print("\n".join(lines), flush=True)
    note(f"emulator serving service {emulator.service_id} at {base_url}; Ctrl-C stops it")
    exports = [f"{ENV_BASE_URL}={base_url}", f"{ENV_SERVICE_ID}={emulator.service_id}"]
    if not os.environ.get(ENV_ACCESS_TOKEN):
        exports.append(f"{ENV_ACCESS_TOKEN}={kwargs['access_token']}")
    print(f"  to use it from another shell: export {' '.join(exports)}", file=sys.stderr)


def client_line(client: CibaClient) -> str:
    """``ID mode=... [alias=...] [endpoint=...] secret=...``: the secret only when it is a
    default client's public development value."""
    from ..testing import DEFAULT_CLIENTS

    parts = [str(client.client_id), f"mode={client.mode}"]
    if client.alias:
        parts.append(f"alias={client.alias}")
    if client.endpoint:
        parts.append(f"endpoint={client.endpoint}")
    parts.append(f"secret={client.secret}" if client in DEFAULT_CLIENTS else "secret=(given)")
    return " ".join(parts)


def _shown(value: str, variable: str) -> str:
    """The public development value itself; one from the environment only by name."""
    return f"(from {variable})" if os.environ.get(variable) else value
