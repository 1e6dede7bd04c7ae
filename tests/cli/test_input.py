"""Ticket files: lines, CSV and JSONL rows, format detection, invalid rows, lazy reading."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aioauthlete import AuthleteClient, FailReason
from aioauthlete._cli import _reader
from aioauthlete._cli._common import UsageError
from aioauthlete._cli._input import Row, RowReader, build_row, detect_format, prepare
from aioauthlete._cli._reader import InputFile
from aioauthlete._cli._runner import BatchRunner
from aioauthlete._cli._summary import Tally
from aioauthlete.testing import RunningEmulator


async def read_rows(
    path: Path, fmt: str | None = None, reason: FailReason | None = FailReason.ACCESS_DENIED
) -> list[Row]:
    source = InputFile.open(str(path))
    reader = RowReader(source, detect_format(str(path), fmt), reason)
    try:
        await reader.start()
        return [prepare(row) async for row in reader]
    finally:
        await reader.aclose()
        source.close()


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("t.csv", None, "csv"),
        ("T.CSV", None, "csv"),
        ("t.jsonl", None, "jsonl"),
        ("t.ndjson", None, "jsonl"),
        ("t.txt", None, "lines"),
        ("-", None, "lines"),
        ("t.csv", "jsonl", "jsonl"),
    ],
)
def test_format_comes_from_the_flag_else_the_extension(
    name: str, given: str | None, expected: str
) -> None:
    """--format wins; otherwise .csv and .jsonl/.ndjson choose, anything else is lines."""
    assert detect_format(name, given) == expected


async def test_lines_skip_blank_lines_and_keep_positions(tmp_path: Path) -> None:
    """Blank lines are not rows; index counts rows, line counts physical lines."""
    path = tmp_path / "t.txt"
    path.write_bytes(b"\xef\xbb\xbfone\r\n\n  two  \nthr\x01ee\n\xff\xfe\nfour")
    rows = await read_rows(path)
    assert [(r.index, r.line, r.ticket) for r in rows] == [
        (0, 1, "one"),
        (1, 3, "two"),
        (2, 4, "thr\x01ee"),
        (3, 5, None),
        (4, 6, "four"),
    ]
    assert [r.request is not None for r in rows] == [True, True, False, False, True]
    assert rows[2].problem is not None
    assert "control characters" in rows[2].problem
    assert rows[3].problem == "not valid UTF-8"
    assert {r.request.reason for r in rows if r.request} == {FailReason.ACCESS_DENIED}


async def test_csv_reads_its_columns_by_header_and_ignores_others(tmp_path: Path) -> None:
    """Columns are found by name; per-row reasons beat --reason; extra columns are ignored."""
    path = tmp_path / "t.csv"
    path.write_text(
        "user,ticket,errorDescription,reason,error_uri\n"
        'u1,t1,"one, ""two""",unknown_user_id,https://e.example/1\n'
        "u2,t2,,,\n"
        "u3,,x,ACCESS_DENIED,\n"
        "u4,t4,,NOT_A_REASON,\n"
        'u5,t5,"bad"quote,ACCESS_DENIED,\n'
        'u6,t6,"two\nlines",ACCESS_DENIED,\n'
        "u7,t7\n",
        encoding="utf-8",
    )
    rows = await read_rows(path, reason=FailReason.SERVER_ERROR)
    first = rows[0].request
    assert first is not None
    assert first.reason is FailReason.UNKNOWN_USER_ID
    assert first.error_description == 'one, "two"'
    assert first.error_uri == "https://e.example/1"
    assert rows[1].request is not None
    assert rows[1].request.reason is FailReason.SERVER_ERROR
    assert rows[1].request.error_description is None
    assert rows[2].problem == "ticket must not be empty"
    assert rows[3].problem == "unknown reason 'NOT_A_REASON'"
    assert rows[4].problem is not None
    assert rows[4].problem.startswith("malformed CSV")
    # A field cannot span lines: each of the two lines is a row, and neither can be read.
    assert rows[5].problem is not None
    assert rows[5].problem.startswith("malformed CSV: a quote is not closed on its line")
    assert rows[6].problem is not None
    assert rows[6].problem.startswith("malformed CSV: a quote is not closed on its line")
    assert rows[7].request is not None
    assert [(r.index, r.line) for r in rows] == [(i, i + 2) for i in range(8)]


async def test_csv_row_without_reason_is_invalid_when_no_default(tmp_path: Path) -> None:
    """With a reason column but no --reason, a row with an empty reason cell is invalid."""
    path = tmp_path / "t.csv"
    path.write_text("ticket,reason\nt1,ACCESS_DENIED\nt2,\n", encoding="utf-8")
    rows = await read_rows(path, reason=None)
    assert rows[0].request is not None
    assert rows[1].request is None
    assert rows[1].problem is not None
    assert "no reason" in rows[1].problem


