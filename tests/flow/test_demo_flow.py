"""``aioauthlete demo --flow`` and plain ``demo``: the example's flow in the three delivery
modes against an embedded emulator, every message printed, no secret among them."""

from __future__ import annotations

import re

import pytest

from aioauthlete._cli import _flow
from aioauthlete.testing import DEFAULT_CLIENTS
from tests.cli import clear_env, run_cli

#: What a leaked token, secret or auth_req_id would look like: 30 or more URL-safe characters.
SECRET_LOOKING = re.compile(r"[A-Za-z0-9_-]{30,}")
ENDINGS = [
    "poll mode, alice approves",
    "ping mode, alice approves",
    "push mode, alice approves",
    "push mode, bob denies",
    "poll mode, nobody is called mallory",
    "ping mode, the client sends a wrong secret",
]


def exchanges(out: str) -> dict[str, list[str]]:
    """The demo's output by exchange: its heading (up to the parenthesis) -> its lines."""
    found: dict[str, list[str]] = {}
    for block in out.split("\n\n"):
        heading, _, rest = block.partition("\n")
        if " mode, " in heading:
            found[heading.split(" (")[0]] = rest.splitlines()
    return found


def senders(lines: list[str]) -> list[str]:
    return [line[2:22].strip() for line in lines if line.startswith("  ") and line[2] != "="]


def test_demo_flow_tells_each_exchange_in_order_ending_as_the_spec_says(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_env(monkeypatch)
    ran = run_cli(capsys, "demo", "--flow")
    assert ran.status == 0, ran.out + ran.err
    told = exchanges(ran.out)
    assert list(told) == ENDINGS
    assert [lines[-1] for lines in told.values()] == [
        f"  => {end} (as CIBA Core 1.0 says)"
        for end in ["tokens"] * 3 + ["access_denied", "unknown_user_id", "invalid_client"]
    ]
    poll, ping, push = (told[f"{mode} mode, alice approves"] for mode in ("poll", "ping", "push"))
    ask = ["client -> server", "server -> Authlete", "server -> Authlete", "client <- server"]
    poll_once = ["client -> server", "server -> Authlete", "client <- server"]
    assert senders(poll) == [*ask, *poll_once, "client", "server -> Authlete", *poll_once]
    assert '400 {"error":"authorization_pending"}' in poll[6]
    assert "backchannel/authentication/complete -> NO_ACTION" in poll[8]
    assert "POST /ciba/ping  Bearer <redacted>" in ping[5]
    assert "-> 204" in ping[5]
    assert "POST /ciba/push  Bearer <redacted>" in push[5]
    assert re.search(r'"auth_req_id":"<[0-9a-f]{12}>"\} -> 204$', push[5])
    assert "flow: 6 exchanges, 6 ended as CIBA Core 1.0 says" in ran.out
    assert ran.err == ""


def test_demo_flow_shows_no_secret_and_no_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_env(monkeypatch)
    ran = run_cli(capsys, "demo", "--flow")
    assert ran.status == 0
    for client in DEFAULT_CLIENTS:
        assert client.secret not in ran.out
    assert not SECRET_LOOKING.findall(ran.out)
    for name in ("access_token", "refresh_token", "id_token"):
        values = set(re.findall(rf'"{name}":"([^"]*)"', ran.out))
        assert values == {"<redacted>"}, name
    assert set(re.findall(r"client_notification_token=(\S+)", ran.out)) == {"<redacted>"}
    assert re.findall(r"auth_req_id[=\":]+(<[^>]*>)", ran.out)
    assert all(
        re.fullmatch(r"<[0-9a-f]{12}>", v)
        for v in re.findall(r"auth_req_id[=\":]+(\S+?)[\"&\s]", ran.out)
    )


def test_plain_demo_runs_the_fail_batch_then_the_flow(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_env(monkeypatch)
    ran = run_cli(capsys, "demo", "--tickets", "50")
    assert ran.status == 0, ran.out + ran.err
    batch = ran.out.index("demo: 50 tickets, finished in ")
    assert batch < ran.out.index("The CIBA flow: examples/ciba_server.py serves")
    assert list(exchanges(ran.out)) == ENDINGS


def test_demo_flow_exits_1_when_an_exchange_ends_otherwise(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_env(monkeypatch)
    wrong = [("poll", "mallory", "mallory is taken for alice", "tokens")]
    monkeypatch.setattr(_flow, "story", lambda: wrong)
    ran = run_cli(capsys, "demo", "--flow")
    assert ran.status == 1
    assert "  => unknown_user_id (expected tokens)" in ran.out
    assert "flow: 1 exchanges, 0 ended as CIBA Core 1.0 says" in ran.out
