"""Running Locust from the tests: always in another process, never in pytest's.

Importing Locust monkeypatches the whole process for gevent (sockets, threads, time), which
would change every other test of the session; so the scenarios run in ``tests.locust.driver``
and the command lines in ``locust`` processes, each bounded by a timeout, against servers
on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aioauthlete.testing import DEFAULT_ACCESS_TOKEN, DEFAULT_SERVICE_ID

ROOT = Path(__file__).resolve().parents[2]
#: A scenario takes a few seconds (Locust's import is about one); this bounds a hang.
DRIVER_TIMEOUT = 60.0


def locust_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment less any ``AUTHLETE_*`` a developer set, aimed at the
    emulator's development credentials (what the tests' emulators accept)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHLETE_", "LOCUST_"))}
    env["AUTHLETE_SERVICE_APIKEY"] = DEFAULT_SERVICE_ID
    env["AUTHLETE_SERVICE_ACCESSTOKEN"] = DEFAULT_ACCESS_TOKEN
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def driver_command(scenario: str, arguments: Mapping[str, Any]) -> list[str]:
    return [sys.executable, "-m", "tests.locust.driver", scenario, json.dumps(arguments)]


def parse(stdout: str, stderr: str, returncode: int) -> dict[str, Any]:
    """The driver's JSON, or an assertion error that shows what it printed."""
    assert returncode == 0, f"driver exited {returncode}\n{stderr[-4000:]}"
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["stderr"] = stderr
    return result


def run_driver(
    scenario: str, arguments: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Run a scenario and return what it printed (``stderr`` too, for leak checks); *env*
    adds to or replaces variables of ``locust_environment``."""
    done = subprocess.run(
        driver_command(scenario, arguments),
        cwd=ROOT,
        env=locust_environment(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DRIVER_TIMEOUT,
        check=False,
    )
    return parse(done.stdout, done.stderr, done.returncode)


async def run_driver_async(
    scenario: str, arguments: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``run_driver`` for tests whose servers run in this event loop: it keeps serving."""
    code, stdout, stderr = await run_async(driver_command(scenario, arguments), DRIVER_TIMEOUT, env)
    return parse(stdout.decode(), stderr.decode(), code)


async def run_async(
    command: Sequence[str], timeout: float, env: Mapping[str, str] | None = None
) -> tuple[int, bytes, bytes]:
    """Run *command* from the checkout in ``locust_environment`` without blocking this
    event loop: its exit status, stdout and stderr; killed if it outlasts *timeout*."""
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=locust_environment(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stdout, stderr