@pytest.mark.parametrize(
    ("header", "reason", "message"),
    [
        ("id,reason", FailReason.ACCESS_DENIED, "no 'ticket' column"),
        ("ticket,errorUri", None, "no 'reason' column"),
        ("", FailReason.ACCESS_DENIED, "the input is empty"),
    ],
)
async def test_csv_header_that_cannot_work_is_a_usage_error(
    tmp_path: Path, header: str, reason: FailReason | None, message: str
) -> None:
    """A header without tickets, or without reasons and no --reason, stops before sending."""
    path = tmp_path / "t.csv"
    path.write_text(f"{header}\n", encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        await read_rows(path, reason=reason)


async def test_jsonl_rows_and_their_problems(tmp_path: Path) -> None:
    """Objects with the wire keys (or snake_case) are rows; anything else is an invalid row."""
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"ticket": "t1", "reason": "INVALID_TARGET", "errorUri": "https://e.example"}\n'
        '{"ticket": "t2", "error_description": "why", "other": 1}\n'
        "{not json\n"
        "[1, 2]\n"
        '{"ticket": 42}\n'
        '{"reason": "ACCESS_DENIED"}\n'
        '{"ticket": "t7", "reason": 7}\n'
        '{"ticket": "t8", "errorDescription": ["x"]}\n',
        encoding="utf-8",
    )
    rows = await read_rows(path, reason=FailReason.SERVER_ERROR)
    assert rows[0].request is not None
    assert rows[0].request.reason is FailReason.INVALID_TARGET
    assert rows[0].request.error_uri == "https://e.example"
    assert rows[1].request is not None
    assert rows[1].request.reason is FailReason.SERVER_ERROR
    assert rows[1].request.error_description == "why"
    problems = [r.problem for r in rows[2:]]
    assert problems[0] is not None
    assert problems[0].startswith("malformed JSON")
    assert problems[1:] == [
        "not a JSON object",
        "ticket is not a string",
        "no ticket",
        "reason is not a string",
        "errorDescription is not a string",
    ]
    assert rows[6].ticket == "t7"


def test_bare_tickets_need_a_reason() -> None:
    """The lines format carries no reasons: without --reason the reader refuses to start."""
    with pytest.raises(UsageError, match="--reason"):
        RowReader(InputFile.open(__file__), "lines", None)


async def test_a_line_too_long_is_an_invalid_row_not_a_memory_hog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line over the cap becomes one invalid row; the lines after it still count."""
    monkeypatch.setattr(_reader, "MAX_LINE", 100)
    monkeypatch.setattr(_reader, "CHUNK", 64)
    path = tmp_path / "t.txt"
    path.write_text("short\n" + "x" * 1000 + "\nafter\n" + "y" * 500, encoding="utf-8")
    rows = await read_rows(path)
    assert [(r.line, r.ticket, r.problem) for r in rows] == [
        (1, "short", None),
        (2, None, "line longer than 100 bytes"),
        (3, "after", None),
        (4, None, "line longer than 100 bytes"),
    ]


def test_count_lines_estimates_the_rows_of_a_regular_file(tmp_path: Path) -> None:
    """The progress total: non-empty lines, a last line without newline included."""
    path = tmp_path / "t.txt"
    path.write_text("a\nb\n\nc", encoding="utf-8")
    source = InputFile.open(str(path))
    try:
        assert source.count_lines() == 3
        assert source.count_lines() == 3  # the read position did not move
    finally:
        source.close()


async def test_rows_are_consumed_only_as_fast_as_they_are_sent(
    authlete_emulator: RunningEmulator,
) -> None:
    """When the first result is recorded, only a handful of 10,000 rows have been read."""
    consumed = 0
    seen_at_first_result: list[int] = []

    async def rows() -> AsyncIterator[Row]:
        nonlocal consumed
        for index in range(10_000):
            consumed += 1
            fields: dict[str, object] = {"ticket": f"t{index}", "reason": "ACCESS_DENIED"}
            yield build_row(index, index + 1, fields, None)

    results = 0

    def on_outcome(_: Row, __: object) -> None:
        nonlocal results
        if not seen_at_first_result:
            seen_at_first_result.append(consumed)
        results += 1
        if results == 20:
            raise _EnoughError

    concurrency = 2
    async with AuthleteClient(**authlete_emulator.client_kwargs()) as client:
        runner = BatchRunner(client, Tally(), concurrency=concurrency, on_outcome=on_outcome)
        with pytest.raises(_EnoughError):
            await runner.run(rows())
    assert seen_at_first_result[0] <= 2 * concurrency + 2
    assert consumed <= 20 + 2 * concurrency + 2


class _EnoughError(Exception):
    """Stops the batch from the result callback once the test has seen enough."""
