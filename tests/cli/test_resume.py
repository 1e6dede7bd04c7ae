"""Resuming ``fail-batch``: definitive results are kept, the rest retried, the file repaired."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aioauthlete._cli._previous import load, repair
from aioauthlete._cli._resume import DEFINITIVE, OK, REACHED, ResumeIndex, resume_key
from aioauthlete.testing import RunningEmulator
from tests.cli import batch_args, last_results, point_env_at, read_results, run_cli, write_lines


def test_rerun_skips_definitive_tickets_and_retries_the_others(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Tickets whose 503s exhausted the retries are sent again; answered ones are not."""
    point_env_at(monkeypatch, authlete_emulator)
    tickets = authlete_emulator.tickets.issue_tickets(10)
    flaky = tickets[3], tickets[7]
    for ticket in flaky:
        authlete_emulator.faults.fail_ticket(ticket, [503] * 3, retry_after=0)
    source = write_lines(tmp_path / "in.txt", tickets)
    out = tmp_path / "out.jsonl"

    first = run_cli(capsys, *batch_args(source, out))
    assert first.status == 1
    after_first = last_results(out)
    assert {t for t, r in after_first.items() if not r["definitive"]} == set(flaky)
    assert all(after_first[t]["attempts"] == 3 for t in flaky)

    second = run_cli(capsys, *batch_args(source, out))
    assert second.status == 0
    hits = authlete_emulator.stats.ticket_hits
    assert {t: hits[t] for t in tickets} == {t: 4 if t in flaky else 1 for t in tickets}
    assert len(read_results(out)) == 12  # appended, not rewritten
    final = last_results(out)
    assert all(r["ok"] and r["definitive"] for r in final.values())
    assert "8 tickets with a definitive result will be skipped" in second.err
    assert re.search(r"skipped \(resume\)\s+8\s+\(answered before: 8\)", second.err)


