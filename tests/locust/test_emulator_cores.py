"""examples/emulator_cores.py: two emulator processes on one port carry the example's flow
without a failure, and each of them answers part of it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

from tests.locust.support import ROOT, run_driver

STARTUP_TIMEOUT = 60.0


def test_two_emulator_processes_share_the_port_and_the_flow_and_both_answer() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHLETE_")}
    process = subprocess.Popen(
        [sys.executable, "examples/emulator_cores.py", "--processes", "2"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once both processes listen
        assert line.startswith("base_url http://127.0.0.1:"), line
        base_url = line.split()[1]
        ran = run_driver("flow", {"base_url": base_url, "users": 20, "seconds": 2})
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=STARTUP_TIMEOUT)
    assert process.returncode == 0, stderr
    assert ran["errors"] == []
    recorded = sum(requests for requests, _ in ran["rows"].values())
    served = {
        int(n): int(count.replace(",", ""))
        for n, count in re.findall(r"^process (\d): ([\d,]+) requests$", stderr, re.MULTILINE)
    }
    assert set(served) == {1, 2}
    assert all(count > 0 for count in served.values())  # 20 connections, spread by the kernel
    assert 0 <= sum(served.values()) - recorded <= 20  # calls cut off when the run stopped


def test_a_port_in_use_is_a_usage_error_not_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "examples/emulator_cores.py", "--processes", "1", "--port", str(port)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert f"127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
