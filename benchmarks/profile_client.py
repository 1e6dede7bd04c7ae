"""Where a single call's client CPU goes: cProfile over a closed loop against the server.

    .venv/bin/python -m benchmarks.profile_client --requests 20000 --concurrency 64

Prints the top functions by cumulative time, in microseconds per request, for
aioauthlete's single call and, with ``--raw``, for the raw aiohttp floor. cProfile slows
everything down (roughly 2x), so read the shares, not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
from collections.abc import Sequence

from .servers import describe, pin_client, start_server
from .variants import AioauthleteSingle, RawAiohttp, Variant


def profile(variant: Variant, requests: int, top: int) -> str:
    """Run *variant* for about *requests* calls under cProfile; the table as text."""
    with asyncio.Runner() as runner:
        variant.open(runner)
        try:
            variant.block(runner, 0.5)  # warm the pool up, unprofiled
            probe = variant.block(runner, 1.0)
            seconds = max(1.0, requests / max(probe.rps, 1.0))
            profiler = cProfile.Profile()
            profiler.enable()
            measured = variant.block(runner, seconds)
            profiler.disable()
        finally:
            variant.close(runner)
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative")
    entries = stats.stats  # type: ignore[attr-defined]
    rows = sorted(entries.items(), key=lambda item: item[1][3], reverse=True)
    lines = [
        f"{variant.name} at concurrency {variant.concurrency}: {measured.requests:,} requests, "
        f"{measured.rps:,.0f} req/s under the profiler",
        f"{'cum us/req':>10} {'own us/req':>10} {'calls/req':>9}  function",
    ]
    for (filename, line, name), (_, calls, own, cumulative, _) in rows[:top]:
        where = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        lines.append(
            f"{cumulative * 1e6 / measured.requests:>10.1f} {own * 1e6 / measured.requests:>10.1f}"
            f" {calls / measured.requests:>9.2f}  {where}:{line}({name})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_client")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--raw", action="store_true", help="profile raw aiohttp too")
    parser.add_argument("--server", choices=["auto", "nginx", "emulator"], default="auto")
    args = parser.parse_args(argv)
    print(pin_client())
    with start_server(args.server) as server:
        print(describe(server))
        chosen: list[Variant] = [AioauthleteSingle(server, args.concurrency)]
        if args.raw:
            chosen.insert(0, RawAiohttp(server, args.concurrency))
        for variant in chosen:
            print()
            print(profile(variant, args.requests, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
