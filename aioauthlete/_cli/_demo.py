"""``aioauthlete demo``: a batch of fails end to end, then the whole CIBA flow.

With no token or secret in the environment (or with ``--emulator``) it serves the built-in
emulator on a loopback port in this process, seeds tickets, and fails them with a mix of
reasons so that every action shows; two injected 503s show a retry at work. Then it runs
examples/ciba_server.py's flow in the three delivery modes (``_flow``; ``--flow`` runs
that alone). Pointed at a real Authlete it fails the tickets of ``--file`` and never
invents any, and runs no flow: the flow needs the emulator's clients.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import sys
from collections.abc import AsyncIterable, AsyncIterator, Awaitable
from typing import TYPE_CHECKING

from .._client import AuthleteClient
from .._converter import converter
from .._operations._fail import BackchannelAuthenticationFailResponse, FailAction, FailReason
from .._outcome import FailOutcome
from ._batch import add_batch_options, batch_client, check_batch_options
from ._common import REASON_HELP, UsageError, plural, positive_int, reason
from ._input import FORMATS, Row, RowReader, build_row, detect_format
from ._output import ResultWriter, is_stream
from ._progress import Progress, wanted
from ._reader import InputFile
from ._runner import BatchRunner
from ._settings import client_options, has_credentials, policies
from ._summary import Tally, format_summary

if TYPE_CHECKING:
    from ..testing import AuthleteEmulator
    from ._app import SubParsers

#: The demo's reasons, one per ticket in turn: every action shows in the summary.
MIX = (
    FailReason.ACCESS_DENIED,
    FailReason.UNKNOWN_USER_ID,
    FailReason.ACCESS_DENIED,
    FailReason.EXPIRED_LOGIN_HINT_TOKEN,
    FailReason.SERVER_ERROR,
)
INJECTED_503 = 2
DESCRIPTION = """\
Fail a batch of tickets end to end and show what came back, then run a CIBA server's
whole flow. With no token or secret in the environment (or with --emulator) it serves
the built-in emulator on a loopback port, seeds tickets and fails them with a mix of
reasons, so that every action shows; then examples/ciba_server.py serves a CIBA client
in poll, ping and push mode on that emulator, every message printed (secrets hidden).
--flow runs the flow alone, always on a built-in emulator. Pointed at a real Authlete
by the AUTHLETE_* variables, it fails the tickets of --file there, never invents any,
and runs no flow."""
NEXT_STEP = "aioauthlete fail-batch tickets.csv --output results.jsonl (see docs/cli.md)"


def add_parser(subparsers: SubParsers) -> None:
    """Register ``demo``."""
    parser = subparsers.add_parser(
        "demo",
        parents=[client_options()],
        help="watch a batch fail 1000 tickets, then a CIBA flow in three modes (built-in emulator)",
        description=DESCRIPTION,
    )
    parser.add_argument(
        "--tickets",
        type=positive_int,
        default=1000,
        metavar="N",
        help="tickets to seed in the emulator (default %(default)s)",
    )
    parser.add_argument("--file", metavar="F", help="real tickets to fail instead (any format)")
    parser.add_argument("--format", choices=FORMATS, help="format of --file (default: by name)")
    parser.add_argument(
        "--reason",
        type=reason,
        default=FailReason.ACCESS_DENIED,
        metavar="R",
        help=f"reason for --file rows without one (default ACCESS_DENIED): {REASON_HELP}",
    )
    parser.add_argument(
        "--emulator", action="store_true", help="use the emulator even if Authlete is configured"
    )
    parser.add_argument(
        "--flow",
        action="store_true",
        help="only the CIBA flow (poll, ping, push) of examples/ciba_server.py, on an emulator",
    )
    parser.add_argument("-o", "--output", metavar="OUT.jsonl", help="also append results here")
    add_batch_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> Awaitable[int]:
    """Pick the target; refuse to invent tickets for a real Authlete."""
    check_batch_options(args)
    if args.flow:
        return _flow()
    if args.emulator or not has_credentials():
        return _with_emulator(args)
    if args.file is None:
        raise UsageError(
            "Authlete is configured in the environment, and the demo never invents tickets "
            "for a real service: give --file with real tickets, or --emulator"
        )
    client = batch_client(args)
    return _demo(args, client, f"Authlete at {client.base_url}")


async def _with_emulator(args: argparse.Namespace) -> int:
    from ..testing import AuthleteEmulator

    emulator = AuthleteEmulator(accept_any_ticket=args.file is not None)
    if args.file is None:  # the seeded run shows a retry; a file of tickets runs plain
        emulator.faults.fail_next(INJECTED_503, status=503, retry_after=0)
    async with emulator.serve() as base_url:
        client = AuthleteClient(
            **emulator.client_kwargs(base_url),
            **policies(args),
            max_connections=max(100, args.concurrency),
        )
        status = await _demo(args, client, f"the built-in emulator at {base_url}", emulator)
    if args.file is not None:
        return status
    print(file=sys.stdout)
    return max(status, await _flow())


async def _flow() -> int:
    """The CIBA flow on an emulator of its own; 1 if an exchange did not end as it should."""
    from ._flow import run_flow

    return 0 if await run_flow(sys.stdout) else 1


async def _demo(
    args: argparse.Namespace,
    client: AuthleteClient,
    target: str,
    emulator: AuthleteEmulator | None = None,
) -> int:
    out = sys.stdout
    samples: dict[FailAction, BackchannelAuthenticationFailResponse] = {}

    def keep_sample(_: Row, outcome: FailOutcome) -> None:
        if outcome.response is not None:
            samples.setdefault(outcome.response.action, outcome.response)

    tally = Tally()
    async with contextlib.AsyncExitStack() as stack:
        rows = await _rows(args, stack, emulator)
        print(f"Failing {_what(args)} at {target},", file=out)
        print(f"{args.concurrency} at a time, with Authlete's answer for each.", file=out)
        if emulator is not None and args.file is None:
            print(_emulator_story(), file=out)
        out.flush()
        writer = None
        if args.output is not None:
            writer = ResultWriter.open(args.output, marks=not is_stream(args.output))
            stack.callback(writer.close)
        progress = Progress(_total(args)) if wanted(args.progress, sys.stderr) else None
        async with client:
            runner = BatchRunner(
                client,
                tally,
                concurrency=args.concurrency,
                rate=args.rate,
                burst=args.burst,
                writer=writer,
                progress=progress,
                on_outcome=keep_sample,
            )
            await runner.run(rows)
    _report(tally, samples)
    return 0 if tally.all_ok else 1


async def _rows(
    args: argparse.Namespace, stack: contextlib.AsyncExitStack, emulator: AuthleteEmulator | None
) -> AsyncIterable[Row]:
    if args.file is None:
        assert emulator is not None
        return _seeded(emulator.tickets.issue_tickets(args.tickets))
    source = InputFile.open(args.file)
    stack.callback(source.close)
    reader = RowReader(source, detect_format(args.file, args.format), args.reason)
    stack.push_async_callback(reader.aclose)
    await reader.start()
    return reader


async def _seeded(tickets: list[str]) -> AsyncIterator[Row]:
    for index, (ticket, why) in enumerate(zip(tickets, itertools.cycle(MIX), strict=False)):
        yield build_row(index, index + 1, {"ticket": ticket, "reason": why.value}, None)


def _what(args: argparse.Namespace) -> str:
    return (
        f"the tickets of {args.file}" if args.file is not None else plural(args.tickets, "ticket")
    )


def _total(args: argparse.Namespace) -> int | None:
    return args.tickets if args.file is None else None


def _emulator_story() -> str:
    reasons = ", ".join(dict.fromkeys(MIX))
    return (
        f"Reasons take turns: {reasons}.\n"
        f"The emulator answers the first {INJECTED_503} requests with 503 (Retry-After: 0), "
        "which the client retries."
    )


def _report(tally: Tally, samples: dict[FailAction, BackchannelAuthenticationFailResponse]) -> None:
    out = sys.stdout
    print("", file=out)
    for line in format_summary(tally, "demo"):
        print(line, file=out)
    if samples:
        print("\nSample answers: your backchannel endpoint returns responseContent", file=out)
        print("to its client with the HTTP status of the action.", file=out)
    for action, response in sorted(samples.items(), key=lambda item: item[0].status_code):
        print(f"  {action.value} -> HTTP {action.status_code}", file=out)
        print(f"    {json.dumps(converter.unstructure(response))}", file=out)
    print(f"\nYour own tickets: {NEXT_STEP}", file=out)
    out.flush()
