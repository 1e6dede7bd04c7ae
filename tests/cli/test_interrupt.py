"""``fail-batch`` as a process: killed, interrupted, and fed through a pipe left open."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from aioauthlete.testing import RunningEmulator
from tests.cli import (
    count_results,
    point_env_at,
    read_results,
    run_cli,
    start_fail_batch,
    wait_until,
    whole_records,
    write_lines,
)

TIMEOUT = 30


def _start(
    running: RunningEmulator, source: str, out: Path, *extra: str, stdin: int | None = None
) -> subprocess.Popen[bytes]:
    return start_fail_batch(running.base_url, source, out, *extra, stdin=stdin)


def test_killed_run_resumes_to_exactly_one_definitive_result_per_ticket(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """SIGKILL mid-batch, rerun: one definitive result each, none of them sent twice."""
    tickets = authlete_emulator.tickets.issue_tickets(150)
    source = write_lines(tmp_path / "in.txt", tickets)
    out = tmp_path / "out.jsonl"
    authlete_emulator.faults.latency = 0.03
    process = _start(authlete_emulator, str(source), out, "--concurrency", "3")
    try:
        wait_until(lambda: count_results(out) >= 10, TIMEOUT)
    finally:
        process.kill()
        process.communicate(timeout=TIMEOUT)
    assert process.returncode == -signal.SIGKILL
    first_run = out.read_bytes()
    settled = {str(r["ticket"]) for r in whole_records(first_run) if r.get("definitive")}
    assert 10 <= len(settled) < len(tickets)

    authlete_emulator.faults.latency = 0.0
    point_env_at(monkeypatch, authlete_emulator)
    rerun = run_cli(capsys, "fail-batch", str(source), "--reason", "ACCESS_DENIED", "-o", str(out))
    records = read_results(out)  # every line is JSON again, partial or not before
    lost = [r for r in records if not r["ok"]]
    assert all("answer lost" in r["error"] for r in lost)  # deleted by a call cut off
    assert rerun.status == (1 if lost else 0)
    definitive: dict[str, int] = {}
    for record in records:
        if record["definitive"]:
            definitive[record["ticket"]] = definitive.get(record["ticket"], 0) + 1
    assert definitive == dict.fromkeys(tickets, 1)
    hits = authlete_emulator.stats.ticket_hits
    assert all(hits[t] == 1 for t in settled)
    assert all(hits[t] in (1, 2) for t in tickets)  # a ticket in flight at the kill: twice


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_stop_cleanly_with_a_valid_file_and_a_summary(
    authlete_emulator: RunningEmulator, tmp_path: Path, signum: signal.Signals, status: int
) -> None:
    """SIGINT exits 130, SIGTERM 143; the summary says interrupted; the file is whole."""
    tickets = authlete_emulator.tickets.issue_tickets(200)
    source = write_lines(tmp_path / "in.txt", tickets)
    out = tmp_path / "out.jsonl"
    authlete_emulator.faults.latency = 0.03
    process = _start(authlete_emulator, str(source), out, "--concurrency", "2")
    try:
        wait_until(lambda: count_results(out) >= 5, TIMEOUT)
        process.send_signal(signum)
        _, err = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == status
    text = err.decode()
    assert "interrupted after" in text
    assert "run the same command again" in text
    assert "Traceback" not in text
    records = read_results(out)
    assert 5 <= len(records) < 200
    assert f"{len(records)} results appended" in text


def test_stdin_is_streamed_while_the_pipe_stays_open(
    authlete_emulator: RunningEmulator, tmp_path: Path
) -> None:
    """Tickets written to an open pipe are failed and recorded before stdin is closed."""
    tickets = authlete_emulator.tickets.issue_tickets(5)
    out = tmp_path / "out.jsonl"
    with _start(authlete_emulator, "-", out, stdin=subprocess.PIPE) as process:
        assert process.stdin is not None
        assert process.stderr is not None
        try:
            process.stdin.write("".join(f"{t}\n" for t in tickets[:3]).encode())
            process.stdin.flush()
            wait_until(lambda: count_results(out) == 3, TIMEOUT)
            assert process.poll() is None  # still waiting for more input
            process.stdin.write("".join(f"{t}\n" for t in tickets[3:]).encode())
            process.stdin.close()
            assert process.wait(TIMEOUT) == 0
        finally:
            process.kill()
        err = process.stderr.read()
    assert sorted(r["ticket"] for r in read_results(out)) == sorted(tickets)
    assert b"5 tickets, finished" in err
