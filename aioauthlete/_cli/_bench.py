"""``aioauthlete bench``: load the fail endpoint and report throughput, latency and CPU.

The default target is an emulator served from a thread of this process, so the command
works offline and the event loop's thread CPU still isolates the client's cost. A real
service is loaded only when asked (``--target env`` or ``--base-url``), never because
``AUTHLETE_*`` variables happen to be set: a demo must not hammer production. Its token
comes from the environment alone (``_settings``). Follows the contract in ``_app``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .._client import AuthleteClient
from .._operations._fail import BackchannelAuthenticationFailRequest, FailReason
from .._policies import RetryPolicy
from ..operations import FAIL
from ._common import REASON_HELP, UsageError, count, note, positive_float, positive_int, reason
from ._load._engine import run_load
from ._load._render import render_report
from ._load._report import LoadProgress, LoadReport
from ._loop import loop_name
from ._progress import Progress, wanted
from ._settings import build_client, client_options, policies

if TYPE_CHECKING:
    from .._operation import Operation
    from ._app import SubParsers

DEFAULT_CONCURRENCY = 64
DEFAULT_DURATION = 10.0
#: Without --attempts a failure is not retried: retries would hide it from the count.
DEFAULT_ATTEMPTS = 1
#: Tickets cycle through this many names: the emulator counts hits per ticket, and a
#: bounded set keeps its memory flat however long the run (any ticket gets an answer).
TICKET_POOL = 65_536

ClientFactory = Callable[[int], AuthleteClient]
RequestFactory = Callable[[int], object]

EPILOG = """\
The connection flags (--base-url --service-id --api-version --timeout --attempts) apply to
both targets. The report
gives client CPU per request twice: for the whole process (the emulator included when it
is the target) and for the event loop's thread alone (the client's own cost). Exits 0
when anything was answered, 1 when nothing was, 2 on wrong flags or configuration."""


def add_parser(subparsers: SubParsers) -> None:
    """Register ``bench``."""
    parser = subparsers.add_parser(
        "bench",
        parents=[client_options(attempts=f"{DEFAULT_ATTEMPTS} here, so that every failure counts")],
        help="load-test the fail endpoint (an in-process emulator by default)",
        description=(
            "Call the fail endpoint from a closed loop of --concurrency workers and report "
            "throughput, latency percentiles, a latency histogram and client CPU per "
            "request. Tickets are made up."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--target",
        choices=["emulator", "env"],
        default=None,
        help="emulator (the default unless --base-url is given) or env: the service that "
        "the AUTHLETE_* variables and the connection flags name",
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help="workers, each awaiting one call after another (default: %(default)s)",
    )
    limit = parser.add_mutually_exclusive_group()
    limit.add_argument(
        "--duration",
        type=positive_float,
        metavar="S",
        help=f"run for S seconds (default: {DEFAULT_DURATION:g} unless --requests is given)",
    )
    limit.add_argument("--requests", type=count, metavar="N", help="make exactly N calls")
    parser.add_argument(
        "--rate",
        type=positive_float,
        metavar="RPS",
        help="pace the calls to RPS per second overall (default: as fast as answered)",
    )
    parser.add_argument(
        "--reason",
        type=reason,
        default=FailReason.ACCESS_DENIED,
        metavar="R",
        help=f"the reason sent with every call, {REASON_HELP} (default: ACCESS_DENIED)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    """Run the benchmark; 0 when anything was answered, 1 when nothing was."""
    duration = args.duration
    if duration is None and args.requests is None:
        duration = DEFAULT_DURATION
    show = wanted(None, sys.stderr)
    with _target(args) as (label, make_client):
        bar = _Bar(Progress(args.requests, duration=duration)) if show else None
        report = await _bench(
            make_client,
            FAIL,
            _fail_requests(args.reason),
            args.concurrency,
            args.requests,
            duration,
            args.rate,
            bar,
        )
    loop = loop_name()
    if args.json:
        print(json.dumps({"target": label, "event_loop": loop, **report.as_dict()}, indent=2))
    else:
        print(f"target      {label}\nevent loop  {loop}\n{render_report(report)}")
    return 0 if report.answered or not report.requests else 1


def _fail_requests(fail_reason: FailReason) -> RequestFactory:
    """Fail requests for made-up tickets from a pool of ``TICKET_POOL`` names."""

    def make_request(index: int) -> BackchannelAuthenticationFailRequest:
        ticket = f"aioauthlete-bench-{index % TICKET_POOL}"
        return BackchannelAuthenticationFailRequest(ticket=ticket, reason=fail_reason)

    return make_request


async def _bench(
    make_client: ClientFactory,
    operation: Operation[Any, Any],
    make_request: RequestFactory,
    concurrency: int,
    requests: int | None,
    duration: float | None,
    rate: float | None,
    bar: _Bar | None,
) -> LoadReport:
    async with make_client(concurrency) as client:
        try:
            return await run_load(
                client,
                concurrency=concurrency,
                requests=requests,
                duration=duration,
                rate=rate,
                operation=operation,
                make_request=make_request,
                on_progress=None if bar is None else bar.update,
            )
        finally:
            if bar is not None:
                bar.finish()


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    """``retry``/``timeout`` from the flags, with one attempt unless --attempts says more."""
    chosen = policies(args)
    chosen.setdefault("retry", RetryPolicy(attempts=DEFAULT_ATTEMPTS))
    return chosen


@contextlib.contextmanager
def _target(args: argparse.Namespace) -> Iterator[tuple[str, ClientFactory]]:
    """The label and a client factory for the chosen target, serving it if need be."""
    base_url = getattr(args, "base_url", None)
    target = args.target or ("env" if base_url else "emulator")
    options = _client_options(args)
    if target == "env":
        probe = build_client(args, **options)  # UsageError now, before any I/O
        if args.rate is None:
            note(
                f"loading {probe.base_url} without --rate; Authlete documents 100 "
                "requests/s per token and answers 429 beyond"
            )
        yield (
            f"{probe.base_url} (service {probe.service_id})",
            lambda n: build_client(args, max_connections=n, **options),
        )
        return
    if base_url:
        raise UsageError("--base-url names a real service: use it with --target env")
    from ..testing import AuthleteEmulator  # only this target needs aiohttp.web

    service_id = getattr(args, "service_id", None)
    try:
        emulator = AuthleteEmulator(
            service_id=service_id, accept_any_ticket=True, history=0, environ={}
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    api_version = getattr(args, "api_version", None) or "V3"
    with emulator.serve_in_thread() as url:
        kwargs = emulator.client_kwargs(url, api_version=api_version)
        yield (
            f"emulator (in-process thread) at {url}",
            lambda n: AuthleteClient(**kwargs, max_connections=n, **options),
        )


class _Bar:
    """The batch commands' progress bar fed by the engine's progress reports: every call
    is sent this run, so the done and sent counts are the same."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._last = LoadProgress(elapsed=0.0, completed=0, answered=0, errors=0)

    def update(self, state: LoadProgress) -> None:
        self._last = state
        self._progress.update(state.completed, state.completed, state.errors)

    def finish(self) -> None:
        """The last state reported, and the end of the line."""
        last = self._last
        self._progress.finish(last.completed, last.completed, last.errors)
