"""The one-line progress bar of ``fail-batch``, ``demo`` and ``bench`` on stderr: done/total
(or, for a run of a set duration, done and the time), rate, ETA and errors.

Redrawn at most ``INTERVAL`` apart (ten times a second) however fast results come, since
every redraw is a write to the terminal. Shown by default only when stderr is a terminal,
so logs and pipes never fill with carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

INTERVAL = 0.1
WIDTH = 24


def wanted(choice: bool | None, stream: TextIO) -> bool:
    """``--progress``/``--no-progress`` when given, else whether *stream* is a terminal."""
    if choice is not None:
        return choice
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """The bar for one run; ``update`` after each row, ``finish`` once at the end.

    It fills with *total* rows when that is known, else with the clock when the run lasts
    *duration* seconds, else it only counts.
    """

    def __init__(
        self, total: int | None, stream: TextIO | None = None, *, duration: float | None = None
    ) -> None:
        self.total = total
        self.duration = duration
        self._stream = sys.stderr if stream is None else stream
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._width = 0
        self.draws = 0

    def update(self, done: int, sent: int, errors: int) -> None:
        """Redraw if ``INTERVAL`` has passed: *done* rows, *sent* this run, *errors*."""
        now = time.monotonic()
        if now - self._drawn_at >= INTERVAL:
            self._drawn_at = now
            self._draw(done, sent, errors, now)

    def finish(self, done: int, sent: int, errors: int) -> None:
        """Draw the final state and end the line."""
        self._draw(done, sent, errors, time.monotonic())
        self._stream.write("\n")
        self._stream.flush()

    def _draw(self, done: int, sent: int, errors: int, now: float) -> None:
        text = self.render(done, sent, errors, max(now - self._started, 1e-9))
        padding = " " * max(0, self._width - len(text))  # wipe what a longer line left
        self._width = len(text)
        self._stream.write(f"\r{text}{padding}")
        self._stream.flush()
        self.draws += 1

    def render(self, done: int, sent: int, errors: int, seconds: float) -> str:
        """The bar's text (without the carriage return)."""
        rate = sent / seconds
        parts, left = self._position(done, rate, seconds)
        parts.append(f"{rate:,.0f}/s")
        if left is not None:
            parts.append(f"ETA {_clock(left)}")
        parts.append(f"errors {errors:,}")
        return "  ".join(parts)

    def _position(self, done: int, rate: float, seconds: float) -> tuple[list[str], float | None]:
        """The bar and how far along it is; the seconds left, when they can be told."""
        if self.total is not None:
            total = max(self.total, done)  # the pre-count is an estimate
            filled = WIDTH * done // total if total else WIDTH
            percent = 100 * done // total if total else 100
            left = (total - done) / rate if rate > 0 else None
            return [f"{_bar(filled)} {done:,}/{total:,}", f"{percent:>3}%"], left
        if self.duration is not None:
            fraction = min(1.0, seconds / self.duration)
            bar = f"{_bar(int(WIDTH * fraction))} {done:,} done"
            return [bar, f"{int(100 * fraction):>3}%"], max(0.0, self.duration - seconds)
        return [f"{done:,} done"], None


def _bar(filled: int) -> str:
    return f"[{'#' * filled}{'.' * (WIDTH - filled)}]"


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
