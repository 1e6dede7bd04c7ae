"""CSV ticket files, one record per line: a stray quote spoils its own row and no other.

No field the fail API takes may hold a line break (the library refuses control
characters), so a record that spans lines could never be sent. Reading each line as one
record, instead of letting an open quote swallow the lines after it, keeps the count
honest: every data line is one row, sent or reported. A line with a quote where RFC 4180
allows none (an unclosed quote, a quote inside an unquoted field or after a closing one)
is an invalid row. The header is the exception: a file whose header cannot be read
cannot be trusted at all, and is refused (``InputError``, exit status 2).
"""

from __future__ import annotations

import csv
import re

from ._common import InputError

#: Column names, compared in lower case without underscores, and the names they stand for.
COLUMNS = {
    "ticket": "ticket",
    "reason": "reason",
    "errordescription": "description",
    "erroruri": "uri",
}
_WIRE_NAMES = {"ticket": "ticket", "reason": "reason", "description": "errorDescription"}
_FIELD = r'(?:"(?:[^"]|"")*"|[^",]*)'
_RECORD = re.compile(rf"{_FIELD}(?:,{_FIELD})*")


def column_key(name: str) -> str:
    """A column or JSON key as ``COLUMNS`` knows it: lower case, no underscores."""
    return name.strip().lower().replace("_", "")


def split_record(text: str) -> list[str]:
    """The cells of one CSV line; ``ValueError`` saying what is wrong if it is malformed."""
    if '"' in text and _RECORD.fullmatch(text) is None:
        if text.count('"') % 2:
            raise ValueError("a quote is not closed on its line (a field cannot span lines)")
        raise ValueError("a quote inside an unquoted field, or after a closing quote")
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error as exc:
        raise ValueError(str(exc)) from None


def header_columns(number: int, text: str | None, problem: str | None) -> list[str | None]:
    """The known column of each header cell (None for others); ``InputError`` if unusable."""
    if text is None:
        raise InputError(f"line {number}: the CSV header cannot be read: {problem}")
    try:
        names = split_record(text)
    except ValueError as exc:
        raise InputError(f"line {number}: the CSV header is malformed: {exc}") from None
    columns = [COLUMNS.get(column_key(name)) for name in names]
    for column in dict.fromkeys(columns):
        if column is not None and columns.count(column) > 1:
            wire = _WIRE_NAMES.get(column, "errorUri")
            raise InputError(f"line {number}: the CSV header names '{wire}' twice")
    if "ticket" not in columns:
        raise InputError(f"line {number}: the CSV header has no 'ticket' column")
    return columns


def record_fields(
    columns: list[str | None], text: str
) -> tuple[dict[str, object] | None, str | None]:
    """The known fields of one data line, or the reason it cannot be read."""
    try:
        cells = split_record(text)
    except ValueError as exc:
        return None, f"malformed CSV: {exc}"
    fields: dict[str, object] = {}
    for column, cell in zip(columns, cells, strict=False):
        if column is not None:
            fields[column] = cell.strip(" \t")
    return fields, None
