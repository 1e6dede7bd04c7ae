"""A scripted raw-socket HTTP/1.1 server on 127.0.0.1 for transport-level faults.

aiohttp's own test server always speaks correct HTTP; the faults the client must survive
(RST after the request, truncated bodies, garbage status lines, stale keep-alive) need a
server that writes exactly the bytes a script asks for. Ready-made scripts live in
:mod:`tests.faults.scripts`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

from tests.faults._http import MAX_HEAD, Request, read_head_and_body
from tests.faults._net import LOOPBACK, LoopbackServer, close_writer, reset

Handler = Callable[["RawConnection"], Awaitable[None]]
"""A script: called with the connection when it is accepted, and again per later request."""


class RawConnection:
    """One accepted connection, as seen by a script."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        server: RawHttpServer,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._server = server
        self._pushed: Request | None = None
        self.requests_read = 0
        """How many requests have been read on this connection."""

    @property
    def closed(self) -> bool:
        """True once the script (or shutdown) closed or reset the connection."""
        return self._writer.transport.is_closing()

    async def read_request(self) -> Request | None:
        """Read one full request; ``None`` if the client closed the connection first."""
        if self._pushed is not None:
            request, self._pushed = self._pushed, None
            return request
        parsed = await read_head_and_body(self._reader)
        if parsed is None:
            return None
        method, path, version, headers, body = parsed
        request = Request(method, path, version, headers, body, len(self._server.requests))
        self._server.requests.append(request)
        self.requests_read += 1
        return request

    def push_back(self, request: Request) -> None:
        """Make the next :meth:`read_request` return ``request`` again (for dispatchers)."""
        self._pushed = request

    async def wait_for_request(self) -> bool:
        """Wait until a request is available without consuming it; False on EOF."""
        request = await self.read_request()
        if request is None:
            return False
        self.push_back(request)
        return True

    async def wait_client_gone(self) -> None:
        """Read and discard until the client closes (for scripts that never answer)."""
        while await self._reader.read(65536):
            pass

    def write(self, data: bytes) -> None:
        """Queue raw bytes."""
        self._writer.write(data)

    async def drain(self) -> None:
        """Wait for the write buffer; raises ``ConnectionError`` once the client is gone."""
        await self._writer.drain()

    async def send(self, data: bytes) -> None:
        """Write and drain."""
        self.write(data)
        await self.drain()

    async def sleep(self, seconds: float) -> None:
        """Pause the script (``asyncio.sleep``), here so scripts need only ``conn``."""
        await asyncio.sleep(seconds)

    async def close(self) -> None:
        """Close cleanly: the client sees a FIN after any queued bytes."""
        await close_writer(self._writer)

    def reset(self) -> None:
        """Abort with an RST (``SO_LINGER(1, 0)`` + ``abort()``); queued bytes are dropped."""
        reset(self._writer)


class RawHttpServer(LoopbackServer):
    """``async with RawHttpServer(handler) as server:`` serves ``handler`` on 127.0.0.1.

    The handler runs when a connection is accepted. If it returns and leaves the connection
    open, the server waits for the next request on that connection and calls the handler again
    (keep-alive); when the client closes, the server closes too. Errors raised by a handler,
    other than the client going away, are re-raised when the ``async with`` block exits.
    """

    def __init__(self, handler: Handler, *, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(ssl_context=ssl_context, limit=MAX_HEAD)
        self._handler = handler
        self.requests: list[Request] = []
        """Every request read, over all connections, in order."""

    @property
    def url(self) -> str:
        """Base URL, ``http://127.0.0.1:PORT`` (``https`` with an SSL context)."""
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._serve_connection(RawConnection(reader, writer, self), writer)

    async def _serve_connection(self, conn: RawConnection, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handler(conn)
            while not conn.closed and await conn.wait_for_request():
                await self._handler(conn)
        finally:
            writer.close()  # FIN if the script left it open; shutdown waits for the socket
