"""Which event loop the commands run on: uvloop when it is installed, unless told otherwise.

The library never picks a loop (that is the application's call); the command line is an
application, and on uvloop it makes about a tenth more requests per second of CPU. The
``uvloop`` extra installs it (``pip install 'aioauthlete[uvloop]'``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ._common import UsageError

CHOICES = ("auto", "asyncio", "uvloop")

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory(choice: str) -> LoopFactory | None:
    """The factory for ``asyncio.Runner``: ``None`` means asyncio's default loop."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise UsageError(
                "--loop uvloop needs uvloop: pip install 'aioauthlete[uvloop]'"
            ) from None
        return None
    return uvloop.new_event_loop


def loop_name() -> str:
    """The running loop as the reports name it (``asyncio`` or ``uvloop``)."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.startswith("uvloop") else "asyncio"
