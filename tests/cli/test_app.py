"""The command's skeleton: the subcommand registry and contract, progress bar, summary."""

from __future__ import annotations

import argparse
import importlib
import io
import re
import subprocess
import sys
import time
import types
from typing import Any

import pytest

from aioauthlete._cli import _app
from aioauthlete._cli._common import UsageError
from aioauthlete._cli._histogram import LatencyHistogram
from aioauthlete._cli._progress import INTERVAL, Progress
from aioauthlete._cli._summary import Tally, format_summary
from tests.cli import cli_command, run_cli, subprocess_env

_real_import = importlib.import_module


def _fake_module(name: str, run: Any) -> types.ModuleType:
    module = types.ModuleType(name)

    def add_parser(subparsers: Any) -> None:
        parser = subparsers.add_parser("fake", help="a test command")
        parser.add_argument("--value", type=int, default=0)
        parser.set_defaults(func=run)

    module.add_parser = add_parser  # type: ignore[attr-defined]
    return module


def _with_bench(monkeypatch: pytest.MonkeyPatch, replacement: object) -> None:
    """Make ``import aioauthlete._cli._bench`` return or raise *replacement*."""

    def import_module(name: str, package: str | None = None) -> Any:
        if name == "aioauthlete._cli._bench":
            if isinstance(replacement, BaseException):
                raise replacement
            return replacement
        return _real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", import_module)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """--help exits 0 and names the commands, in registry order."""
    ran = run_cli(capsys, "--help")
    assert ran.status == 0
    listed = [c for c in ("fail", "fail-batch", "demo", "emulator") if f"    {c} " in ran.out]
    assert listed == ["fail", "fail-batch", "demo", "emulator"]


def test_help_works_when_bench_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An absent _bench module is skipped: help works and lists no bench."""
    missing = ModuleNotFoundError("no", name="aioauthlete._cli._bench")
    _with_bench(monkeypatch, missing)
    ran = run_cli(capsys, "--help")
    assert ran.status == 0
    assert "bench" not in ran.out
    assert run_cli(capsys, "bench").status == 2  # argparse: invalid choice


def test_a_broken_bench_is_listed_as_unavailable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A _bench that fails to import shows why, and running it is a usage error."""
    _with_bench(monkeypatch, ModuleNotFoundError("No module named 'authlete'", name="authlete"))
    ran = run_cli(capsys, "--help")
    assert ran.status == 0
    assert "bench" in ran.out
    assert "unavailable" in ran.out
    used = run_cli(capsys, "bench", "--anything")
    assert used.status == 2
    assert "bench is unavailable" in used.err


def test_a_missing_own_command_module_is_a_bug_not_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only optional modules may be absent: a missing core module raises."""
    monkeypatch.setattr(_app, "COMMANDS", ("_no_such_command",))
    with pytest.raises(ModuleNotFoundError):
        _app.build_parser()


@pytest.mark.parametrize("is_async", [False, True])
def test_subcommand_contract_sync_and_async(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], is_async: bool
) -> None:
    """add_parser + set_defaults(func): an int or a coroutine's int is the exit status."""

    def run_sync(args: argparse.Namespace) -> int:
        print(f"sync {args.value} {args.timeout}")
        return int(args.value)

    async def run_async(args: argparse.Namespace) -> int:
        print(f"async {args.value} {args.timeout}")
        return int(args.value)

    module = _fake_module("fake", run_async if is_async else run_sync)
    _with_bench(monkeypatch, module)
    ran = run_cli(capsys, "--timeout", "3", "fake", "--value", "7")
    assert ran.status == 7
    assert ran.out == f"{'async' if is_async else 'sync'} 7 3.0\n"


def test_usage_error_raised_by_a_command_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A UsageError, sync or from a coroutine, is one stderr line and exit status 2."""

    async def run(_: argparse.Namespace) -> int:
        raise UsageError("bad idea")

    _with_bench(monkeypatch, _fake_module("fake", run))
    ran = run_cli(capsys, "fake")
    assert ran.status == 2
    assert ran.err == "aioauthlete: error: bad idea\n"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [((), "uvloop"), (("--loop", "asyncio"), "asyncio"), (("--loop", "uvloop"), "uvloop")],
)
def test_commands_run_on_uvloop_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flags: tuple[str, ...],
    expected: str,
) -> None:
    """uvloop (installed with the test extra) is the default loop; --loop asyncio opts out."""
    from aioauthlete._cli._loop import loop_name

    async def run(_: argparse.Namespace) -> int:
        print(loop_name())
        return 0

    _with_bench(monkeypatch, _fake_module("fake", run))
    ran = run_cli(capsys, *flags, "fake")
    assert (ran.status, ran.out) == (0, f"{expected}\n")


def test_loop_uvloop_without_uvloop_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Asking for uvloop where it is missing exits 2 and says how to install it; auto falls
    back to asyncio's loop."""
    from aioauthlete._cli._loop import loop_name

    async def run(_: argparse.Namespace) -> int:
        print(loop_name())
        return 0

    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    _with_bench(monkeypatch, _fake_module("fake", run))
    refused = run_cli(capsys, "--loop", "uvloop", "fake")
    assert refused.status == 2
    assert "pip install 'aioauthlete[uvloop]'" in refused.err
    fallback = run_cli(capsys, "fake")
    assert (fallback.status, fallback.out) == (0, "asyncio\n")


