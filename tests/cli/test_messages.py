"""What the commands say: flags in either place, help that agrees with itself, sizes that
mean something, and counts whose nouns agree."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from aioauthlete.testing import RunningEmulator
from tests.cli import point_env_at, run_cli, write_lines


def test_verbose_works_after_the_command_too(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``fail ... -v`` shows the library's give-up warning, as ``-v fail ...`` does."""
    point_env_at(monkeypatch, authlete_emulator)
    authlete_emulator.faults.fail_next(2, status=500, retry_after=0)
    argv = ["fail", "--attempts", "1", "--ticket", "t-v", "--reason", "SERVER_ERROR"]
    after = run_cli(capsys, *argv, "-v")
    before = run_cli(capsys, "-v", *argv)
    assert after.status == before.status == 1
    assert "WARNING aioauthlete: fail call gave up" in after.err
    assert "WARNING aioauthlete: fail call gave up" in before.err


def test_verbose_counts_add_up_on_both_sides(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``-v fail -v`` is ``-vv``: the per-attempt DEBUG records appear."""
    point_env_at(monkeypatch, authlete_emulator)
    ran = run_cli(capsys, "-v", "fail", "--ticket", "t-vv", "--reason", "SERVER_ERROR", "-v")
    assert ran.status == 0
    assert "DEBUG aioauthlete" in ran.err


def test_bench_help_states_one_default_for_attempts(capsys: pytest.CaptureFixture[str]) -> None:
    """bench retries nothing by default, and its help says so once, without a "default 3"."""
    ran = run_cli(capsys, "bench", "--help")
    assert ran.status == 0
    text = " ".join(ran.out.split())
    assert "(default 3)" not in text
    assert "attempts per call, the first included (default 1 here" in text


def test_an_absurd_ticket_on_stdin_is_refused_before_sending(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 2 MB "ticket" is not sent: exit 2, and the message says why (not a bare HTTP 413)."""
    point_env_at(monkeypatch, authlete_emulator)
    monkeypatch.setattr("sys.stdin", io.StringIO("x" * 2_000_000 + "\n"))
    ran = run_cli(capsys, "fail", "--ticket", "-", "--reason", "ACCESS_DENIED")
    assert ran.status == 2
    assert "over 4,096 characters" in ran.err
    assert "HTTP 413" not in ran.err
    assert authlete_emulator.stats.requests == 0


def test_a_request_over_the_body_cap_is_refused_before_sending(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 2 MB description makes a body over the client's 1 MiB cap: a usage error with
    the sizes, and nothing sent (aiohttp would also warn about sending so much as bytes)."""
    point_env_at(monkeypatch, authlete_emulator)
    description = "d" * 2_000_000
    ran = run_cli(
        capsys, "fail", "--ticket", "t", "--reason", "ACCESS_DENIED", "--description", description
    )
    assert ran.status == 2
    assert "the request body is 2,000,061 bytes, over the 1,048,576-byte cap" in ran.err
    assert authlete_emulator.stats.requests == 0


def test_a_request_too_large_for_the_server_says_so_with_its_sizes(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A server with a smaller limit than ours answers 413: explained with the sizes."""
    point_env_at(monkeypatch, authlete_emulator)
    authlete_emulator.emulator.faults.fail_next(1, status=413)
    ran = run_cli(
        capsys, "fail", "--ticket", "t", "--reason", "ACCESS_DENIED", "--description", "d" * 500
    )
    assert ran.status == 1
    assert "too large (HTTP 413 Request Entity Too Large)" in ran.err
    assert "the description 500" in ran.err


def test_a_long_ticket_in_a_file_is_an_invalid_row(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """In a batch, the same ticket is one invalid row that says how long it is."""
    point_env_at(monkeypatch, authlete_emulator)
    source = write_lines(tmp_path / "in.txt", ["y" * 5000])
    out = tmp_path / "out.jsonl"
    ran = run_cli(capsys, "fail-batch", str(source), "--reason", "ACCESS_DENIED", "-o", str(out))
    assert ran.status == 1
    assert "ticket is 5,000 characters long" in out.read_text()
    assert authlete_emulator.stats.requests == 0


def test_counts_of_one_are_singular(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """ "1 ticket", "1 result": in the summary, the resume notes and the demo."""
    point_env_at(monkeypatch, authlete_emulator)
    [ticket] = authlete_emulator.tickets.issue_tickets(1)
    source = write_lines(tmp_path / "in.txt", [ticket])
    argv = ["fail-batch", str(source), "--reason", "ACCESS_DENIED", "-o", str(tmp_path / "o")]
    first = run_cli(capsys, *argv)
    again = run_cli(capsys, *argv)
    demo = run_cli(capsys, "demo", "--emulator", "--tickets", "1")
    text = first.err + again.err + demo.out
    assert "fail-batch: 1 ticket," in first.err
    assert "1 result appended" in first.err
    assert "1 result recorded, 1 ticket with a definitive result" in again.err
    assert "Failing 1 ticket at" in demo.out
    assert "demo: 1 ticket," in demo.out
    assert not re.search(r"\b1 (tickets|results|lines|bytes|rows)\b", text)
