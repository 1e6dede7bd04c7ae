"""Ticket files: one ticket per line, CSV with a header, or JSON Lines; read lazily.

Every row becomes a ``Row``: a request ready to send, or the reason it cannot be sent.
A bad row never stops the batch; it is reported in the results like any other ticket, so
rows in = results + invalid rows, always. Only problems that would spoil every row (a
CSV header that cannot be read or has no ``ticket`` column, no reason anywhere, a UTF-16
file) are usage errors, raised before anything is sent, with the line they were found on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Literal

from attrs import field, frozen

from .._operations._fail import BackchannelAuthenticationFailRequest, FailReason
from . import _reader
from ._common import MAX_TICKET, InputError, UsageError, parse_reason
from ._csvrow import COLUMNS, column_key, header_columns, record_fields
from ._reader import InputFile, split_lines

Format = Literal["lines", "csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("lines", "csv", "jsonl")
_EXTENSIONS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
#: Byte order marks of encodings that are not UTF-8 (UTF-32 first: it extends UTF-16's).
_FOREIGN_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


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
    unfit = ticket_problem(ticket)
    if unfit is not None:
        return Row(index, line, ticket, None, unfit)
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


def ticket_problem(ticket: str) -> str | None:
    """Why *ticket* is not worth sending (far too long for a ticket), or None."""
    if len(ticket) > MAX_TICKET:
        return (
            f"ticket is {len(ticket):,} characters long, over the {MAX_TICKET:,} this command "
            "sends (Authlete's tickets have 43)"
        )
    return None


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
            try:
                batch = await anext(self._batches, None)
            except OSError as exc:
                raise InputError(
                    f"line {self.number + 1}: cannot read the input: {exc.strerror or exc}"
                ) from None
            if batch is None:
                return None
            self._batch, self._position = batch, 0
        raw = self._batch[self._position]
        self._position += 1
        self.number += 1
        if raw is None:
            return self.number, None, f"line longer than {_reader.MAX_LINE} bytes"
        if self.number == 1:
            _check_encoding(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self.number, None, "not valid UTF-8"
        if self.number == 1:
            text = text.removeprefix("\ufeff")
        return self.number, text.removesuffix("\r"), None

    async def aclose(self) -> None:
        await self._batches.aclose()


def _check_encoding(first_line: bytes) -> None:
    """Refuse a file in another Unicode encoding: every one of its rows would be unreadable."""
    for bom, name in _FOREIGN_BOMS:
        if first_line.startswith(bom):
            raise InputError(f"line 1: the input is {name} text; save it as UTF-8")


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
        self._first: tuple[int, str | None, str | None] | None = None

    async def start(self) -> None:
        """Read the first line (the CSV header), refusing an input that cannot work."""
        item = await self._lines.next()
        if self.format != "csv":
            self._first = item
            return
        while item is not None and item[1] is not None and not item[1].strip():
            item = await self._lines.next()  # blank lines before the header
        if item is None:
            raise InputError(
                "the input is empty: a CSV file needs a header row naming a 'ticket' column"
            )
        self._columns = header_columns(*item)
        if "reason" not in self._columns and self._default is None:
            raise UsageError("the CSV has no 'reason' column: give --reason")

    async def aclose(self) -> None:
        await self._lines.aclose()

    def __aiter__(self) -> AsyncIterator[Row]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Row]:
        item, self._first = self._first, None
        if item is None:
            item = await self._lines.next()
        while item is not None:
            row = self._read(*item)
            if row is not None:
                yield row
            item = await self._lines.next()

    def _read(self, number: int, text: str | None, problem: str | None) -> Row | None:
        """The row a line holds; None for a blank line, which is no row."""
        if text is None:
            return self._row(number, None, problem)
        if not text.strip(" \t"):
            return None
        if self.format == "lines":
            return self._row(number, {"ticket": text.strip(" \t")}, None)
        if self.format == "jsonl":
            return self._row(number, *_json_fields(text))
        return self._row(number, *record_fields(self._columns, text))

    def _row(self, line: int, fields: dict[str, object] | None, problem: str | None) -> Row:
        index = self._index
        self._index += 1
        if problem is not None or fields is None:
            return Row(index, line, None, None, problem)
        ticket = fields.get("ticket")
        ticket = ticket if isinstance(ticket, str) else None
        return Row(index, line, ticket, None, fields=fields, default_reason=self._default)


def _json_fields(text: str) -> tuple[dict[str, object] | None, str | None]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, f"malformed JSON: {exc}"
    except RecursionError:
        return None, "malformed JSON: nested too deeply"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    fields: dict[str, object] = {}
    for key, value in data.items():
        column = COLUMNS.get(column_key(str(key)))
        if column is not None and column not in fields:
            fields[column] = value
    return fields, None
