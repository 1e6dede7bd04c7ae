"""``aioauthlete fail-batch``: fail every ticket of a file, one result line each, resumable.

Everything that can be checked without the network (flags, configuration, the input, the
results file) is checked before the event loop starts, so a mistake costs nothing and
Ctrl-C during a long resume scan is an ordinary ``KeyboardInterrupt``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from .._client import AuthleteClient
from ._batchrun import Plan, execute
from ._common import REASON_HELP, UsageError, note, plural, positive_float, positive_int, reason
from ._input import FORMATS, check_default_reason, detect_format
from ._output import ResultWriter, is_stream
from ._previous import load, repair
from ._progress import Progress, wanted
from ._reader import InputFile
from ._resume import ResumeIndex
from ._settings import build_client, client_options

if TYPE_CHECKING:
    from ._app import SubParsers

DEFAULT_CONCURRENCY = 16

EPILOG = """\
input formats:
  lines   one ticket per line (needs --reason)
  csv     a header row naming ticket, reason, errorDescription, errorUri (others ignored)
  jsonl   one JSON object per line with those keys
  chosen by the extension (.csv, .jsonl) unless --format says otherwise.

output: one JSON object per line and ticket, written as each completes:
  index line ticket ok action|error resultCode status attempts ambiguous elapsed definitive
and, before each request goes out, a sent mark: {"index":..,"line":..,"ticket":..,"sent":true}.
Rerunning with the same --output skips tickets whose last result is definitive (an answer,
an unusable answer, an invalid row, a 400) and retries the others; a ticket marked as sent
without a result is sent again, its result marked ambiguous. An existing --output that is not
a results file is refused, untouched.

The first SIGINT/SIGTERM sends no more tickets and lets the calls in flight finish; a second
stops at once. A batch whose first 10 answers are all the same 401, 403 or 404 stops, with a
hint on what is wrong.

exit status: 0 every ticket has an answer, 1 some have not (or the results could not be
written), 2 usage or configuration error (or a configuration Authlete refused), 130/143
interrupted by SIGINT/SIGTERM (the results file stays valid)."""


def add_parser(subparsers: SubParsers) -> None:
    """Register ``fail-batch``."""
    parser = subparsers.add_parser(
        "fail-batch",
        parents=[client_options()],
        help="fail every ticket of a file (lines, CSV or JSONL), resumable",
        description="Fail many tickets, recording one JSON line per ticket in --output.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the tickets; '-' reads stdin")
    add_batch_options(parser)
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT.jsonl", help="results file (appended to)"
    )
    parser.add_argument("--format", choices=FORMATS, help="input format (default: by extension)")
    parser.add_argument(
        "--reason", type=reason, metavar="R", help=f"reason for rows without one: {REASON_HELP}"
    )
    parser.set_defaults(func=run)


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """``--concurrency --rate --burst --progress``: shared with ``demo``."""
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help="calls in flight at once (default %(default)s)",
    )
    parser.add_argument(
        "--rate", type=positive_float, metavar="RPS", help="at most RPS calls per second"
    )
    parser.add_argument(
        "--burst", type=positive_int, metavar="B", help="calls allowed at once above --rate"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only when stderr is a terminal)",
    )


def check_batch_options(args: argparse.Namespace) -> None:
    if args.burst is not None and args.rate is None:
        raise UsageError("--burst needs --rate")


def batch_client(args: argparse.Namespace) -> AuthleteClient:
    """The client, with a pool large enough for ``--concurrency``."""
    return build_client(args, max_connections=max(100, args.concurrency))


def run(args: argparse.Namespace) -> Awaitable[int]:
    """Check and prepare everything, then hand the batch to the event loop."""
    check_batch_options(args)
    fmt = detect_format(args.file, args.format)
    check_default_reason(fmt, args.reason)  # before any file is opened
    _check_paths(args.file, args.output)
    client = batch_client(args)
    source = InputFile.open(args.file)
    try:
        stream = is_stream(args.output)
        resumed = ResumeIndex() if stream else _resume(args.output)
        show = wanted(args.progress, sys.stderr)
        progress = Progress(source.count_lines()) if show else None
        if progress is not None and progress.total is not None and fmt == "csv":
            progress.total = max(0, progress.total - 1)  # the header
        if stream:
            note(f"{args.output} is not a regular file: results go there, but cannot be resumed")
        writer = ResultWriter.open(args.output, marks=not stream)  # a FIFO waits for a reader
    except BaseException:
        source.close()
        raise
    plan = Plan(client, source, fmt, args.reason, args.output, resumed, progress, writer)
    return execute(plan, args.concurrency, args.rate, args.burst)


def _check_paths(input_path: str, output: str) -> None:
    both = input_path != "-" and os.path.exists(output) and os.path.exists(input_path)
    if both and os.path.samefile(input_path, output):
        raise UsageError("--output must not be the input file")


def _resume(output: str) -> ResumeIndex:
    removed = repair(output)
    if removed:
        note(f"{output}: removed a partial last line ({plural(removed, 'byte')}) left by a crash")
    resumed = load(output)
    for line in resumed.report(output):
        note(line)
    return resumed.index
