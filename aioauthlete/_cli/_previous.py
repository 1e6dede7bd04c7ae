"""What earlier runs left in the results file: recognised, repaired, then indexed.

Every line the command writes starts with ``{"index":``. A non-empty file that does not
is someone else's, and is refused, byte for byte untouched; so is one whose unfinished
last line could not have been ours. Only then is a partial last line (a crash mid-write)
cut off. ``load`` then reads every line: a result replaces what the index knew of its
ticket, and a sent mark (``"sent": true``, written before the request went out) records
that a request may have reached Authlete, until a result follows it.
"""

from __future__ import annotations

import json
import os
from typing import BinaryIO

from attrs import define

from ._common import UsageError, plural
from ._resume import DEFINITIVE, OK, REACHED, ResumeIndex, resume_key

#: How every line of a results file begins (the ``index`` key comes first).
SIGNATURE = b'{"index":'
_TAIL = 1 << 16


def _could_be_ours(start: bytes) -> bool:
    """Whether a line beginning with *start* (possibly cut short) is one we wrote."""
    return start[: len(SIGNATURE)] == SIGNATURE[: len(start)]


def _not_ours(path: str, why: str) -> UsageError:
    return UsageError(
        f"{path} is not a results file of fail-batch ({why}); it was left as it was: "
        "give --output a new file, or one that fail-batch wrote"
    )


def repair(path: str) -> int:
    """Cut a partial last line off *path*, a results file; return the bytes removed.

    ``UsageError`` (the file untouched) when *path* is not recognisably a results file.
    """
    try:
        handle = open(path, "r+b")  # noqa: SIM115 - closed below, on every path
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise UsageError(f"cannot update {path}: {exc.strerror or exc}") from None
    with handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(0)
        if size and not _could_be_ours(handle.read(len(SIGNATURE))):
            raise _not_ours(path, f"its first line does not start with {SIGNATURE.decode()}")
        keep = _last_newline_end(handle, size)
        if keep == size:
            return 0
        handle.seek(keep)
        if not _could_be_ours(handle.read(len(SIGNATURE))):
            raise _not_ours(path, "its last line is unfinished and not a result")
        handle.truncate(keep)
        return size - keep


def _last_newline_end(handle: BinaryIO, size: int) -> int:
    """The offset just after the last newline of a file of *size* bytes (0 if none)."""
    end = size
    while end > 0:
        start = max(0, end - _TAIL)
        handle.seek(start)
        newline = handle.read(end - start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        end = start
    return 0


@define
class Resumed:
    """What the results file already holds."""

    index: ResumeIndex
    results: int = 0
    marks: int = 0
    unreadable: int = 0

    def report(self, path: str) -> list[str]:
        """The notes a resuming run prints: what it found and what it will do about it."""
        notes = []
        if self.results or self.marks:
            skipping = self.index.definitive()
            notes.append(
                f"resuming {path}: {plural(self.results, 'result')} recorded, "
                f"{plural(skipping, 'ticket')} with a definitive result will be skipped"
            )
        reached = self.index.reached()
        if reached:
            notes.append(
                f"{plural(reached, 'ticket')} may have reached Authlete in an earlier run "
                "without an answer recorded: sent again, with results marked ambiguous"
            )
        if self.unreadable:
            notes.append(f"{path}: ignored {plural(self.unreadable, 'line')} that are not results")
        return notes


def load(path: str) -> Resumed:
    """Index the last record of each ticket of *path* (an absent file is empty)."""
    resumed = Resumed(ResumeIndex())
    try:
        handle = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return resumed
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        for line in handle:
            parsed = _parse(line)
            if parsed is None:
                resumed.unreadable += 1
                continue
            key, flags, mark = parsed
            if mark:
                resumed.marks += 1
            else:
                resumed.results += 1
            resumed.index.record(key, flags)
    return resumed


_decode = json.JSONDecoder().raw_decode  # the line is ours: no BOM, no leading space


def _parse(line: str) -> tuple[int, int, bool] | None:
    """The key and flags a line records and whether it is a sent mark; None if not ours."""
    try:
        record, _ = _decode(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    ticket, index = record.get("ticket"), record.get("index")
    if not (ticket is None or isinstance(ticket, str)) or not isinstance(index, int):
        return None
    if "ok" not in record:
        return (resume_key(ticket, index), REACHED, True) if record.get("sent") is True else None
    definitive = record.get("definitive") is True
    flags = (DEFINITIVE if definitive else 0) | (OK if record.get("ok") is True else 0)
    if record.get("ambiguous") is True and not definitive:
        flags |= REACHED
    return resume_key(ticket, index), flags, False
