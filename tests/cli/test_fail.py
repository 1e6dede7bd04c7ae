"""``aioauthlete fail``: one ticket, the wire JSON on stdout, exit statuses 0/1/2."""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest

from aioauthlete import BackchannelAuthenticationFailResponse, FailAction, converter
from aioauthlete._redact import ticket_ref
from aioauthlete.testing import DEFAULT_SERVICE_ID, AuthleteEmulator, RunningEmulator
from tests.cli import clear_env, point_env_at, run_cli

CANARY_TOKEN = f"cli-canary-token-{uuid.uuid4().hex}"


def test_fail_prints_the_wire_json_of_the_answer_and_exits_0(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An answer goes to stdout as one camelCase JSON object; stderr stays empty."""
    point_env_at(monkeypatch, authlete_emulator)
    [ticket] = authlete_emulator.tickets.issue_tickets(1)
    ran = run_cli(
        capsys, "fail", "--ticket", ticket, "--reason", "access_denied", "--description", "no"
    )
    assert ran.status == 0
    assert ran.err == ""
    wire = json.loads(ran.out)
    assert set(wire) == {"resultCode", "resultMessage", "action", "responseContent"}
    response = converter.structure(wire, BackchannelAuthenticationFailResponse)
    assert response.action is FailAction.FORBIDDEN
    assert json.loads(wire["responseContent"]) == {
        "error": "access_denied",
        "error_description": "no",
    }
    assert ticket not in authlete_emulator.tickets


def test_internal_server_error_action_is_an_answer_too(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An unknown ticket gets action INTERNAL_SERVER_ERROR: printed, exit 0."""
    point_env_at(monkeypatch, authlete_emulator)
    ran = run_cli(capsys, "fail", "--ticket", "never-issued", "--reason", "UNKNOWN_USER_ID")
    assert ran.status == 0
    assert json.loads(ran.out)["action"] == "INTERNAL_SERVER_ERROR"


def test_ticket_dash_reads_the_ticket_from_stdin(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--ticket -`` takes the first line of stdin, so the ticket is not in argv."""
    point_env_at(monkeypatch, authlete_emulator)
    [ticket] = authlete_emulator.tickets.issue_tickets(1)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{ticket}\r\nignored\n"))
    ran = run_cli(capsys, "fail", "--ticket", "-", "--reason", "UNKNOWN_USER_ID")
    assert ran.status == 0
    assert json.loads(ran.out)["action"] == "BAD_REQUEST"
    assert authlete_emulator.stats.ticket_hits == {ticket: 1}


def test_api_error_exits_1_with_a_hint_that_hides_token_and_ticket(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 401 prints the error and a hint on stderr: no token, no ticket, nothing on stdout."""
    emulator = AuthleteEmulator(access_token="the-right-token", environ={})
    clear_env(monkeypatch)
    ticket = f"secret-ticket-{uuid.uuid4().hex}"
    with emulator.serve_in_thread() as base_url:
        monkeypatch.setenv("AUTHLETE_SERVICE_ACCESSTOKEN", CANARY_TOKEN)
        monkeypatch.setenv("AUTHLETE_SERVICE_APIKEY", emulator.service_id)
        ran = run_cli(
            capsys, "fail", "--base-url", base_url, "--ticket", ticket, "--reason", "SERVER_ERROR"
        )
    assert ran.status == 1
    assert ran.out == ""
    lines = ran.err.splitlines()
    assert len(lines) == 2  # the error, then what is likely wrong
    assert "HTTP 401" in lines[0]
    assert ticket_ref(ticket) in lines[0]
    assert "does not accept the credentials: check AUTHLETE_SERVICE_ACCESSTOKEN" in lines[1]
    assert CANARY_TOKEN not in ran.err
    assert ticket not in ran.err


def test_injected_server_errors_exhaust_the_attempts_and_exit_1(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--attempts bounds the retries; the last error is the one line printed."""
    point_env_at(monkeypatch, authlete_emulator)
    authlete_emulator.faults.fail_next(2, status=503, retry_after=0)
    ran = run_cli(capsys, "--attempts", "2", "fail", "--ticket", "t", "--reason", "SERVER_ERROR")
    assert ran.status == 1
    assert authlete_emulator.stats.requests == 2
    assert ran.err.count("\n") == 1
    assert "HTTP 503" in ran.err


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("AUTHLETE_SERVICE_ACCESSTOKEN", "AUTHLETE_SERVICE_ACCESSTOKEN is not set"),
        ("AUTHLETE_SERVICE_APIKEY", "AUTHLETE_SERVICE_APIKEY"),
    ],
)
def test_missing_configuration_exits_2_before_any_request(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    unset: str,
    message: str,
) -> None:
    """No token or no service ID: one line naming the variable, exit 2, nothing sent."""
    point_env_at(monkeypatch, authlete_emulator)
    monkeypatch.delenv(unset)
    ran = run_cli(capsys, "fail", "--ticket", "t", "--reason", "ACCESS_DENIED")
    assert ran.status == 2
    assert message in ran.err
    assert len(ran.err.splitlines()) == 1
    assert authlete_emulator.stats.requests == 0


def test_an_invalid_ticket_is_a_usage_error_that_does_not_echo_it(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A ticket with a control character exits 2 without being sent or printed."""
    point_env_at(monkeypatch, authlete_emulator)
    monkeypatch.setattr("sys.stdin", io.StringIO("tick\x01et-secret\n"))
    ran = run_cli(capsys, "fail", "--ticket", "-", "--reason", "ACCESS_DENIED")
    assert ran.status == 2
    assert "control characters" in ran.err
    assert "et-secret" not in ran.err
    assert authlete_emulator.stats.requests == 0


def test_token_and_secret_cannot_be_given_on_the_command_line(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No option takes a credential, and an attempt to pass one is a usage error."""
    for argv in ([], ["fail"], ["fail-batch"], ["demo"]):
        shown = run_cli(capsys, *argv, "--help")
        assert shown.status == 0
        assert not re.findall(r"--[\w-]*(?:token|secret|apikey)", shown.out)
    point_env_at(monkeypatch, authlete_emulator)
    monkeypatch.delenv("AUTHLETE_SERVICE_ACCESSTOKEN")
    for flag in ("--access-token", "--token", "--api-secret"):
        ran = run_cli(capsys, "fail", "--ticket", "t", "--reason", "ACCESS_DENIED", flag, "x")
        assert ran.status == 2
    assert authlete_emulator.stats.requests == 0


def test_connection_flags_work_before_and_after_the_command(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--base-url and --service-id are accepted on either side of the command's name."""
    point_env_at(monkeypatch, authlete_emulator)
    monkeypatch.delenv("AUTHLETE_BASE_URL")
    monkeypatch.delenv("AUTHLETE_SERVICE_APIKEY")
    where = ["--base-url", authlete_emulator.base_url, "--service-id", DEFAULT_SERVICE_ID]
    fail = ["fail", "--reason", "ACCESS_DENIED", "--ticket"]
    before = run_cli(capsys, *where, *fail, "a")
    after = run_cli(capsys, *fail, "b", *where)
    assert (before.status, after.status) == (0, 0)
    assert authlete_emulator.stats.ticket_hits == {"a": 1, "b": 1}


def test_verbose_shows_the_library_log_which_is_otherwise_muted(
    authlete_emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """-v adds the library's give-up warning (ticket hashed); without it, one line only."""
    point_env_at(monkeypatch, authlete_emulator)
    authlete_emulator.faults.fail_next(2, status=500, retry_after=0)
    argv = ["--attempts", "1", "fail", "--ticket", "tkt-verbose", "--reason", "SERVER_ERROR"]
    quiet = run_cli(capsys, *argv)
    loud = run_cli(capsys, "-v", *argv)
    assert len(quiet.err.splitlines()) == 1
    assert "WARNING aioauthlete: fail call gave up" in loud.err
    assert ticket_ref("tkt-verbose") in loud.err
    assert "tkt-verbose" not in loud.err
