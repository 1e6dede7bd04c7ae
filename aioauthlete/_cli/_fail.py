"""``aioauthlete fail``: fail one ticket and print Authlete's answer as wire JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from .._converter import converter
from .._errors import AuthleteError
from .._models import BackchannelAuthenticationFailRequest
from .._redact import ticket_ref
from ._common import REASON_HELP, UsageError, note, reason
from ._settings import build_client, client_options

if TYPE_CHECKING:
    from ._app import SubParsers

EPILOG = """\
Prints the answer on stdout as one JSON object with Authlete's camelCase keys and exits 0,
whatever its action (FORBIDDEN, BAD_REQUEST, INTERNAL_SERVER_ERROR: forward
responseContent to your client with that status). When no answer comes, prints one line on
stderr and exits 1. Wrong flags or configuration exit 2."""


def add_parser(subparsers: SubParsers) -> None:
    """Register ``fail``."""
    parser = subparsers.add_parser(
        "fail",
        parents=[client_options()],
        help="fail one ticket",
        description="Fail one backchannel authentication request (one ticket).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--ticket",
        required=True,
        metavar="T",
        help="the ticket; '-' reads it from the first line of stdin, which keeps it out of "
        "process listings and shell history",
    )
    parser.add_argument("--reason", required=True, type=reason, metavar="R", help=REASON_HELP)
    parser.add_argument("--description", metavar="D", help="errorDescription for the client")
    parser.add_argument("--uri", metavar="U", help="errorUri for the client")
    parser.set_defaults(func=run)


def read_ticket(value: str) -> str:
    """The ticket itself, or the first line of stdin for ``-``."""
    if value != "-":
        return value
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def make_request(args: argparse.Namespace) -> BackchannelAuthenticationFailRequest:
    """The request the flags describe; ``UsageError`` (never echoing the ticket) if invalid."""
    try:
        return BackchannelAuthenticationFailRequest(
            ticket=read_ticket(args.ticket),
            reason=args.reason,
            error_description=args.description,
            error_uri=args.uri,
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


async def run(args: argparse.Namespace) -> int:
    """Send the request; 0 on an answer, 1 when none came."""
    client = build_client(args)  # configuration first: no stdin is read for nothing
    request = make_request(args)
    async with client:
        try:
            response = await client.backchannel_authentication_fail(request)
        except AuthleteError as error:
            note(f"ticket {ticket_ref(request.ticket)}: {error}")
            return 1
    print(json.dumps(converter.unstructure(response)), flush=True)
    return 0
