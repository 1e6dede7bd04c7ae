"""Socket plumbing shared by the injectors: loopback-only binding, RST, and clean shutdown.

The suite runs with ``filterwarnings = error``, so an unclosed transport or a task whose
exception is never retrieved fails a test. Every accepted connection is therefore registered
*synchronously* (in ``connection_made``) and closed by :meth:`ConnectionSet.aclose`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self

LOOPBACK = "127.0.0.1"
"""The only host the injectors ever bind or connect to."""

_LINGER_RESET = struct.pack("ii", 1, 0)

#: Errors that mean "the peer went away"; scripts and pumps treat them as a normal end.
PEER_GONE: tuple[type[BaseException], ...] = (ConnectionError, asyncio.IncompleteReadError)


def reset(writer: asyncio.StreamWriter) -> None:
    """Abort the connection with an RST: ``SO_LINGER(1, 0)`` then ``transport.abort()``."""
    if writer.transport.is_closing():
        return
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    writer.transport.abort()


class ConnectionSet:
    """Owns the writers and tasks of one server so that shutdown leaves nothing behind.

    Handler tasks must not end with an exception: :meth:`spawn` wraps them so that an error
    that is not a peer disconnect lands in :attr:`errors` (re-raised by the owner on exit)
    instead of in a "Task exception was never retrieved" log line.
    """

    def __init__(self) -> None:
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.errors: list[Exception] = []

    def track(self, writer: asyncio.StreamWriter) -> None:
        """Remember ``writer`` so :meth:`aclose` can close it."""
        self._writers.append(writer)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` as a task owned by this set."""
        task = asyncio.get_running_loop().create_task(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except PEER_GONE:
            pass
        except Exception as exc:  # reported by the owner at shutdown
            self.errors.append(exc)

    async def aclose(self) -> None:
        """Cancel every task, abort every transport and wait until the sockets are closed."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in self._writers:
            writer.transport.abort()
        # connection_lost (which closes the socket) runs on a later loop iteration.
        await asyncio.gather(*(w.wait_closed() for w in self._writers), return_exceptions=True)
        self._writers.clear()


async def close_writer(writer: asyncio.StreamWriter) -> None:
    """Close with a FIN and wait for the socket to be released, ignoring a peer reset."""
    writer.close()
    with contextlib.suppress(*PEER_GONE):
        await writer.wait_closed()


class LoopbackServer:
    """A server on 127.0.0.1:0 whose connections and tasks all end with it.

    Subclasses serve each accepted connection in ``_serve``; ``connections`` counts them,
    and a script error other than the peer going away is re-raised on leaving the
    ``async with`` block.
    """

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, limit: int = 2**16) -> None:
        self._ssl = ssl_context
        self._limit = limit
        self._server: asyncio.Server | None = None
        self._conns = ConnectionSet()
        self.port = 0
        self.connections = 0

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start accepting."""
        self._server = await asyncio.start_server(
            self._on_connect, LOOPBACK, 0, ssl=self._ssl, limit=self._limit
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening, then close every connection and task."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self._conns.aclose()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
        if exc is None and self._conns.errors:
            raise self._conns.errors[0]

    def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Synchronous on purpose: it runs inside connection_made, so no connection escapes
        # the bookkeeping even if shutdown starts on the next loop iteration.
        self.connections += 1
        self._conns.track(writer)
        self._conns.spawn(self._serve(reader, writer))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError
