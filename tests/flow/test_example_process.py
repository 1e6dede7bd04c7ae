"""examples/ciba_server.py as a process: --port 0, a clean stop on SIGINT and SIGTERM with
the device steps still running cancelled, no secret in what it prints, and exit status 2
for a configuration or a port it cannot use."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.cli import subprocess_env
from tests.flow.conftest import ANSWER_AFTER, World
from tests.flow.servers import EXAMPLE, STOP_TIMEOUT, ExampleServer
from tests.flow.specclient import Outcome, SpecClient

#: What a leaked token, secret or auth_req_id would look like: 30 or more URL-safe characters.
SECRET_LOOKING = re.compile(r"[A-Za-z0-9_-]{30,}")


def secrets_of(outcome: Outcome) -> set[str]:
    bodies = [outcome.first, outcome.last]
    found = {str(b.body[k]) for b in bodies if b for k in b.body if k != "error_description"}
    if outcome.notification is not None:
        found |= {str(v) for v in outcome.notification.body.values()}
        found.add(outcome.notification.authorization.partition(" ")[2])
    return {value for value in found if len(value) > 20}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_the_server_cancelling_device_steps_and_closing_its_client(
    world: World, tmp_path: Path, signum: signal.Signals
) -> None:
    environ = {**world.environ, "PYTHONWARNINGS": "default::ResourceWarning"}  # shown if left open
    server = ExampleServer(environ, tmp_path / "stderr.log", "--approve-after", ANSWER_AFTER)
    url = await asyncio.to_thread(server.start)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    try:
        async with aiohttp.ClientSession() as http:
            poll = SpecClient(
                http, url, "4326385670", "aioauthlete-emulator-poll-client-secret", "poll"
            )
            async with asyncio.timeout(20):
                approved = await poll.run("alice")
                waiting, _ = await poll.authenticate("carol")  # her device step never ends
            completes = world.emulator.stats.operations["complete"]
            assert approved.ended == "tokens"
            assert waiting.status == 200
            status = await asyncio.to_thread(server.stop, signum)
            with pytest.raises(aiohttp.ClientConnectionError):
                await poll.authenticate("alice")
    finally:
        server.kill()
    output = server.output()
    assert status == 0, output
    assert "stopping, device steps cancelled: 1" in output
    assert world.emulator.stats.operations["complete"] == completes  # carol's never sent
    assert not re.search("Traceback|Unclosed|ResourceWarning|Task was destroyed", output), output
    leaked = secrets_of(approved) | {waiting.body["auth_req_id"]}
    assert not [value for value in leaked if value in output]
    assert not SECRET_LOOKING.findall(output), output


def run_example(environ: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *flags],
        env=subprocess_env(environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=STOP_TIMEOUT,
        check=False,
    )


def test_without_the_authlete_variables_it_exits_2_saying_what_is_missing() -> None:
    done = run_example({}, "--port", "0")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines()[-1] == (
        "ciba_server: error: AUTHLETE_SERVICE_APIKEY is not set (the service ID)"
    )


def test_a_port_in_use_exits_2(world: World) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run_example(world.environ, "--port", str(taken.getsockname()[1]))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("ciba_server: error: ")
    assert "Traceback" not in done.stderr
