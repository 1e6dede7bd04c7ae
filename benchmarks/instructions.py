"""Instructions per request under callgrind: a repeatable measure of the client's cost.

CPU time on these shared VMs drifts by tens of percent from one minute to the next;
instruction counts do not. Each variant runs twice under ``valgrind --tool=callgrind`` in
a fresh process, once with a warm-up only and once with *requests* more calls; the
difference divided by *requests* is the cost of one call, start-up and imports cancelled
out. The server runs outside valgrind (nginx, else the emulator).

    .venv/bin/python -m benchmarks.instructions                # every variant
    .venv/bin/python -m benchmarks.instructions --variants raw,single,stream
    .venv/bin/python -m benchmarks.instructions --variants single --requests 4000

One variant takes about a minute (valgrind runs Python some fifty times slower).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import aiohttp

from aioauthlete import (
    AuthleteClient,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationIssueRequest,
)
from aioauthlete._cli._load._engine import default_request, run_calls

from .servers import describe, start_server

CONCURRENCY = 64
WARM_UP = 200
VARIANTS = ("raw", "single", "stream", "raw-issue", "issue")
#: What each variant's ratio is to: the raw loop making the same call.
FLOORS = {"single": "raw", "stream": "raw", "issue": "raw-issue"}
_COLLECTED = re.compile(r"Collected : (\d+)")


async def _workload(variant: str, requests: int, base_url: str, token: str, sid: str) -> None:
    """Warm up (connections, caches), then make *requests* calls of *variant*."""
    url = f"{base_url}/api/{sid}/backchannel/authentication/fail"
    issue_url = f"{base_url}/api/{sid}/backchannel/authentication/issue"
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        AuthleteClient(
            base_url=base_url, service_id=sid, access_token=token, max_connections=CONCURRENCY
        ) as client,
    ):

        def posting(target: str, body: Callable[[int], str]) -> Callable[[int], Awaitable[str]]:
            """The raw floor: *body* for a ticket number, posted to *target* by hand."""

            async def raw(index: int) -> str:
                async with session.post(
                    target, data=body(index).encode(), headers=headers
                ) as response:
                    data = await response.read()
                action: str = json.loads(data)["action"]
                return action

            return raw

        raw = posting(
            url, lambda i: f'{{"ticket":"aioauthlete-load-{i}","reason":"ACCESS_DENIED"}}'
        )
        raw_issue = posting(issue_url, lambda i: f'{{"ticket":"aioauthlete-load-{i}"}}')

        async def issue(index: int) -> str:
            request = BackchannelAuthenticationIssueRequest(ticket=f"aioauthlete-load-{index}")
            response = await client.backchannel_authentication_issue(request)
            return response.action

        async def single(index: int) -> str:
            response = await client.backchannel_authentication_fail(default_request(index))
            return response.action

        async def stream(count: int) -> None:
            def inputs() -> Iterator[BackchannelAuthenticationFailRequest]:
                return (default_request(i) for i in range(count))

            outcomes = client.backchannel_authentication_fail_stream(
                inputs(), concurrency=CONCURRENCY
            )
            async with contextlib.aclosing(outcomes):
                async for outcome in outcomes:
                    if not outcome.ok:
                        raise RuntimeError(f"a call failed: {outcome.error}")

        calls: dict[str, Callable[[int], Awaitable[str]]] = {
            "raw": raw,
            "single": single,
            "raw-issue": raw_issue,
            "issue": issue,
        }
        for count in (WARM_UP, requests):
            if not count:
                continue
            if variant == "stream":
                await stream(count)
            else:
                await run_calls(calls[variant], concurrency=CONCURRENCY, requests=count)


def collected(command: list[str], out: Path, env: dict[str, str] | None = None) -> int:
    """The instructions *command* executes under callgrind (its profile in *out*)."""
    valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    done = subprocess.run(valgrind + command, env=env, capture_output=True, text=True, check=True)
    match = _COLLECTED.search(done.stderr)
    if match is None:
        raise RuntimeError(f"callgrind printed no total:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def per_request(variant: str, requests: int, base_url: str, token: str, sid: str) -> float:
    """Instructions one call of *variant* costs, from two callgrind runs."""
    with tempfile.TemporaryDirectory() as directory:
        totals = []
        for count in (0, requests):
            command = [sys.executable, "-m", "benchmarks.instructions", "--workload"]
            command += [variant, str(count), base_url, token, sid]
            totals.append(collected(command, Path(directory) / f"{variant}.{count}"))
    return (totals[1] - totals[0]) / requests


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=",".join(VARIANTS))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--server", choices=["auto", "nginx", "emulator"], default="auto")
    parser.add_argument("--workload", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workload:
        variant, count, base_url, token, sid = args.workload
        asyncio.run(_workload(variant, int(count), base_url, token, sid))
        return 0
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (apt-get install -y valgrind)")
    variants = [v for v in args.variants.split(",") if v]
    if not set(variants) <= set(VARIANTS):
        parser.error(f"variants are {', '.join(VARIANTS)}")
    with start_server(args.server) as server:
        print(describe(server), flush=True)
        costs = {}
        for variant in variants:
            costs[variant] = per_request(
                variant, args.requests, server.base_url, server.access_token, server.service_id
            )
            floor = FLOORS.get(variant)
            ratio = f"  {costs[variant] / costs[floor]:.3f}x {floor}" if floor in costs else ""
            print(f"{variant:9s} {costs[variant]:10,.0f} instructions/request{ratio}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
