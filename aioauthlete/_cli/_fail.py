"""``aioauthlete fail``: fail one ticket and print Authlete's answer as wire JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from .._client import AuthleteClient
from .._converter import converter
from .._errors import AuthleteApiError, AuthleteError
from .._operations._fail import BackchannelAuthenticationFailRequest
from .._redact import ticket_ref
from ._common import MAX_TICKET, REASON_HELP, UsageError, note, reason
from ._misconfig import configuration_status, likely_cause
from ._records import http_status
from ._settings import build_client, client_options

if TYPE_CHECKING:
    from ._app import SubParsers

EPILOG = """\
Prints the answer on stdout as one JSON object with Authlete's camelCase keys and exits 0,
whatever its action (FORBIDDEN, BAD_REQUEST, INTERNAL_SERVER_ERROR: forward
responseContent to your client with that status). When no answer comes, prints one line on
stderr (and, when the error says nothing about the ticket, a line on what is likely
wrong) and exits 1. Wrong flags or configuration exit 2."""


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
    """The ticket itself, or the first line of stdin for ``-``; ``UsageError`` if absurd."""
    ticket = value
    if value == "-":  # read no more than a ticket could take
        ticket = sys.stdin.readline(MAX_TICKET + 3).rstrip("\r\n")
    if len(ticket) > MAX_TICKET:
        size = f"{len(ticket):,}" if value != "-" else f"over {MAX_TICKET:,}"
        raise UsageError(
            f"the ticket has {size} characters, more than the {MAX_TICKET:,} this command "
            "sends (Authlete's tickets have 43): is it the right input?"
        )
    return ticket


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
        except ValueError as exc:  # refused before sending: a body over the cap
            raise UsageError(str(exc)) from None
        except AuthleteError as error:
            note(f"ticket {ticket_ref(request.ticket)}: {error}")
            hint = _hint(error, client, request)
            if hint is not None:
                note(hint)
            return 1
    print(json.dumps(converter.unstructure(response)), flush=True)
    return 0


def _hint(
    error: AuthleteError, client: AuthleteClient, request: BackchannelAuthenticationFailRequest
) -> str | None:
    """What an error that says nothing about the ticket most likely means."""
    status = configuration_status(error)
    if status is not None:
        return likely_cause(status, client.base_url, client.service_id)
    if isinstance(error, AuthleteApiError) and error.status == 413:
        return (
            f"the server refused the request as too large ({http_status(413)}): the ticket "
            f"has {len(request.ticket):,} characters, the description "
            f"{len(request.error_description or ''):,} and the URI {len(request.error_uri or ''):,}"
        )
    return None
