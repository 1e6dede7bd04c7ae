"""SIGINT and SIGTERM as a running command sees them: wind down first, stop dead second.

By default a signal cancels the command's task at once. A command whose work is worth
finishing (a batch with calls in flight, whose answers would otherwise be lost) registers
a wind-down callback with ``winding_down``: the first signal then calls it instead, and
only a second signal, or the command itself, cancels the task. ``current()`` is the
``Interrupt`` of the command running in this task, or None outside ``_app``'s runner.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Iterator

_CURRENT: contextvars.ContextVar[Interrupt | None] = contextvars.ContextVar(
    "aioauthlete_cli_interrupt", default=None
)


class Interrupt:
    """The signals received while one command's task runs, and what they do to it."""

    def __init__(self, task: asyncio.Task[object]) -> None:
        self._task = task
        self._wind_down: Callable[[int], object] | None = None
        #: The first signal received (SIGINT or SIGTERM), None while there was none.
        self.signum: int | None = None

    def __call__(self, signum: int) -> None:
        """The signal handler: wind down on the first signal if asked to, else cancel."""
        first = self.signum is None
        if first:
            self.signum = signum
        if first and self._wind_down is not None:
            self._wind_down(signum)
            return
        self._task.cancel()

    @property
    def status(self) -> int | None:
        """The exit status the signal asks for (128 + its number), None without one."""
        return None if self.signum is None else 128 + self.signum

    @contextlib.contextmanager
    def winding_down(self, callback: Callable[[int], object]) -> Iterator[None]:
        """While the body runs, the first signal calls *callback* instead of cancelling."""
        saved = self._wind_down
        self._wind_down = callback
        try:
            yield
        finally:
            self._wind_down = saved


@contextlib.contextmanager
def installed(interrupt: Interrupt) -> Iterator[None]:
    """Make *interrupt* the one ``current()`` returns in this task's context."""
    token = _CURRENT.set(interrupt)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Interrupt | None:
    """The running command's ``Interrupt`` (None when no runner installed one)."""
    return _CURRENT.get()
