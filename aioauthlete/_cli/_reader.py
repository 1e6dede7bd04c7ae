"""Reading a ticket file or stdin as lines, lazily and without blocking the event loop.

A regular file is read in chunks directly: a read from it does not wait for anybody. A
pipe, a FIFO or a terminal may wait for its writer for ever, so it is read through the
event loop (``connect_read_pipe``): the batch keeps running while the input is idle, and
Ctrl-C stops it at once. Lines are yielded per chunk, as lists, so the per-line cost
stays a list step rather than an ``await``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
from collections.abc import AsyncGenerator
from typing import BinaryIO

from ._common import UsageError

CHUNK = 1 << 16
#: A longer line is reported as an invalid row (``None``) instead of being buffered.
MAX_LINE = 1 << 20


class InputFile:
    """An opened input: a path (or ``-`` for stdin) and how to read it."""

    def __init__(self, fd: int, *, owned: bool) -> None:
        self._fd = fd
        self._owned = owned
        self.regular = stat.S_ISREG(os.fstat(fd).st_mode)
        self._stopped = False
        self._pipe: asyncio.StreamReader | None = None  # while a pipe is being read

    def stop(self) -> None:
        """End the input here: the chunks end, even while waiting for an idle pipe."""
        self._stopped = True
        if self._pipe is not None:
            self._pipe.feed_eof()

    @classmethod
    def open(cls, path: str) -> InputFile:
        """Open *path* for reading (a FIFO waits here for its writer, as ``cat`` does)."""
        if path == "-":
            try:
                return cls(sys.stdin.fileno(), owned=False)
            except (AttributeError, ValueError, OSError):  # replaced or closed stdin
                raise UsageError("stdin cannot be read") from None
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise UsageError(f"cannot read {path}: is a directory")
        return cls(fd, owned=True)

    def close(self) -> None:
        if self._owned:
            self._owned = False
            os.close(self._fd)

    def count_lines(self) -> int | None:
        """Non-empty lines of a regular file, without moving its position; None otherwise."""
        if not self.regular or not hasattr(os, "pread"):
            return None
        total = 0
        offset = os.lseek(self._fd, 0, os.SEEK_CUR)  # pread leaves the position alone
        last = b"\n"
        while chunk := os.pread(self._fd, CHUNK * 16, offset):
            offset += len(chunk)
            total += chunk.count(b"\n") - chunk.count(b"\n\n")
            last = chunk[-1:]
        if last != b"\n":
            total += 1
        return total

    def chunks(self) -> AsyncGenerator[bytes, None]:
        """The bytes of the input, chunk by chunk."""
        if self.regular:
            return self._file_chunks()
        return self._pipe_chunks()

    async def _file_chunks(self) -> AsyncGenerator[bytes, None]:
        while not self._stopped and (chunk := os.read(self._fd, CHUNK)):
            yield chunk

    async def _pipe_chunks(self) -> AsyncGenerator[bytes, None]:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=CHUNK * 2)
        was_blocking = os.get_blocking(self._fd)
        # The transport closes its file object: give it a duplicate, keep our descriptor.
        # Wrapping a descriptor never blocks.
        pipe: BinaryIO = open(os.dup(self._fd), "rb", buffering=0)  # noqa: ASYNC230, SIM115
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
        self._pipe = reader
        try:
            while not self._stopped and (chunk := await reader.read(CHUNK)):
                yield chunk
        finally:
            self._pipe = None
            transport.close()
            # A duplicate shares O_NONBLOCK with the original: leave stdin as it was found.
            os.set_blocking(self._fd, was_blocking)


async def split_lines(
    chunks: AsyncGenerator[bytes, None],
) -> AsyncGenerator[list[bytes | None], None]:
    """The lines of *chunks* (without ``\\n``), a list per chunk; ``None`` for a line too long.

    Empty lines are kept, so that callers can count line numbers. Closing this generator
    closes *chunks* (and with it a pipe's transport).
    """
    rest = b""
    overlong = False
    async with contextlib.aclosing(chunks):
        async for chunk in chunks:
            *complete, rest = (rest + chunk).split(b"\n")
            batch: list[bytes | None] = list(complete)
            if overlong and batch:
                batch[0] = None  # the tail of the line that grew too long
                overlong = False
            if len(rest) > MAX_LINE:
                overlong = True
                rest = b""
            if batch:
                yield batch
    if overlong:
        yield [None]
    elif rest:
        yield [rest]