def test_version_and_argparse_errors_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    """--version exits 0; an unknown command or missing command exits 2."""
    assert run_cli(capsys, "--version").status == 0
    assert run_cli(capsys, "no-such-command").status == 2
    assert run_cli(capsys).status == 2


def test_python_dash_m_runs_main() -> None:
    """``python -m aioauthlete`` is the command (here: a usage error, exit 2)."""
    result = subprocess.run(
        cli_command("fail"), env=subprocess_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "--ticket" in result.stderr


def test_broken_stdout_pipe_is_not_a_traceback() -> None:
    """Closing stdout early (``| head``) ends the command quietly."""
    code = (
        "import sys, io; from aioauthlete._cli import main\n"
        "class Closed(io.StringIO):\n"
        "    def write(self, s): raise BrokenPipeError(32, 'Broken pipe')\n"
        "sys.stdout = Closed()\n"
        "sys.exit(main(['demo', '--tickets', '1']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_progress_renders_rate_eta_and_errors() -> None:
    """With a total: bar, percentage, rate, ETA; without: done, rate, errors."""
    assert Progress(200).render(50, 50, 3, 2.0) == (
        "[######..................] 50/200   25%  25/s  ETA 0:06  errors 3"
    )
    assert Progress(None).render(1500, 1000, 0, 1.0) == "1,500 done  1,000/s  errors 0"
    assert "10/10" in Progress(5).render(10, 10, 0, 1.0)  # an estimate below done grows


def test_progress_of_a_timed_run_fills_with_the_time() -> None:
    """bench --duration: the bar and the ETA follow the clock, the count is what is done."""
    ten_seconds = Progress(None, duration=10.0)
    assert ten_seconds.render(500, 500, 1, 2.5) == (
        "[######..................] 500 done   25%  200/s  ETA 0:08  errors 1"
    )
    assert ten_seconds.render(4000, 4000, 0, 10.2).startswith(f"[{'#' * 24}] 4,000 done  100%")


def test_progress_redraws_at_most_ten_times_a_second() -> None:
    """Thousands of updates in a burst draw a handful of frames, then finish ends the line."""
    stream = io.StringIO()
    progress = Progress(100_000, stream)
    started = time.monotonic()
    for done in range(20_000):
        progress.update(done, done, 0)
    elapsed = time.monotonic() - started
    assert progress.draws <= 1 + elapsed / INTERVAL + 1
    progress.finish(20_000, 20_000, 0)
    assert stream.getvalue().endswith("\n")
    assert stream.getvalue().count("\r") == progress.draws


def test_summary_latency_comes_from_the_load_tests_histogram() -> None:
    """p50/p95/p99 of 1..1000 ms within its 1.6 % (and the rounding to 0.1 ms), max exact."""
    tally = Tally()
    for ms in range(1, 1001):
        tally.sent("answered", "FORBIDDEN", ms / 1000)
    assert isinstance(tally.latency, LatencyHistogram)
    line = format_summary(tally, "t")[-1]
    figures = dict(re.findall(r"(p\d+|max) ([\d.]+) (?:ms|s)", line))
    for name, exact in (("p50", 500), ("p95", 950), ("p99", 990)):
        assert float(figures[name]) == pytest.approx(exact, rel=0.016, abs=0.05)
    assert "max 1.00 s" in line


def test_summary_lists_outcome_groups_in_order() -> None:
    """Groups with counts and details, interruption, throughput and latency lines."""
    tally = Tally()
    tally.sent("answered", "FORBIDDEN", 0.01)
    tally.sent("answered", "FORBIDDEN", 0.02)
    tally.sent("no answer", "not sent", 0.5, attempts=3)
    tally.sent("timeouts", "may have reached Authlete", 10.0, attempts=2, ambiguous=True)
    tally.invalid()
    tally.skip(ok=True)
    tally.interrupted = True
    tally.stop()
    lines = format_summary(tally, "t")
    assert lines[0].startswith("t: 6 tickets, interrupted after ")
    assert [line.split()[0] for line in lines[1:]] == [
        "answered",
        "API",
        "no",
        "timeouts",
        "unusable",
        "invalid",
        "skipped",
        "retried",
        "latency",
    ]
    assert "(FORBIDDEN: 2)" in lines[1]
    assert re.search(r"retried\s+2\s+\(ambiguous 1\)", lines[-2])
    assert "max 10.00 s" in lines[-1]
    assert not tally.all_ok


def test_summary_details_rank_by_count_then_name() -> None:
    """Ties do not depend on which answer came first (the event loop's scheduling)."""
    from aioauthlete._cli._summary import _details

    ranked = _details([("FORBIDDEN", 2), ("BAD_REQUEST", 2), ("SERVER", 3), ("", 9)])
    assert ranked == "   (SERVER: 3, BAD_REQUEST: 2, FORBIDDEN: 2)"
