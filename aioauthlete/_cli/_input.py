"""Ticket files: one ticket per line, CSV with a header, or JSON Lines; read lazily.

Every row becomes a ``Row``: a request ready to send, or the reason it cannot be sent.
A bad row never stops the batch; it is reported in the results like any other ticket.
Only problems that would spoil every row (a CSV header without a ``ticket`` column, no
reason anywhere) are usage errors, raised before anything is sent.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from typing import Literal

from attrs import field, frozen

from .._models import BackchannelAuthenticationFailRequest, FailReason
from . import _reader
from ._common import UsageError, parse_reason
from ._reader import InputFile, split_lines

Format = Literal["lines", "csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("lines", "csv", "jsonl")
_EXTENSIONS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
#: Column (CSV) and key (JSONL) names, compared in lower case without underscores.
_COLUMNS = {
    "ticket": "ticket",
    "reason": "reason",
    "errordescription": "description",
    "erroruri": "uri",
}


@frozen
class Row:
    """One input row: ``request`` to send, or ``problem`` saying why it cannot be sent.

    ``index`` is the row's position among the input's rows (from 0, blank lines and the
    CSV header left out), ``line`` the line it starts on (from 1). A row fresh from a
    reader is not checked yet (``fields`` holds what was read; see ``prepare``), so that
    rows a resumed batch skips cost no validation.
    """

    index: int
    line: int
    ticket: str | None
    request: BackchannelAuthenticationFailRequest | None
    problem: str | None = None
    fields: dict[str, object] | None = field(default=None, eq=False, repr=False)
    default_reason: FailReason | None = field(default=None, repr=False)


def prepare(row: Row) -> Row:
    """The checked row: a request built from its fields, or its problem."""
    if row.fields is None:
        return row
    return build_row(row.index, row.line, row.fields, row.default_reason)


def detect_format(path: str, given: str | None) -> Format:
    """``--format`` when given, else by extension (``.csv``, ``.jsonl``), else lines."""
    if given is not None:
        assert given in FORMATS
        return given
    for extension, fmt in _EXTENSIONS.items():
        if path.lower().endswith(extension):
            return fmt
    return "lines"


def build_row(
    index: int,
    line: int,
    fields: dict[str, object],
    default_reason: FailReason | None,
) -> Row:
    """The row for *fields* (``ticket``, ``reason``, ``description``, ``uri``)."""
    ticket = fields.get("ticket")
    if not isinstance(ticket, str):
        problem = "no ticket" if ticket is None else "ticket is not a string"
        return Row(index, line, None, None, problem)
    try:
        request = BackchannelAuthenticationFailRequest(
            ticket=ticket,
            reason=_reason(fields.get("reason"), default_reason),
            error_description=_text(fields.get("description"), "errorDescription"),
            error_uri=_text(fields.get("uri"), "errorUri"),
        )
    except (ValueError, TypeError) as exc:  # the messages never echo the ticket
        return Row(index, line, ticket, None, str(exc))
    return Row(index, line, ticket, request)


def _reason(value: object, default: FailReason | None) -> FailReason:
    if value is None or value == "":
        if default is None:
            raise ValueError("no reason (add one to the row or give --reason)")
        return default
    if not isinstance(value, str):
        raise TypeError("reason is not a string")
    return parse_reason(value)


def _text(value: object, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} is not a string")
    return value


class _Lines:
    """Numbered, decoded lines: ``(number, text)``, text ``None`` with a problem if unreadable."""

    def __init__(self, source: InputFile) -> None:
        self._batches = split_lines(source.chunks())
        self._batch: list[bytes | None] = []
        self._position = 0
        self.number = 0

    async def next(self) -> tuple[int, str | None, str | None] | None:
        while self._position >= len(self._batch):
            batch = await anext(self._batches, None)
            if batch is None:
                return None
            self._batch, self._position = batch, 0
        raw = self._batch[self._position]
        self._position += 1
        self.number += 1
        if raw is None:
            return self.number, None, f"line longer than {_reader.MAX_LINE} bytes"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self.number, None, "not valid UTF-8"
        if self.number == 1:
            text = text.removeprefix("\ufeff")
        return self.number, text.removesuffix("\r"), None

    async def aclose(self) -> None:
        await self._batches.aclose()


def check_default_reason(fmt: Format, default_reason: FailReason | None) -> None:
    """A file of bare tickets needs ``--reason``: ``UsageError`` otherwise."""
    if fmt == "lines" and default_reason is None:
        raise UsageError("a file of bare tickets carries no reasons: give --reason")


class RowReader:
    """The rows of one input, in one format, read only as fast as they are asked for."""

    def __init__(self, source: InputFile, fmt: Format, default_reason: FailReason | None) -> None:
        check_default_reason(fmt, default_reason)
        self.format = fmt
        self._lines = _Lines(source)
        self._default = default_reason
        self._columns: list[str | None] = []
        self._index = 0

    async def start(self) -> None:
        """Read the CSV header, refusing one that cannot work (before anything is sent)."""
        if self.format != "csv":
            return
        while (item := await self._lines.next()) is not None:
            _, text, _ = item
            if text is not None and text.strip():
                names = next(csv.reader([text]), [])
                self._columns = [_COLUMNS.get(_key(name)) for name in names]
                break
        if "ticket" not in self._columns:
            raise UsageError("the CSV header has no 'ticket' column")
        if "reason" not in self._columns and self._default is None:
            raise UsageError("the CSV has no 'reason' column: give --reason")

    async def aclose(self) -> None:
        await self._lines.aclose()

    def __aiter__(self) -> AsyncIterator[Row]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Row]:
        while (item := await self._lines.next()) is not None:
            number, text, problem = item
            if text is None:
                yield self._row(number, None, problem)
            elif not text.strip(" \t"):
                continue
            elif self.format == "lines":
                yield self._row(number, {"ticket": text.strip(" \t")}, None)
            elif self.format == "jsonl":
                yield self._row(number, *_json_fields(text))
            else:
                record = await self._csv_record(text)
                yield self._row(number, *self._csv_fields(record))

    def _row(self, line: int, fields: dict[str, object] | None, problem: str | None) -> Row:
        index = self._index
        self._index += 1
        if problem is not None or fields is None:
            return Row(index, line, None, None, problem)
        ticket = fields.get("ticket")
        ticket = ticket if isinstance(ticket, str) else None
        return Row(index, line, ticket, None, fields=fields, default_reason=self._default)

    async def _csv_record(self, text: str) -> str:
        """A whole CSV record: more lines while a quoted field is open (odd quote count)."""
        parts = [text]
        quotes = text.count('"')
        size = len(text)
        while quotes % 2 and size <= _reader.MAX_LINE:
            item = await self._lines.next()
            if item is None or item[1] is None:
                break
            parts.append(item[1])
            quotes += item[1].count('"')
            size += len(item[1])
        return "\n".join(parts)

    def _csv_fields(self, record: str) -> tuple[dict[str, object] | None, str | None]:
        try:
            cells = next(csv.reader([record], strict=True))
        except csv.Error as exc:
            return None, f"malformed CSV: {exc}"
        fields: dict[str, object] = {}
        for column, cell in zip(self._columns, cells, strict=False):
            if column is not None:
                fields[column] = cell.strip(" \t")
        return fields, None


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "")


def _json_fields(text: str) -> tuple[dict[str, object] | None, str | None]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, f"malformed JSON: {exc}"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    fields: dict[str, object] = {}
    for key, value in data.items():
        column = _COLUMNS.get(_key(str(key)))
        if column is not None and column not in fields:
            fields[column] = value
    return fields, None
