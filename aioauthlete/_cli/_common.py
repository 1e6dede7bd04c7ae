"""What every subcommand shares: the usage error, argparse value types, stderr notes.

Kept free of I/O and of the client, so that any subcommand module (``_bench`` included)
can import it without pulling in the others.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TextIO

from .._operations._fail import FailReason

PROG = "aioauthlete"


class UsageError(Exception):
    """A wrong flag, input or configuration: one line on stderr and exit status 2."""


class InputError(UsageError):
    """An input file that cannot be trusted, or read any further (it names the line)."""


#: The longest ticket the commands send. Authlete's tickets are 43 characters long; a
#: longer "ticket" is some other text, and a huge one would only earn an HTTP 413.
MAX_TICKET = 4096


def note(message: str, stream: TextIO | None = None) -> None:
    """Write one line for people on stderr (never a raw ticket or a credential)."""
    print(f"{PROG}: {message}", file=sys.stderr if stream is None else stream, flush=True)


def plural(count: int, noun: str) -> str:
    """``1 ticket``, ``2 tickets``, ``1,000 tickets``: a count with its noun agreeing."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    return _whole(text, 1)


def count(text: str) -> int:
    """An argparse type: a whole number of 0 or more."""
    return _whole(text, 0)


def _finite(text: str, *, zero_ok: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        bound = ", 0 or more" if zero_ok else " above 0"
        raise argparse.ArgumentTypeError(f"must be a finite number{bound}, not {text}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number above 0 (seconds, requests per second)."""
    return _finite(text, zero_ok=False)


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number of 0 or more (a latency, say)."""
    return _finite(text, zero_ok=True)


def parse_reason(text: str) -> FailReason:
    """A reason by its wire name, in any case (``access_denied`` works too)."""
    try:
        return FailReason(text.strip().upper())
    except ValueError:
        raise ValueError(f"unknown reason {text[:40]!r}") from None


def reason(text: str) -> FailReason:
    """An argparse type for ``--reason``, listing the valid names on error."""
    try:
        return parse_reason(text)
    except ValueError as exc:
        names = ", ".join(FailReason)
        raise argparse.ArgumentTypeError(f"{exc}; choose one of {names}") from None


REASON_HELP = "one of " + ", ".join(FailReason) + " (any case)"
