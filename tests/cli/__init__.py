"""Tests of the ``aioauthlete`` command line, and the helpers they share.

The commands run in-process through ``main(argv)`` (stdout and stderr captured by
``capsys``) or as ``python -m aioauthlete`` subprocesses, always against an emulator on a
real loopback socket.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen

from aioauthlete._cli import main
from aioauthlete.testing import DEFAULT_ACCESS_TOKEN, DEFAULT_SERVICE_ID, RunningEmulator

AUTHLETE_VARIABLES = (
    "AUTHLETE_BASE_URL",
    "AUTHLETE_API_VERSION",
    "AUTHLETE_SERVICE_APIKEY",
    "AUTHLETE_SERVICE_ACCESSTOKEN",
    "AUTHLETE_SERVICE_APISECRET",
)
#: What every result line carries, whatever happened to the ticket.
COMMON_FIELDS = {"index", "line", "ticket", "ok", "attempts", "ambiguous", "elapsed", "definitive"}


@frozen
class Ran:
    """What one in-process run of the command printed, and its exit status."""

    status: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Ran:
    """Run ``aioauthlete *argv`` in this process and capture what it printed."""
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return Ran(status, out, err)


def clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every AUTHLETE_* variable, so a developer's settings cannot leak in."""
    for name in AUTHLETE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def point_env_at(monkeypatch: pytest.MonkeyPatch, running: RunningEmulator) -> None:
    """Configure the environment for the fixture's emulator (its public dev credentials)."""
    clear_env(monkeypatch)
    for name, value in emulator_env(running.base_url).items():
        monkeypatch.setenv(name, value)


def emulator_env(base_url: str) -> dict[str, str]:
    """The AUTHLETE_* variables that reach an emulator with the default credentials."""
    return {
        "AUTHLETE_BASE_URL": base_url,
        "AUTHLETE_SERVICE_APIKEY": DEFAULT_SERVICE_ID,
        "AUTHLETE_SERVICE_ACCESSTOKEN": DEFAULT_ACCESS_TOKEN,
    }


def subprocess_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without AUTHLETE_* variables, plus *extra*."""
    env = {k: v for k, v in os.environ.items() if k not in AUTHLETE_VARIABLES}
    env.update(extra or {})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli_command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "aioauthlete", *argv]


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every line of a results file (results and sent marks), parsed; fails on non-JSON."""
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), "the results file ends in a partial line"
    return [json.loads(line) for line in data.splitlines()]


def is_result(record: dict[str, Any]) -> bool:
    """A result line, as opposed to the mark written before a ticket is sent."""
    return "ok" in record


def read_results(path: Path) -> list[dict[str, Any]]:
    """The result lines of a results file, in file order (sent marks left out)."""
    return [record for record in read_records(path) if is_result(record)]


def whole_records(data: bytes) -> list[dict[str, Any]]:
    """The complete lines of a results file's bytes (a kill may have cut the last one)."""
    whole = data[: data.rfind(b"\n") + 1]
    return [json.loads(line) for line in whole.splitlines()]


def last_results(path: Path) -> dict[str, dict[str, Any]]:
    """The last result recorded for each ticket."""
    return {record["ticket"]: record for record in read_results(path)}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll *condition* (every 10 ms) until it holds; fail the test after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.01)


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """``wait_until`` for a test's event loop: poll *condition* without blocking the loop."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)


def count_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def count_results(path: Path) -> int:
    """Whole result lines written so far (sent marks and a partial last line not counted)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    return sum(is_result(record) for record in whole_records(data))


def batch_args(source: Path, out: Path | str, *extra: str) -> list[str]:
    """``fail-batch SOURCE --reason ACCESS_DENIED -o OUT *extra``, for ``run_cli``."""
    return ["fail-batch", str(source), "--reason", "ACCESS_DENIED", "-o", str(out), *extra]


def start_fail_batch(
    base_url: str,
    source: str,
    out: Path,
    *extra: str,
    stdin: int | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``aioauthlete fail-batch SOURCE -o OUT --reason ACCESS_DENIED`` as a child process."""
    argv = cli_command("fail-batch", source, "--reason", "ACCESS_DENIED", "-o", str(out), *extra)
    return subprocess.Popen(
        argv,
        env=subprocess_env({**emulator_env(base_url), **(env or {})}),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
