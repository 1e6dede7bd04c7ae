"""``aioauthlete fail-batch``: one result line per ticket, the summary, progress, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aioauthlete.testing import RunningEmulator
from tests.cli import COMMON_FIELDS, point_env_at, read_results, run_cli, write_lines


def test_every_ticket_gets_one_result_line_and_exit_0(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """All answered: one valid JSON line per ticket, with every field, and exit status 0."""
    point_env_at(monkeypatch, authlete_emulator)
    tickets = authlete_emulator.tickets.issue_tickets(30)
    tickets_file = write_lines(tmp_path / "tickets.txt", tickets)
    out = tmp_path / "out.jsonl"
    ran = run_cli(
        capsys, "fail-batch", str(tickets_file), "--reason", "ACCESS_DENIED", "-o", str(out)
    )
    assert ran.status == 0
    assert ran.out == ""
    records = read_results(out)
    assert sorted(r["index"] for r in records) == list(range(30))
    assert {r["ticket"] for r in records} == set(tickets)
    for record in records:
        assert set(record) == COMMON_FIELDS | {"action", "resultCode"}
        assert record["ok"] is True
        assert record["definitive"] is True
        assert record["action"] == "FORBIDDEN"
        assert record["resultCode"] == "A185001"
        assert record["attempts"] == 1
        assert record["ambiguous"] is False
        assert record["line"] == record["index"] + 1
        assert record["ticket"] == tickets[record["index"]]
        assert record["elapsed"] == round(record["elapsed"], 3)
    assert authlete_emulator.stats.requests == 30
    assert len(authlete_emulator.tickets) == 0


def test_mixed_outcomes_are_recorded_counted_and_exit_1(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Answers, a 400, exhausted 503s and invalid rows: each recorded, summarised, exit 1."""
    point_env_at(monkeypatch, authlete_emulator)
    good = authlete_emulator.tickets.issue_tickets(4)
    faults = authlete_emulator.faults
    faults.fail_ticket("t-400", [400])
    faults.fail_ticket("t-503", [503, 503], retry_after=0)
    rows = [
        {"ticket": good[0], "reason": "ACCESS_DENIED"},
        {"ticket": good[1], "reason": "UNKNOWN_USER_ID"},
        {"ticket": good[2], "reason": "SERVER_ERROR"},
        {"ticket": good[3]},
        {"ticket": "t-400"},
        {"ticket": "t-503"},
        {"ticket": "", "reason": "ACCESS_DENIED"},
        {"ticket": "t-bad-reason", "reason": "NOPE"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n", "utf-8")
    out = tmp_path / "out.jsonl"
    ran = run_cli(
        capsys, "--attempts", "2", "fail-batch", str(source), "--reason", "INVALID_TARGET",
        "--output", str(out), "--concurrency", "3",
    )  # fmt: skip
    assert ran.status == 1
    by_index = {r["index"]: r for r in read_results(out)}
    assert len(by_index) == 9
    assert [by_index[i].get("action") for i in range(4)] == [
        "FORBIDDEN",
        "BAD_REQUEST",
        "INTERNAL_SERVER_ERROR",
        "BAD_REQUEST",
    ]
    api_400 = by_index[4]
    assert (api_400["ok"], api_400["status"], api_400["definitive"]) == (False, 400, True)
    assert api_400["error"].startswith("HTTP 400")
    exhausted = by_index[5]
    assert (exhausted["status"], exhausted["attempts"], exhausted["definitive"]) == (503, 2, False)
    assert exhausted["resultCode"] == "A001101"
    for index in (6, 7, 8):
        invalid = by_index[index]
        assert invalid["ok"] is False
        assert invalid["definitive"] is True
        assert invalid["attempts"] == 0
        assert invalid["error"].startswith("invalid row: ")
    assert by_index[8]["ticket"] is None
    assert authlete_emulator.stats.ticket_hits["t-bad-reason"] == 0
    summary = ran.err
    assert re.search(r"answered\s+4\s+\(BAD_REQUEST: 2, ", summary)
    assert re.search(
        r"API errors\s+2\s+\(HTTP 400 Bad Request: 1, HTTP 503 Service Unavailable: 1\)", summary
    )
    assert re.search(r"invalid rows\s+3", summary)
    assert re.search(r"9 tickets, finished in [\d.]+ s \([\d,]+ tickets/s\)", summary)
    assert re.search(r"latency\s+p50 [\d.]+ ms\s+p95 [\d.]+ ms\s+p99 [\d.]+ ms", summary)
    assert "9 results appended" in summary


def test_transport_failures_are_split_by_whether_they_may_have_reached(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A dropped connection is 'may have reached', not definitive; the summary says so."""
    point_env_at(monkeypatch, authlete_emulator)
    authlete_emulator.faults.drop_ticket("t-drop", after_processing=True)
    source = write_lines(tmp_path / "in.txt", ["t-drop"])
    out = tmp_path / "out.jsonl"
    ran = run_cli(
        capsys, "--attempts", "1", "fail-batch", str(source), "--reason", "ACCESS_DENIED",
        "-o", str(out),
    )  # fmt: skip
    assert ran.status == 1
    [record] = read_results(out)
    assert (record["ok"], record["ambiguous"], record["definitive"]) == (False, True, False)
    assert "status" not in record
    assert re.search(r"no answer\s+1\s+\(may have reached Authlete: 1\)", ran.err)


def test_lines_without_reason_exit_2_before_sending(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Bare tickets and no --reason: a one-line usage error, no request, no results file."""
    point_env_at(monkeypatch, authlete_emulator)
    source = write_lines(tmp_path / "in.txt", ["a", "b"])
    out = tmp_path / "out.jsonl"
    ran = run_cli(capsys, "fail-batch", str(source), "-o", str(out))
    assert ran.status == 2
    assert "--reason" in ran.err
    assert len(ran.err.splitlines()) == 1
    assert authlete_emulator.stats.requests == 0
    assert not out.exists()


def test_csv_without_reason_column_or_flag_exits_2(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A CSV that cannot carry reasons needs --reason; nothing is sent without it."""
    point_env_at(monkeypatch, authlete_emulator)
    source = tmp_path / "in.csv"
    source.write_text("ticket,note\na,x\n", encoding="utf-8")
    ran = run_cli(capsys, "fail-batch", str(source), "-o", str(tmp_path / "o.jsonl"))
    assert ran.status == 2
    assert "no 'reason' column" in ran.err
    assert authlete_emulator.stats.requests == 0


def test_missing_input_and_output_same_as_input_exit_2(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """An unreadable input, or results written over the input, are usage errors."""
    point_env_at(monkeypatch, authlete_emulator)
    source = write_lines(tmp_path / "in.txt", ["a"])
    missing = run_cli(
        capsys, "fail-batch", str(tmp_path / "nope.txt"), "--reason", "ACCESS_DENIED", "-o", "x"
    )
    same = run_cli(
        capsys, "fail-batch", str(source), "--reason", "ACCESS_DENIED", "-o", str(source)
    )
    assert (missing.status, same.status) == (2, 2)
    assert "cannot read" in missing.err
    assert "must not be the input" in same.err
    assert source.read_text() == "a\n"


@pytest.mark.parametrize(("flag", "expected"), [(None, False), ("--progress", True)])
def test_progress_bar_only_on_a_terminal_unless_forced(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    flag: str | None,
    expected: bool,
) -> None:
    """Captured stderr is no terminal: no bar by default; --progress draws it anyway."""
    point_env_at(monkeypatch, authlete_emulator)
    tickets = authlete_emulator.tickets.issue_tickets(5)
    source = write_lines(tmp_path / "in.txt", tickets)
    argv = ["fail-batch", str(source), "--reason", "ACCESS_DENIED", "-o", str(tmp_path / "o")]
    ran = run_cli(capsys, *argv, *([flag] if flag else []))
    assert ran.status == 0
    assert ("\r" in ran.err) is expected
    assert ("5/5  100%" in ran.err) is expected
    assert "answered" in ran.err  # the summary is always there


def test_no_progress_wins_and_summary_is_still_printed(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """--no-progress keeps the bar off even where one would be drawn."""
    point_env_at(monkeypatch, authlete_emulator)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    source = write_lines(tmp_path / "in.txt", ["x"])
    argv = ["fail-batch", str(source), "--reason", "ACCESS_DENIED", "-o", str(tmp_path / "o")]
    with_bar = run_cli(capsys, *argv)
    without = run_cli(capsys, *argv, "--no-progress")
    assert "\r" in with_bar.err
    assert "\r" not in without.err
    assert "fail-batch: 1 ticket," in without.err


def test_rate_limit_flags_pace_the_batch(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """--rate 50 with --burst 1: ten tickets take at least 9 refill intervals (0.18 s)."""
    point_env_at(monkeypatch, authlete_emulator)
    source = write_lines(tmp_path / "in.txt", [f"t{i}" for i in range(10)])
    argv = ["fail-batch", str(source), "--reason", "ACCESS_DENIED", "-o", str(tmp_path / "o")]
    ran = run_cli(capsys, *argv, "--rate", "50", "--burst", "1")
    bad = run_cli(capsys, *argv, "--burst", "1")
    assert ran.status == 0
    seconds = float(re.search(r"finished in ([\d.]+) s", ran.err).group(1))  # type: ignore[union-attr]
    assert seconds >= 0.17
    assert bad.status == 2
    assert "--burst needs --rate" in bad.err