def test_skipped_definitive_errors_keep_the_exit_status_at_1(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A ticket settled by a 400 is not sent again, and still counts as not answered."""
    point_env_at(monkeypatch, authlete_emulator)
    authlete_emulator.faults.fail_ticket("t-400", [400])
    source = write_lines(tmp_path / "in.txt", ["t-400"])
    out = tmp_path / "out.jsonl"
    assert run_cli(capsys, *batch_args(source, out)).status == 1
    again = run_cli(capsys, *batch_args(source, out))
    assert again.status == 1
    assert authlete_emulator.stats.ticket_hits["t-400"] == 1
    assert "failed definitively: 1" in again.err


def test_configuration_errors_are_retried_after_the_fix(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A 401 (wrong token) is not definitive: rerunning with the right token sends again."""
    point_env_at(monkeypatch, authlete_emulator)
    [ticket] = authlete_emulator.tickets.issue_tickets(1)
    source = write_lines(tmp_path / "in.txt", [ticket])
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as patched:
        patched.setenv("AUTHLETE_SERVICE_ACCESSTOKEN", "a-wrong-token")
        assert run_cli(capsys, *batch_args(source, out)).status == 1
    assert read_results(out)[0]["status"] == 401
    assert read_results(out)[0]["definitive"] is False
    assert "a-wrong-token" not in out.read_text()
    assert run_cli(capsys, *batch_args(source, out)).status == 0
    assert last_results(out)[ticket]["action"] == "FORBIDDEN"


def test_a_partial_last_line_is_cut_and_its_ticket_resent_as_ambiguous(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A result cut short by a crash is removed; its ticket, marked as sent, goes again, and
    the "unknown ticket" answer it now gets is recorded as the lost answer it stands for."""
    point_env_at(monkeypatch, authlete_emulator)
    tickets = authlete_emulator.tickets.issue_tickets(3)
    source = write_lines(tmp_path / "in.txt", tickets)
    out = tmp_path / "out.jsonl"
    assert run_cli(capsys, *batch_args(source, out, "--concurrency", "1")).status == 0
    lines = out.read_bytes().splitlines(keepends=True)
    assert json.loads(lines[-1])["ok"] is True
    cut = json.loads(lines[-1])["ticket"]
    out.write_bytes(b"".join(lines[:-1]) + lines[-1][:25])  # the last result half written

    ran = run_cli(capsys, *batch_args(source, out))
    assert ran.status == 1
    assert "removed a partial last line (25 bytes)" in ran.err
    assert "1 ticket may have reached Authlete in an earlier run" in ran.err
    records = read_results(out)  # fails on any line that is not JSON
    assert len(records) == 3
    again = records[2]
    assert again["ticket"] == cut
    assert (again["ok"], again["ambiguous"], again["definitive"]) == (False, True, True)
    assert again["error"].startswith("answer lost: ")
    assert authlete_emulator.stats.ticket_hits[cut] == 2
    assert re.search(r"answers lost\s+1\b", ran.err)


def test_repair_handles_empty_whole_and_headless_files(tmp_path: Path) -> None:
    """Nothing to cut in an empty or whole file; a file of one partial line is emptied."""
    path = tmp_path / "r.jsonl"
    assert repair(str(path)) == 0  # absent
    path.write_bytes(b"")
    assert repair(str(path)) == 0
    path.write_bytes(b'{"index":1}\n')
    assert repair(str(path)) == 0
    assert path.read_bytes() == b'{"index":1}\n'
    path.write_bytes(b'{"index":' + b"x" * 200_000)
    assert repair(str(path)) == 200_009
    assert path.read_bytes() == b""
    path.write_bytes(b'{"ind')  # cut inside the first key
    assert repair(str(path)) == 5


def test_load_keeps_the_last_record_per_ticket_and_skips_junk(tmp_path: Path) -> None:
    """Later lines win; a sent mark with no result after it means "may have reached";
    lines that are not ours are counted, not fatal."""
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"index":0,"ticket":"a","sent":true}\n'
        '{"index":0,"ticket":"a","ok":true,"definitive":true}\n'
        '{"index":1,"ticket":"b","ok":false,"definitive":true}\n'
        '{"index":1,"ticket":"b","ok":false,"definitive":false}\n'
        '{"index":2,"ticket":null,"ok":false,"definitive":true}\n'
        '{"index":3,"ticket":"c","sent":true}\n'
        '{"index":4,"ticket":"d","ok":false,"ambiguous":true,"definitive":false}\n'
        '{"index":5,"ticket":"e","sent":false}\n'
        "not json\n"
        "[1]\n",
        encoding="utf-8",
    )
    resumed = load(str(path))
    assert (resumed.results, resumed.marks, resumed.unreadable) == (5, 2, 3)
    index = resumed.index
    assert index.flags(resume_key("a", 0)) == DEFINITIVE | OK
    assert index.flags(resume_key("b", 1)) == 0
    assert index.flags(resume_key(None, 2)) == DEFINITIVE
    assert index.flags(resume_key(None, 3)) is None
    assert index.flags(resume_key("c", 3)) == REACHED
    assert index.flags(resume_key("d", 4)) == REACHED
    assert index.flags(resume_key("e", 5)) is None
    assert index.definitive() == 2
    assert index.reached() == 2


def test_resume_index_grows_and_finds_every_key() -> None:
    """Thousands of keys through several doublings: each found, unknown keys not."""
    index = ResumeIndex()
    keys = [resume_key(f"ticket-{n}", n) for n in range(5000)]
    for n, key in enumerate(keys):
        index.record(key, DEFINITIVE if n % 2 else OK)
    assert len(index) == 5000
    assert all(index.flags(k) == (DEFINITIVE if n % 2 else OK) for n, k in enumerate(keys))
    assert index.flags(resume_key("ticket-5000", 0)) is None
    assert index.definitive() == 2500
    assert len(index._slots) <= 4 * 5000  # at most half full, so two slots a key at worst


def test_resume_keys_differ_for_ticketless_rows_and_never_zero() -> None:
    """A row without a ticket is keyed by its index; no key is 0 (the empty slot)."""
    assert resume_key(None, 1) != resume_key(None, 2)
    assert resume_key("t", 1) == resume_key("t", 2)
    assert all(resume_key(str(n), 0) != 0 for n in range(1000))
