"""A batch Authlete refuses as a whole (401, 403, 404) stops early and says what is wrong."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from aioauthlete._cli._misconfig import STOP_AFTER
from aioauthlete.testing import RunningEmulator
from tests.cli import (
    batch_args,
    last_results,
    point_env_at,
    read_results,
    run_cli,
    write_lines,
)

CONCURRENCY = 4
#: When the batch stops, up to CONCURRENCY calls are in flight and as many answers may be
#: queued, unread: the most a stopped batch can have sent.
MOST_SENT = STOP_AFTER + 2 * CONCURRENCY
WRONG_TOKEN = f"wrong-token-{uuid.uuid4().hex}"


def _batch(source: Path, out: Path, *extra: str) -> list[str]:
    return batch_args(source, out, "--concurrency", str(CONCURRENCY), *extra)


@pytest.fixture
def env(authlete_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    point_env_at(monkeypatch, authlete_emulator)
    return authlete_emulator


def test_a_wrong_token_stops_the_batch_after_the_first_answers(
    env: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """500 tickets, all refused: a handful is sent, exit 2, the token variable is named and
    the summary is readable; the rerun with the right token sends every ticket."""
    tickets = env.tickets.issue_tickets(500)
    source = write_lines(tmp_path / "in.txt", tickets)
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as patched:
        patched.setenv("AUTHLETE_SERVICE_ACCESSTOKEN", WRONG_TOKEN)
        ran = run_cli(capsys, *_batch(source, out))
    assert ran.status == 2
    sent = env.stats.requests
    assert STOP_AFTER <= sent <= MOST_SENT
    assert len(read_results(out)) == sent
    assert re.search(rf"API errors\s+{sent}\s+\(HTTP 401 Unauthorized: {sent}\)", ran.err)
    assert "HTTP 401 4" not in ran.err
    assert f"the first {STOP_AFTER} answers were all HTTP 401 Unauthorized" in ran.err
    assert "AUTHLETE_SERVICE_ACCESSTOKEN" in ran.err
    assert "stopped after" in ran.err
    assert WRONG_TOKEN not in ran.err

    fixed = run_cli(capsys, *_batch(source, out))
    assert fixed.status == 0
    assert {r["action"] for r in last_results(out).values()} == {"FORBIDDEN"}
    assert len(last_results(out)) == 500


@pytest.mark.parametrize(
    ("service_id", "path", "status", "hint"),
    [
        ("4711", "", "HTTP 403 Forbidden", "may not fail tickets of service 4711"),
        (None, "/api", "HTTP 404 Not Found", "ends in /api, which the client adds itself"),
    ],
)
def test_a_wrong_service_or_url_stops_with_a_hint(
    env: RunningEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    service_id: str | None,
    path: str,
    status: str,
    hint: str,
) -> None:
    """403 (a service the token does not cover) or 404 (a path nobody serves) for every
    ticket: the batch stops, and the hint names the likely mistake."""
    source = write_lines(tmp_path / "in.txt", env.tickets.issue_tickets(200))
    flags = ["--base-url", env.base_url + path]
    if service_id is not None:
        flags += ["--service-id", service_id]
    ran = run_cli(capsys, *_batch(source, tmp_path / "out.jsonl", *flags))
    assert ran.status == 2
    assert env.stats.requests <= MOST_SENT
    assert status in ran.err
    assert hint in ran.err
    assert "HTTP 404 404" not in ran.err


def test_a_forbidden_token_stops_with_a_permissions_hint(
    env: RunningEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """403 for every ticket: stopped, and the hint is about what the token may do."""
    env.faults.fail_next(100, status=403)
    source = write_lines(tmp_path / "in.txt", env.tickets.issue_tickets(100))
    ran = run_cli(capsys, *_batch(source, tmp_path / "out.jsonl"))
    assert ran.status == 2
    assert env.stats.requests <= MOST_SENT
    assert "HTTP 403 Forbidden" in ran.err
    assert "may not fail tickets of service" in ran.err


def test_refusals_after_an_answer_never_stop_the_batch(
    env: RunningEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """One answer first, then 30 refusals: every ticket is still sent (exit 1, not 2)."""
    tickets = env.tickets.issue_tickets(31)
    for ticket in tickets[1:]:
        env.faults.fail_ticket(ticket, [401])
    source = write_lines(tmp_path / "in.txt", tickets)
    ran = run_cli(capsys, *_batch(source, tmp_path / "out.jsonl", "--concurrency", "1"))
    assert ran.status == 1
    assert env.stats.requests == 31
    assert "stopped" not in ran.err


def test_fewer_refusals_than_the_threshold_are_all_sent(
    env: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A file shorter than the threshold runs to its end, and still gets the hint."""
    monkeypatch.setenv("AUTHLETE_SERVICE_ACCESSTOKEN", WRONG_TOKEN)
    source = write_lines(tmp_path / "in.txt", env.tickets.issue_tickets(STOP_AFTER - 1))
    ran = run_cli(capsys, *_batch(source, tmp_path / "out.jsonl"))
    assert ran.status == 1
    assert env.stats.requests == STOP_AFTER - 1
    assert "finished in" in ran.err
    assert "every answer was HTTP 401 Unauthorized" in ran.err
    assert "AUTHLETE_SERVICE_ACCESSTOKEN" in ran.err
