"""ToxicProxy: a loopback TCP proxy that injects latency, throttling, slicing, resets, holes.

toxiproxy and ``tc netem`` are unavailable on these machines (reliability.md section 7), so
this is the Python-only stand-in: it sits between the client and a real upstream server on
127.0.0.1 and damages the byte stream, mostly the downstream (answer) direction.

Answer-triggered toxics (``reset_after``, ``close_before_answer``) fire when answer bytes
*arrive from the upstream*. So "0 bytes" means: the whole request was forwarded and the upstream
has started answering, which makes "the server saw the request" deterministic in tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypedDict, Unpack

from tests.faults._net import LOOPBACK, PEER_GONE, LoopbackServer, close_writer, reset

_READ_SIZE = 65536


@dataclass
class Toxics:
    """The damage applied to each connection; the proxy reads it per chunk, so edit freely."""

    latency: float = 0.0
    """Seconds each downstream chunk is held before being forwarded."""
    latency_up: float = 0.0
    """Seconds each upstream (request) chunk is held before being forwarded."""
    bandwidth: int | None = None
    """Downstream cap in bytes per second."""
    slice_size: int | None = None
    """Split downstream writes into pieces of at most this many bytes."""
    slice_delay: float = 0.0
    """Pause between two slices of the same chunk."""
    reset_after: int | None = None
    """RST the client once this many answer bytes were delivered (0: at the first answer byte)."""
    blackhole: bool = False
    """Accept and read, never forward or answer (checked at accept and per chunk)."""
    close_before_answer: bool = False
    """Forward the request; at the first answer byte close the client with a FIN instead."""

    def __post_init__(self) -> None:
        if self.latency < 0 or self.latency_up < 0 or self.slice_delay < 0:
            raise ValueError("delays must be >= 0")
        if self.bandwidth is not None and self.bandwidth <= 0:
            raise ValueError("bandwidth must be > 0 bytes/s")
        if self.slice_size is not None and self.slice_size <= 0:
            raise ValueError("slice_size must be > 0")
        if self.reset_after is not None and self.reset_after < 0:
            raise ValueError("reset_after must be >= 0")


class ToxicOptions(TypedDict, total=False):
    """Keyword arguments accepted by :class:`ToxicProxy` besides the upstream port."""

    latency: float
    latency_up: float
    bandwidth: int | None
    slice_size: int | None
    slice_delay: float
    reset_after: int | None
    blackhole: bool
    close_before_answer: bool


class ToxicProxy(LoopbackServer):
    """``async with ToxicProxy(upstream_port, latency=0.2) as proxy:`` then use ``proxy.url``.

    Change toxics while running with ``proxy.update(...)`` (validated) or by assigning to
    ``proxy.toxics.<name>``. Counters: ``connections``, ``bytes_up`` (received from clients),
    ``bytes_down`` (delivered to clients). If the upstream refuses, the client gets an RST.
    """

    def __init__(self, upstream_port: int, **toxics: Unpack[ToxicOptions]) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.toxics = Toxics(**toxics)
        self.bytes_up = 0
        self.bytes_down = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{LOOPBACK}:{self.port}"

    def update(self, **changes: Unpack[ToxicOptions]) -> None:
        """Replace some toxics at once, with validation; affects chunks from now on."""
        self.toxics = dataclasses.replace(self.toxics, **changes)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.toxics.blackhole:
            await self._sink(reader)
            await close_writer(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        except OSError:
            reset(writer)
            return
        self._conns.track(up_writer)
        up_task = asyncio.get_running_loop().create_task(self._pump_up(reader, up_writer))
        try:
            await self._pump_down(up_reader, writer)
        finally:
            up_task.cancel()
            [outcome] = await asyncio.gather(up_task, return_exceptions=True)
            if isinstance(outcome, Exception):  # a proxy bug, not a peer going away
                self._conns.errors.append(outcome)
            up_writer.close()
            writer.close()

    async def _sink(self, reader: asyncio.StreamReader) -> None:
        while data := await reader.read(_READ_SIZE):
            self.bytes_up += len(data)

    async def _pump_up(self, reader: asyncio.StreamReader, up: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(_READ_SIZE):
                self.bytes_up += len(data)
                toxics = self.toxics
                if toxics.blackhole:
                    continue
                if toxics.latency_up:
                    await asyncio.sleep(toxics.latency_up)
                up.write(data)
                await up.drain()
            if up.can_write_eof():
                up.write_eof()
        except PEER_GONE:
            up.close()

    async def _pump_down(self, up: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        delivered = 0
        while data := await self._read_upstream(up, client):
            toxics = self.toxics
            if toxics.blackhole:
                continue
            if toxics.close_before_answer:
                await close_writer(client)
                return
            limit = toxics.reset_after
            if limit is not None:
                data = data[: max(0, limit - delivered)]
            await self._deliver(client, data, toxics)
            delivered += len(data)
            if limit is not None and delivered >= limit:
                reset(client)
                return
        await close_writer(client)  # upstream FIN becomes a client FIN

    @staticmethod
    async def _read_upstream(up: asyncio.StreamReader, client: asyncio.StreamWriter) -> bytes:
        """Read answer bytes; an upstream RST is passed on to the client as an RST."""
        try:
            return await up.read(_READ_SIZE)
        except ConnectionResetError:
            reset(client)
            raise

    async def _deliver(self, client: asyncio.StreamWriter, data: bytes, toxics: Toxics) -> None:
        if not data:
            return
        if toxics.latency:
            await asyncio.sleep(toxics.latency)
        for index, piece in enumerate(_pieces(data, toxics)):
            if index and toxics.slice_delay:
                await asyncio.sleep(toxics.slice_delay)
            if toxics.bandwidth:  # pay before sending: N bytes never arrive before N/bandwidth
                await asyncio.sleep(len(piece) / toxics.bandwidth)
            client.write(piece)
            await client.drain()
            self.bytes_down += len(piece)


def _pieces(data: bytes, toxics: Toxics) -> Iterator[bytes]:
    """Split a chunk for slicing and for smooth throttling (about 20 writes per second)."""
    size = len(data)
    if toxics.slice_size:
        size = min(size, toxics.slice_size)
    if toxics.bandwidth:
        size = min(size, max(1, toxics.bandwidth // 20))
    for start in range(0, len(data), size):
        yield data[start : start + size]
