"""Serving the emulator from a daemon thread with its own event loop.

Sync tests, code on another event loop and the pytest fixture all need a server that keeps
answering while the caller's thread blocks; a thread with its own loop gives exactly that.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

ServeFactory = Callable[[], AbstractAsyncContextManager[str]]


class ServerThread:
    """Runs ``async with serve() as base_url`` in a daemon thread until ``stop()``."""

    def __init__(self, serve: ServeFactory, *, name: str = "aioauthlete-emulator") -> None:
        self._serve = serve
        self._ready: concurrent.futures.Future[str] = concurrent.futures.Future()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self, timeout: float) -> str:
        """Start serving and return the base URL; startup errors are raised here."""
        self._thread.start()
        try:
            return self._ready.result(timeout)
        except concurrent.futures.TimeoutError:
            self.stop(timeout)
            raise TimeoutError(f"the emulator did not start within {timeout:g} s") from None

    def stop(self, timeout: float) -> None:
        """Stop serving, clean up and wait for the thread to end."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            # RuntimeError: the loop closed in between, so there is nothing left to stop.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the emulator thread did not stop within {timeout:g} s")

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            async with self._serve() as base_url:
                self._ready.set_result(base_url)
                await self._stopping.wait()
        except BaseException as exc:
            if self._ready.done():
                raise  # a failure while serving: let the thread report it
            self._ready.set_exception(exc)
