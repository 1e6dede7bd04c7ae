"""The results file: JSON Lines appended one result at a time, and read back to resume.

Every result is one ``write`` of one whole line followed by a flush, so a crash can cut at
most the last line short; ``repair`` truncates such a line away before a rerun appends.
Flushing each line costs one system call, a few microseconds: far below the cost of the
HTTP call it records, so the file is always as current as the batch.
"""

from __future__ import annotations

import json
import os
from typing import Any, BinaryIO

from attrs import define

from ._common import UsageError
from ._resume import DEFINITIVE, OK, ResumeIndex, resume_key

_TAIL = 1 << 16


def repair(path: str) -> int:
    """Cut a partial last line (one without its newline) off *path*; return bytes removed."""
    try:
        handle = open(path, "r+b")  # noqa: SIM115 - closed below, on every path
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise UsageError(f"cannot update {path}: {exc.strerror}") from None
    with handle:
        size = end = handle.seek(0, os.SEEK_END)
        while end > 0:
            start = max(0, end - _TAIL)
            handle.seek(start)
            block = handle.read(end - start)
            if end == size and block.endswith(b"\n"):
                return 0
            newline = block.rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            end = start
        else:
            keep = 0
        handle.truncate(keep)
        return size - keep


@define
class Resumed:
    """What the results file already holds."""

    index: ResumeIndex
    lines: int = 0
    unreadable: int = 0


def load(path: str) -> Resumed:
    """Index the last result recorded for each ticket of *path* (an absent file is empty)."""
    resumed = Resumed(ResumeIndex())
    try:
        handle = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return resumed
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for line in handle:
            resumed.lines += 1
            key_flags = _parse(line)
            if key_flags is None:
                resumed.unreadable += 1
            else:
                resumed.index.record(*key_flags)
    return resumed


_decode = json.JSONDecoder().raw_decode  # the line is ours: no BOM, no leading space


def _parse(line: str) -> tuple[int, int] | None:
    try:
        record, _ = _decode(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    ticket, index = record.get("ticket"), record.get("index")
    if not (ticket is None or isinstance(ticket, str)) or not isinstance(index, int):
        return None
    flags = (DEFINITIVE if record.get("definitive") is True else 0) | (
        OK if record.get("ok") is True else 0
    )
    return resume_key(ticket, index), flags


class ResultWriter:
    """Appends result lines to a file, each flushed as soon as it is written."""

    def __init__(self, path: str) -> None:
        try:
            self._file: BinaryIO = open(path, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        self.written = 0

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        self._file.flush()
        self.written += 1

    def close(self) -> None:
        self._file.close()
