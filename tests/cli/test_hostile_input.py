"""Hostile ticket files: each unreadable row is one invalid row; an untrustworthy file exits 2.

Whatever a row holds, rows in = results + invalid rows, on the first run and every rerun.
A file whose very structure cannot be read (a CSV header that does not parse, a UTF-16
file) is refused before anything is sent, naming the line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aioauthlete.testing import RunningEmulator
from tests.cli import batch_args, point_env_at, read_results, run_cli


@pytest.fixture
def env(authlete_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    point_env_at(monkeypatch, authlete_emulator)
    return authlete_emulator


def test_a_stray_csv_quote_spoils_its_own_row_only(
    env: RunningEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An unclosed quote, or a quote inside an unquoted field, is an invalid row; the rows
    after it are sent, on the first run and on the rerun alike."""
    tickets = env.tickets.issue_tickets(4)
    source = tmp_path / "in.csv"
    source.write_text(
        "ticket,reason\n"
        f"{tickets[0]},ACCESS_DENIED\n"
        f'"{tickets[1]},ACCESS_DENIED\n'
        f"{tickets[2]},ACCESS_DENIED\n"
        f'{tickets[3]},ACC"ESS_DENIED\n'
        f"{tickets[3]},ACCESS_DENIED\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    first = run_cli(capsys, *batch_args(source, out))
    assert first.status == 1
    by_line = {r["line"]: r for r in read_results(out)}
    assert sorted(by_line) == [2, 3, 4, 5, 6]  # one result per data row
    assert [by_line[n]["ok"] for n in (2, 4, 6)] == [True, True, True]
    assert by_line[3]["error"].startswith("invalid row: malformed CSV: ")
    assert "quote" in by_line[3]["error"]
    assert by_line[5]["error"].startswith("invalid row: malformed CSV: ")
    assert tickets[1] not in env.stats.ticket_hits

    again = run_cli(capsys, *batch_args(source, out))
    assert again.status == 1
    assert "5 tickets with a definitive result will be skipped" in again.err
    assert len(read_results(out)) == 5


def test_jsonl_nested_too_deep_or_with_a_lone_surrogate_is_an_invalid_row(
    env: RunningEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """100,000 brackets deep, or a "\\udc80" escape: one invalid row each, no traceback;
    the other rows are all answered, and the rerun does not stumble on them either."""
    tickets = env.tickets.issue_tickets(100)
    lines = [json.dumps({"ticket": t, "reason": "ACCESS_DENIED"}) for t in tickets]
    lines[7] = "[" * 100_000 + "]" * 100_000
    lines[20] = '{"ticket": "\\udc80x", "reason": "ACCESS_DENIED"}'
    lines[30] = '{"ticket": "ok", "errorDescription": "\\ud800"}'
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    first = run_cli(capsys, *batch_args(source, out))
    assert first.status == 1
    assert "Traceback" not in first.err
    results = {r["line"]: r for r in read_results(out)}
    assert len(results) == 100
    invalid = {n: r["error"] for n, r in results.items() if not r["ok"]}
    assert sorted(invalid) == [8, 21, 31]
    assert "nested too deeply" in invalid[8]
    assert "surrogate" in invalid[21]
    assert "surrogate" in invalid[31]
    assert env.stats.requests == 97

    again = run_cli(capsys, *batch_args(source, out))
    assert again.status == 1
    assert "100 tickets with a definitive result will be skipped" in again.err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.csv", b'ticket,"reason\nt1,ACCESS_DENIED\n', "line 1: the CSV header is malformed"),
        ("late.csv", b'\n\nticket,rea"son\nt1,ACCESS_DENIED\n', "line 3: the CSV header"),
        ("twice.csv", b"ticket,Ticket\nt1,t2\n", "line 1: the CSV header names 'ticket' twice"),
        ("utf16.txt", "t1\nt2\n".encode("utf-16"), "line 1: "),
        ("empty.csv", b"", "is empty: a CSV file needs a header row"),
        ("blank.csv", b"\n \n", "is empty: a CSV file needs a header row"),
    ],
)
def test_a_file_the_reader_cannot_trust_exits_2_naming_the_line(
    env: RunningEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    """Nothing is sent; the one-line error says where the file went wrong."""
    source = tmp_path / name
    source.write_bytes(content)
    ran = run_cli(capsys, *batch_args(source, tmp_path / "out.jsonl"))
    assert ran.status == 2
    assert message in ran.err
    assert "Traceback" not in ran.err
    assert env.stats.requests == 0
