"""Peak RSS of a client streaming many tickets, against ``asyncio.gather`` over all of them.

    .venv/bin/python -m benchmarks.stream_rss --sizes 10000,100000,1000000 --gather 100000

Each size runs in a fresh child process (pinned to CPU 0; the server runs in its own
process on CPU 1), because ``ru_maxrss`` is a high-water mark: one process per size keeps
the sizes from contaminating each other. The child reports its RSS after imports and
client creation (the baseline) and its peak after the run. A stream fed by a generator
should peak at the same RSS for every size; a gather grows with the ticket count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from aioauthlete import (
    AuthleteClient,
    BackchannelAuthenticationFailRequest,
    FailReason,
    TimeoutPolicy,
)
from aioauthlete._cli._load._report import error_kind

from .servers import describe, pin_client, start_server

RESULTS = Path(__file__).parent / "results"
TOKEN_VARIABLE = "AUTHLETE_SERVICE_ACCESSTOKEN"
GATHER_DEADLINE = 3600.0


def peak_rss_kib() -> int:
    """This process's peak RSS so far, in KiB (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def current_rss_kib() -> int:
    """This process's RSS now, in KiB (0 where /proc is missing)."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tickets(count: int) -> Iterator[BackchannelAuthenticationFailRequest]:
    """*count* requests made one at a time, never held together."""
    for index in range(count):
        yield BackchannelAuthenticationFailRequest(
            ticket=f"stream-rss-{index}", reason=FailReason.ACCESS_DENIED
        )


async def _stream(client: AuthleteClient, count: int, concurrency: int) -> Counter[str]:
    kinds: Counter[str] = Counter()
    stream = client.backchannel_authentication_fail_stream(tickets(count), concurrency=concurrency)
    async with contextlib.aclosing(stream):
        async for outcome in stream:
            kinds["answered" if outcome.error is None else error_kind(outcome.error)] += 1
    return kinds


async def _gather(client: AuthleteClient, count: int) -> Counter[str]:
    """The pattern the stream replaces: one task per ticket, all created at once."""
    results = await asyncio.gather(
        *(client.backchannel_authentication_fail(request) for request in tickets(count)),
        return_exceptions=True,
    )
    return Counter(
        error_kind(result) if isinstance(result, BaseException) else "answered"
        for result in results
    )


async def _child_main(args: argparse.Namespace) -> dict[str, Any]:
    # A gather queues every call at once, and queueing counts against each call's
    # deadline: with the default 10 s most of 100k calls would time out, so the gather
    # gets a deadline long enough for all of them and the comparison is about memory.
    timeout = TimeoutPolicy(total=GATHER_DEADLINE) if args.mode == "gather" else None
    client = AuthleteClient(
        base_url=args.base_url,
        service_id=args.service_id,
        access_token=os.environ[TOKEN_VARIABLE],
        max_connections=args.concurrency,
        timeout=timeout,
    )
    async with client:
        baseline_peak, baseline_now = peak_rss_kib(), current_rss_kib()
        start, cpu = time.perf_counter(), time.process_time()
        if args.mode == "stream":
            kinds = await _stream(client, args.size, args.concurrency)
        else:
            kinds = await _gather(client, args.size)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return {
        "mode": args.mode,
        "tickets": args.size,
        "concurrency": args.concurrency,
        "answered": kinds.pop("answered", 0),
        "failed": sum(kinds.values()),
        "errors": dict(kinds),
        "seconds": seconds,
        "rps": args.size / seconds if seconds > 0 else 0.0,
        "cpu_us_per_ticket": cpu_seconds * 1e6 / args.size if args.size else 0.0,
        "baseline_rss_kib": baseline_now,
        "baseline_peak_kib": baseline_peak,
        "peak_rss_kib": peak_rss_kib(),
        "final_rss_kib": current_rss_kib(),
    }


def child(argv: Sequence[str]) -> int:
    """One measurement in this (fresh) process; prints one JSON line."""
    parser = argparse.ArgumentParser(prog="stream_rss --child")
    parser.add_argument("mode", choices=["stream", "gather"])
    parser.add_argument("size", type=int)
    parser.add_argument("base_url")
    parser.add_argument("service_id")
    parser.add_argument("concurrency", type=int)
    args = parser.parse_args(argv)
    pin_client()
    print(json.dumps(asyncio.run(_child_main(args))), flush=True)
    return 0


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _row(result: dict[str, Any]) -> str:
    baseline, peak = result["baseline_rss_kib"], result["peak_rss_kib"]
    growth = peak - baseline
    per_ticket = growth * 1024 / result["tickets"] if result["tickets"] else 0.0
    return (
        f"{result['mode']:<7} {result['tickets']:>10,} {result['seconds']:>8.1f} "
        f"{result['rps']:>8,.0f} {baseline / 1024:>9.1f} {peak / 1024:>8.1f} "
        f"{growth / 1024:>9.1f} {per_ticket:>10.1f} {result['failed']:>7,}"
    )


HEADER = (
    f"{'mode':<7} {'tickets':>10} {'seconds':>8} {'req/s':>8} {'base MiB':>9} "
    f"{'peak MiB':>8} {'grew MiB':>9} {'B/ticket':>10} {'failed':>7}"
)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.stream_rss", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--gather", type=_sizes, default=[], metavar="SIZES", help="gather demo sizes, e.g. 100000"
    )
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--server", choices=["auto", "nginx", "emulator"], default="auto")
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    runs = [("stream", size) for size in args.sizes] + [("gather", size) for size in args.gather]
    with start_server(args.server) as server:
        print(describe(server))
        print(f"client: a fresh process per run, pinned to CPU 0, concurrency {args.concurrency}")
        print(HEADER, flush=True)
        env = {**os.environ, TOKEN_VARIABLE: server.access_token}
        for mode, size in runs:
            command = [sys.executable, "-m", "benchmarks.stream_rss", "--child", mode, str(size)]
            command += [server.base_url, server.service_id, str(args.concurrency)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{mode} {size}: the child failed\n{done.stderr}", file=sys.stderr)
                return 1
            result = json.loads(done.stdout.splitlines()[-1])
            results.append(result)
            print(_row(result), flush=True)
            if result["errors"]:
                print(f"        errors: {result['errors']}", flush=True)
    print("base = RSS after imports and client creation; peak = ru_maxrss after the run")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"stream_rss-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"server": describe(server), "runs": results}, indent=2))
    print(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
