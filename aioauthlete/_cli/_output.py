"""Writing the results file: one JSON line per record, each handed to the kernel whole.

Every record is one ``os.write`` of one whole line on an ``O_APPEND`` descriptor, with no
buffer of ours in between: a process killed at any moment leaves at most its last line
cut short (``_previous.repair`` cuts it off), and nothing is left to flush at close. A
write that fails (a full disk: ``ENOSPC``) breaks the writer: it writes nothing more, so
a half-written line is never glued to the next one, and the batch stops (``_runner``).

A results file is a regular file. Anything else (``/dev/stdout``, a pipe, a FIFO, a
terminal) only receives the results: it cannot be read back to resume, so it gets no
sent marks either.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from typing import Any

from ._common import UsageError

_dumps = json.JSONEncoder(separators=(",", ":")).encode
_MARK = b'{"index":%d,"line":%d,"ticket":%s,"sent":true}\n'
#: Indirections for tests that inject a failing disk.
_write = os.write
_close = os.close


def is_stream(path: str) -> bool:
    """Whether *path* is an existing non-regular file (a device, pipe, FIFO or socket)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise UsageError(f"cannot write {path}: is a directory")
    return not stat.S_ISREG(mode)


def _write_all(fd: int, data: bytes) -> None:
    """Write all of *data*: a write cut short (by a signal, say) is carried on."""
    done = _write(fd, data)
    while done < len(data):
        more = _write(fd, data[done:])
        if not more:
            raise OSError(errno.EIO, "the file took no more bytes")
        done += more


class ResultWriter:
    """Appends records to one file; after a failed write it writes nothing more."""

    def __init__(self, fd: int, *, marks: bool) -> None:
        self._fd: int | None = fd
        self._marks = marks
        self.written = 0  # results written (sent marks not counted)
        self.unwritten = 0  # results that could not be written
        #: The first write (or close) that failed; None while every one succeeded.
        self.error: OSError | None = None

    @classmethod
    def open(cls, path: str, *, marks: bool) -> ResultWriter:
        """Open *path* for appending (created private: it holds tickets)."""
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        return cls(fd, marks=marks)

    def write(self, record: dict[str, Any]) -> bool:
        """Append one result; False if it could not be written."""
        if self._put(_dumps(record).encode() + b"\n"):
            self.written += 1
            return True
        self.unwritten += 1
        return False

    def mark_sent(self, index: int, line: int, ticket: str | None) -> bool:
        """Record that a ticket is about to be sent; False if that could not be recorded."""
        if not self._marks:
            return self.error is None
        return self._put(_MARK % (index, line, _dumps(ticket).encode()))

    def _put(self, data: bytes) -> bool:
        if self.error is not None or self._fd is None:
            return False
        try:
            _write_all(self._fd, data)
        except OSError as exc:
            self.error = exc
            return False
        return True

    def close(self) -> None:
        """Close the file; a failure to do so is kept in ``error``, never raised."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _close(fd)
        except OSError as exc:
            if self.error is None:
                self.error = exc
