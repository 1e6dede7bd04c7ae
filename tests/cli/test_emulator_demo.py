"""``aioauthlete emulator`` (a served process) and ``aioauthlete demo`` (in-process)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import uuid
from pathlib import Path

import pytest

from aioauthlete import (
    AuthleteClient,
    BackchannelAuthenticationFailRequest,
    FailAction,
    FailReason,
)
from aioauthlete._cli._app import build_parser
from aioauthlete._cli._emulator import configure
from aioauthlete.testing import DEFAULT_ACCESS_TOKEN, DEFAULT_SERVICE_ID, RunningEmulator
from tests.cli import clear_env, cli_command, point_env_at, run_cli, subprocess_env, write_lines

CANARY = f"env-token-canary-{uuid.uuid4().hex}"


async def test_emulator_command_serves_until_sigint(tmp_path: Path) -> None:
    """It prints the URL and tickets, answers a real client, and SIGINT stops it with 0."""
    env = subprocess_env({"AUTHLETE_SERVICE_ACCESSTOKEN": CANARY})
    process = await asyncio.create_subprocess_exec(
        *cli_command("emulator", "--tickets", "2"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 30)).decode().rstrip("\n")
            for _ in range(6)
        ]
        fields = [line.split(" ", 1) for line in lines]
        base_url = fields[0][1]
        tickets = [value for key, value in fields if key == "ticket"]
        async with AuthleteClient(
            base_url=base_url, service_id=DEFAULT_SERVICE_ID, access_token=CANARY
        ) as client:
            response = await client.backchannel_authentication_fail(
                BackchannelAuthenticationFailRequest(
                    ticket=tickets[0], reason=FailReason.ACCESS_DENIED
                )
            )
    finally:
        process.send_signal(signal.SIGINT)
        rest, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert [key for key, _ in fields] == [
        "base_url",
        "service_id",
        "access_token",
        "api_secret",
        "ticket",
        "ticket",
    ]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
    assert fields[2][1] == "(from AUTHLETE_SERVICE_ACCESSTOKEN)"
    assert response.action is FailAction.FORBIDDEN
    assert process.returncode == 0
    assert CANARY.encode() not in rest + stderr
    assert CANARY not in "\n".join(lines)
    assert b"emulator stopped" in stderr


def test_emulator_flags_set_the_fault_switches() -> None:
    """--latency, --fail-first, --drop-first and --rate-limit reach the emulator's faults."""
    args = build_parser().parse_args(
        ["emulator", "--latency", "0.25", "--fail-first", "2", "--fail-status", "429",
         "--drop-first", "1", "--rate-limit", "100", "--service-id", "42"]
    )  # fmt: skip
    emulator = configure(args)
    assert emulator.service_id == "42"
    assert emulator.faults.latency == 0.25
    assert emulator.faults.pending == 3
    assert emulator.faults.rate_limit == (100.0, 200)


def test_emulator_refuses_flags_it_cannot_honour(capsys: pytest.CaptureFixture[str]) -> None:
    """A status without a body and a burst without a rate are usage errors (exit 2)."""
    assert run_cli(capsys, "emulator", "--fail-status", "204").status == 2
    assert run_cli(capsys, "emulator", "--rate-burst", "5").status == 2


def test_demo_runs_against_the_in_process_emulator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No Authlete configured: the demo seeds, fails, summarises and shows every action."""
    clear_env(monkeypatch)
    ran = run_cli(capsys, "demo", "--tickets", "300", "--concurrency", "8")
    assert ran.status == 0, ran.err
    assert "the built-in emulator at http://127.0.0.1:" in ran.out
    assert re.search(
        r"answered\s+300\s+\(BAD_REQUEST: 120, FORBIDDEN: 120, INTERNAL_SERVER_ERROR: 60\)", ran.out
    )
    assert re.search(r"demo: 300 tickets, finished in", ran.out)
    samples = [json.loads(line) for line in ran.out.splitlines() if line.startswith("    {")]
    assert {s["action"] for s in samples} == {"FORBIDDEN", "BAD_REQUEST", "INTERNAL_SERVER_ERROR"}
    assert "\r" not in ran.err  # captured stderr is no terminal: no progress bar


def test_demo_never_invents_tickets_for_a_real_authlete(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a token in the environment and no --file: exit 2, one line, no request made."""
    clear_env(monkeypatch)
    monkeypatch.setenv("AUTHLETE_SERVICE_ACCESSTOKEN", CANARY)
    monkeypatch.setenv("AUTHLETE_SERVICE_APIKEY", DEFAULT_SERVICE_ID)
    monkeypatch.setenv("AUTHLETE_BASE_URL", "http://127.0.0.1:9")  # nothing must connect
    ran = run_cli(capsys, "demo")
    assert ran.status == 2
    assert "--file" in ran.err
    assert CANARY not in ran.err + ran.out


def test_demo_with_a_file_fails_those_tickets_on_the_configured_service(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Configured by the environment, the demo sends exactly the tickets of --file."""
    point_env_at(monkeypatch, authlete_emulator)
    assert DEFAULT_ACCESS_TOKEN  # the fixture's emulator accepts the public dev token
    tickets = authlete_emulator.tickets.issue_tickets(4)
    source = write_lines(tmp_path / "real.txt", tickets)
    ran = run_cli(capsys, "demo", "--file", str(source), "--reason", "UNKNOWN_USER_ID")
    assert ran.status == 0, ran.err
    assert f"Authlete at {authlete_emulator.base_url}" in ran.out
    assert dict(authlete_emulator.stats.ticket_hits) == dict.fromkeys(tickets, 1)
    assert re.search(r"answered\s+4\s+\(BAD_REQUEST: 4\)", ran.out)
