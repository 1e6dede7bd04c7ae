"""Compare aioauthlete with raw aiohttp and Authlete's official SDK on one server.

    .venv/bin/python -m benchmarks.harness --quick

Every variant runs in this one process, pinned to CPU 0, against a server pinned to CPU 1,
in short alternating blocks: each round runs every variant once, in an order rotated per
round, and ratios to raw aiohttp are taken within a round before their median is
reported (see ``stats``). Results are printed and written to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import attrs

from .servers import describe, pin_client, start_server
from .stats import Block, render_table, scaling, sdk_comparison, summarize
from .variants import Variant, sdk_available, variants_for

RESULTS = Path(__file__).parent / "results"
QUICK = {"rounds": 3, "block_seconds": 0.7, "warmup_seconds": 0.2}
#: Many short rounds rather than a few long ones: a block's CPU per request drifts by tens
#: of percent on these VMs, and the median of 21 paired ratios moves far less than that of 7.
FULL = {"rounds": 21, "block_seconds": 0.6, "warmup_seconds": 1.0}


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("concurrency levels must be 1 or more")
    return levels


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.harness", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of under a minute")
    parser.add_argument("--rounds", type=int, help="rounds per concurrency (quick 3, full 21)")
    parser.add_argument("--block-seconds", type=float, help="seconds per block (0.7 / 0.6)")
    parser.add_argument("--warmup-seconds", type=float, help="unmeasured block per variant")
    parser.add_argument(
        "--concurrency", type=_levels, default=[1, 16, 64, 256], help="e.g. 1,16,64,256"
    )
    parser.add_argument("--server", choices=["auto", "nginx", "emulator"], default="auto")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop's event loop")
    parser.add_argument("--no-sdk", action="store_true", help="leave the official SDK out")
    parser.add_argument("--no-issue", action="store_true", help="leave the issue call out")
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="run every concurrency in every round (for ratios between levels)",
    )
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.rounds < 1 or args.block_seconds <= 0 or args.warmup_seconds < 0:
        parser.error("--rounds must be 1 or more and --block-seconds above 0")
    return args


def loop_factory(use_uvloop: bool) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when asked for (and installed), else asyncio's default."""
    if not use_uvloop:
        return None
    try:  # imported by name: uvloop is optional and has no stubs to check against
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        sys.exit("--uvloop: uvloop is not installed (pip install uvloop)")
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run_levels(
    runner: asyncio.Runner, groups: list[list[Variant]], args: argparse.Namespace
) -> list[Block]:
    """Warm every variant up, then run the rounds; variants stay open throughout.

    *groups* holds one list of variants per concurrency. Each round runs every variant of
    every group once, in an order rotated per round, so that levels measured together
    (``--interleave``) see the same drift of the machine, as variants of one level do.
    """
    blocks: list[Block] = []
    variants = [variant for group in groups for variant in group]
    for variant in variants:
        variant.open(runner)
    try:
        if args.warmup_seconds:
            for variant in variants:
                variant.block(runner, args.warmup_seconds)
        for number in range(args.rounds):
            for group in groups[number % len(groups) :] + groups[: number % len(groups)]:
                shift = number % len(group)
                for variant in group[shift:] + group[:shift]:
                    measure = variant.block(runner, args.block_seconds)
                    blocks.append(Block(variant.name, variant.concurrency, number, measure))
    finally:
        for variant in variants:
            variant.close(runner)
    return blocks


def environment(args: argparse.Namespace, server_line: str, pin_line: str) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "platform": platform.platform(),
        "server": server_line,
        "client": pin_line,
        "event_loop": "uvloop" if args.uvloop else "asyncio",
        "rounds": args.rounds,
        "block_seconds": args.block_seconds,
        "warmup_seconds": args.warmup_seconds,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    pin_line = pin_client()
    sdk = not args.no_sdk and sdk_available()
    issue = not args.no_issue
    variant_count = 3 + sdk + 2 * issue
    estimate = (
        len(args.concurrency)
        * variant_count
        * (args.rounds * args.block_seconds + args.warmup_seconds)
    )
    with start_server(args.server) as server:
        server_line = describe(server)
        print(server_line)
        print(f"{pin_line}; event loop: {'uvloop' if args.uvloop else 'asyncio'}")
        if not sdk:
            print("official SDK: left out" + ("" if args.no_sdk else " (pip install authlete)"))
        print(
            f"{args.rounds} rounds x {args.block_seconds:g} s per variant and concurrency "
            f"{','.join(map(str, args.concurrency))}; about {estimate:.0f} s",
            flush=True,
        )
        blocks: list[Block] = []
        started = time.monotonic()
        groups = [variants_for(server, level, sdk=sdk, issue=issue) for level in args.concurrency]
        with asyncio.Runner(loop_factory=loop_factory(args.uvloop)) as runner:
            if args.interleave:
                blocks = run_levels(runner, groups, args)
            else:
                for group in groups:
                    blocks += run_levels(runner, [group], args)
                    level = group[0].concurrency
                    print(f"  concurrency {level} done ({time.monotonic() - started:.0f} s)")
    rows = summarize(blocks)
    comparison = sdk_comparison(rows)
    print()
    print(render_table(rows))
    print()
    print(
        "thr/raw, CPU/raw: medians of per-round ratios to raw-aiohttp at the same concurrency"
        " (the -issue variants: to raw-aiohttp-issue)"
    )
    for line in comparison:
        print(line)
    levels = set(args.concurrency)
    if {64, 256} <= levels:
        how = "per-round pairs" if args.interleave else "levels run apart: --interleave pairs them"
        print(f"CPU per request, concurrency 256 over 64 ({how}):")
        for line in scaling(blocks):
            print(f"  {line}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"harness-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {
        "environment": environment(args, server_line, pin_line),
        "rows": [attrs.asdict(row) for row in rows],
        "sdk_comparison": comparison,
        "blocks": [attrs.asdict(block) for block in blocks],
    }
    path.write_text(json.dumps(record, indent=2))
    print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
