"""The documented Locust commands, run as documented: the emulator they start, one process,
``--processes 2``, and a master with one worker on loopback; checked from the CSVs.

The commands are read from README.md's Locust section; what changes here is only what
must: ``-t 3s`` instead of ``-t 10s``, free ports, the CSVs in a temporary directory, the
venv's own scripts, and a second locustfile that counts the requests of each process
(``count_by_worker.py``).
"""

from __future__ import annotations

import csv
import os
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.ports import closed_port
from tests.locust.support import ROOT, locust_environment

MARKER = "tests/locust/test_cli.py runs these commands"
SCRIPTS = Path(sys.executable).parent
RUN_TIMEOUT = 60.0
OPERATIONS = {
    "backchannel_authentication",
    "backchannel_authentication_issue",
    "backchannel_authentication_fail",
    "backchannel_authentication_complete",
    "token",
}


def documented_commands() -> list[str]:
    """The lines of the console block the marker's skip reason names."""
    text = (ROOT / "README.md").read_text()
    at = text.find(MARKER)
    assert at >= 0, f"README.md has no block marked {MARKER!r}"
    start = text.index("```console\n", at) + len("```console\n")
    return [line for line in text[start : text.index("```", start)].splitlines() if line]


COMMANDS = documented_commands()
INSTALL, EMULATOR, EXPORT, SINGLE, PROCESSES, MASTER, WORKER = COMMANDS


def test_the_install_command_names_the_locust_extra_of_the_project() -> None:
    assert INSTALL == "python3.11 -m venv .venv && .venv/bin/pip install '.[locust]'"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert any(requirement.startswith("locust") for requirement in extras["locust"])
    assert any(requirement.startswith("locust") for requirement in extras["test"])


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    """The documented emulator command, on a free port instead of 8080."""
    words = shlex.split(EMULATOR.removesuffix("&"))
    assert words[:4] == [".venv/bin/aioauthlete", "emulator", "--port", "8080"]
    port = closed_port()
    command = [str(SCRIPTS / "aioauthlete"), *words[1:3], str(port), *words[4:]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHLETE_")}
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the emulator prints its URL first, once listening
        assert line == f"base_url http://127.0.0.1:{port}\n", line
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.communicate(timeout=RUN_TIMEOUT)  # and close its pipe


def exported() -> dict[str, str]:
    """The variables the documented ``export`` sets."""
    words = shlex.split(EXPORT)
    assert words[0] == "export"
    return dict(word.split("=", 1) for word in words[1:])


def adapted(command: str, url: str, tmp_path: Path, port: int) -> list[str]:
    """A documented locust command, as this test runs it (see the module's docstring)."""
    words = shlex.split(command.removesuffix("&"))
    assert words[:3] == [".venv/bin/locust", "-f", "examples/locustfile.py"]
    words[0:3] = [
        str(SCRIPTS / "locust"),
        "-f",
        "examples/locustfile.py,tests/locust/count_by_worker.py",
    ]
    replaced = {"http://127.0.0.1:8080": url, "10s": "3s", "out": str(tmp_path / "out")}
    words = [replaced.get(word, word) for word in words]
    if "--worker" in words or "--processes" in words:
        words += ["--master-port", str(port)]
    if "--master" in words or "--processes" in words:
        words += ["--master-bind-port", str(port)]
    return words


def start(words: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        words,
        cwd=ROOT,
        env=locust_environment(exported()),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> str:
    """Wait for *process*; its output, after checking it exited 0 (Locust exits 1 when
    any request failed)."""
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output[-4000:]
    return output


def statistics(tmp_path: Path) -> tuple[dict[str, list[int]], dict[str, int]]:
    """The CSV's rows: requests and failures per operation, requests per process."""
    with (tmp_path / "out_stats.csv").open(newline="") as stats:
        rows = list(csv.DictReader(stats))
    operations = {
        r["Name"]: [int(r["Request Count"]), int(r["Failure Count"])]
        for r in rows
        if r["Type"] == "POST"
    }
    processes = {r["Name"]: int(r["Request Count"]) for r in rows if r["Type"] == "WORKER"}
    assert all(r["Failure Count"] == "0" for r in rows)
    return operations, processes


def check(tmp_path: Path, processes: int) -> None:
    operations, by_process = statistics(tmp_path)
    assert set(operations) == OPERATIONS
    assert all(requests > 0 and failures == 0 for requests, failures in operations.values())
    assert len(by_process) == processes
    assert all(requests > 0 for requests in by_process.values())
    assert sum(by_process.values()) == sum(requests for requests, _ in operations.values())


def test_the_single_process_run_calls_every_operation_without_a_failure(
    emulator_url: str, tmp_path: Path
) -> None:
    finished(start(adapted(SINGLE, emulator_url, tmp_path, closed_port())))
    check(tmp_path, processes=1)


def test_two_worker_processes_both_send_requests_and_every_operation_succeeds(
    emulator_url: str, tmp_path: Path
) -> None:
    assert "--processes 2" in PROCESSES
    finished(start(adapted(PROCESSES, emulator_url, tmp_path, closed_port())))
    check(tmp_path, processes=2)


def test_a_master_and_a_worker_on_loopback_run_the_flow_together(
    emulator_url: str, tmp_path: Path
) -> None:
    assert MASTER.endswith("&")
    assert "--master-bind-host 127.0.0.1" in MASTER
    port = closed_port()
    master = start(adapted(MASTER, emulator_url, tmp_path, port))
    try:
        finished(start(adapted(WORKER, emulator_url, tmp_path, port)))  # ends with the test
    finally:
        finished(master)
    check(tmp_path, processes=1)
