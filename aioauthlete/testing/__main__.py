"""``python -m aioauthlete.testing``: serve the emulator until Ctrl-C.

Prints ``base_url <url>`` and one ``ticket <ticket>`` line per seeded ticket on stdout,
so scripts can read them; notes for people go to stderr. Credentials come from the
``AUTHLETE_*`` variables or the emulator's ``DEFAULT_*`` values, and are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ._emulator import LOOPBACK, AuthleteEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aioauthlete.testing",
        description="Serve an emulator of Authlete's backchannel authentication fail API.",
    )
    parser.add_argument("--host", default=LOOPBACK, help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument("--tickets", type=int, default=3, metavar="N", help="tickets to seed")
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="S", help="seconds added to each answer"
    )
    parser.add_argument(
        "--accept-any-ticket",
        action="store_true",
        help="treat every non-empty ticket as live (for demos and load tests)",
    )
    return parser


def _announce(base_url: str, tickets: Sequence[str], emulator: AuthleteEmulator) -> None:
    lines = [f"base_url {base_url}", *(f"ticket {t}" for t in tickets)]
    print("\n".join(lines), flush=True)
    print(
        f"serving service {emulator.service_id}; press Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until interrupted; return the exit status."""
    args = _parser().parse_args(argv)
    if args.tickets < 0:
        _parser().error("--tickets must be 0 or more")
    emulator = AuthleteEmulator(accept_any_ticket=args.accept_any_ticket)
    try:
        emulator.faults.latency = args.latency
    except ValueError as exc:
        _parser().error(str(exc))
    tickets = emulator.tickets.issue_tickets(args.tickets)
    try:
        asyncio.run(
            emulator.serve_forever(
                args.host, args.port, on_ready=lambda url: _announce(url, tickets, emulator)
            )
        )
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
