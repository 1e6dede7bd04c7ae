"""Where ``--output`` points: someone else's file is left alone, a full disk loses no summary,
and a stream (stdout, a FIFO) receives the results."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path
from typing import NoReturn

import pytest

from aioauthlete._cli import _output
from aioauthlete.testing import RunningEmulator
from tests.cli import (
    batch_args,
    point_env_at,
    read_results,
    run_cli,
    start_fail_batch,
    write_lines,
)

TIMEOUT = 30


@pytest.fixture
def env(authlete_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    point_env_at(monkeypatch, authlete_emulator)
    return authlete_emulator


@pytest.mark.parametrize(
    "content",
    [
        b"my notes\n" * 388 + b"no final newline",  # 3,508 bytes, the last line unfinished
        b"a,b\n1,2\n",
        b'{"ticket": "x"}\n',
        b'{"index":0,"ticket":"t","ok":true,"definitive":true}\nand then some text',
    ],
)
def test_an_output_that_is_not_a_results_file_is_refused_untouched(
    env: RunningEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    """Exit 2 before anything is sent, the file byte for byte as it was."""
    source = write_lines(tmp_path / "in.txt", env.tickets.issue_tickets(3))
    notes = tmp_path / "notes.txt"
    notes.write_bytes(content)
    ran = run_cli(capsys, *batch_args(source, notes))
    assert ran.status == 2
    assert "is not a results file of fail-batch" in ran.err
    assert "left as it was" in ran.err
    assert notes.read_bytes() == content
    assert env.stats.requests == 0


def test_a_full_device_still_gets_the_summary_and_a_clear_error(
    env: RunningEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """/dev/full fails every write with ENOSPC: the batch stops, the summary is printed,
    the error is one line, and the exit status is 1."""
    tickets = env.tickets.issue_tickets(50)
    source = write_lines(tmp_path / "in.txt", tickets)
    ran = run_cli(capsys, *batch_args(source, "/dev/full", "--concurrency", "2"))
    assert ran.status == 1
    assert "Traceback" not in ran.err
    assert "fail-batch: " in ran.err
    assert "stopped after" in ran.err
    assert "cannot write /dev/full: No space left on device" in ran.err
    assert env.stats.requests <= 2 + 2  # the calls in flight when the first write failed


def test_enospc_mid_batch_stops_it_and_a_rerun_completes(
    env: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """The disk fills after 20 records: nothing is sent unrecorded, the summary is printed;
    once there is room, the rerun gives every ticket exactly one definitive result."""
    tickets = env.tickets.issue_tickets(60)
    source = write_lines(tmp_path / "in.txt", tickets)
    out = tmp_path / "out.jsonl"
    writes = 0
    real_write = os.write

    def filling(fd: int, data: bytes) -> int:
        nonlocal writes
        writes += 1
        if writes > 20:
            return real_write(fd, data[: len(data) // 2]) if writes == 21 else _full()
        return real_write(fd, data)

    with monkeypatch.context() as patched:
        patched.setattr(_output, "_write", filling)
        first = run_cli(capsys, *batch_args(source, out, "--concurrency", "3"))
    assert first.status == 1
    assert "Traceback" not in first.err
    assert "No space left on device" in first.err
    assert "stopped after" in first.err
    assert env.stats.requests < len(tickets)

    second = run_cli(capsys, *batch_args(source, out))
    assert second.status in (0, 1)  # 1 when a result lost to the full disk was an answer
    assert "removed a partial last line" in second.err
    definitive: dict[str, int] = {}
    for record in read_results(out):
        if record["definitive"]:
            definitive[record["ticket"]] = definitive.get(record["ticket"], 0) + 1
    assert definitive == dict.fromkeys(tickets, 1)


def _full() -> NoReturn:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_failing_close_is_reported_after_the_summary(
    env: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """ENOSPC from close: the summary, then one error line, exit 1, no traceback."""
    source = write_lines(tmp_path / "in.txt", env.tickets.issue_tickets(5))
    real_close = os.close

    def failing_close(fd: int) -> None:
        real_close(fd)
        _full()

    monkeypatch.setattr(_output, "_close", failing_close)
    ran = run_cli(capsys, *batch_args(source, tmp_path / "out.jsonl"))
    assert ran.status == 1
    assert "Traceback" not in ran.err
    assert "finished in" in ran.err
    assert "closing" in ran.err
    assert "No space left on device" in ran.err


def test_results_can_go_to_stdout(env: RunningEmulator, tmp_path: Path) -> None:
    """``-o /dev/stdout`` on a pipe: one result per ticket on stdout, the summary on stderr."""
    tickets = env.tickets.issue_tickets(5)
    source = write_lines(tmp_path / "in.txt", tickets)
    process = start_fail_batch(env.base_url, str(source), Path("/dev/stdout"))
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert len(lines) == 5  # results only: a stream gets no sent marks
    assert b"cannot be resumed" in err
    assert b"5 tickets, finished" in err


def test_results_can_go_to_a_fifo(env: RunningEmulator, tmp_path: Path) -> None:
    """A FIFO is written to once its reader opens it; nothing is truncated or resumed."""
    tickets = env.tickets.issue_tickets(5)
    source = write_lines(tmp_path / "in.txt", tickets)
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        process = start_fail_batch(env.base_url, str(source), fifo)
        _, err = process.communicate(timeout=TIMEOUT)
    finally:
        if reader.is_alive():  # the command never opened the FIFO: release the reader
            with open(fifo, "wb"):
                pass
        reader.join(TIMEOUT)
    assert process.returncode == 0, err.decode()
    assert len(received[0].splitlines()) == 5
    assert {json.loads(line)["ticket"] for line in received[0].splitlines()} == set(tickets)


def test_a_directory_as_output_is_a_usage_error(
    env: RunningEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A directory cannot hold results: one line, exit 2, nothing sent."""
    source = write_lines(tmp_path / "in.txt", ["t"])
    ran = run_cli(capsys, *batch_args(source, tmp_path))
    assert ran.status == 2
    assert "is a directory" in ran.err
    assert env.stats.requests == 0
