"""``aioauthlete bench`` run in-process against its default target, the emulator."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json

import pytest

from aioauthlete._cli import _bench as bench
from aioauthlete._cli._common import UsageError
from aioauthlete.testing import AuthleteEmulator


def parse(*argv: str) -> argparse.Namespace:
    """A fresh parser with only ``bench`` registered, as the CLI's app would do it."""
    parser = argparse.ArgumentParser(prog="aioauthlete")
    bench.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["bench", *argv])


def invoke(args: argparse.Namespace) -> int:
    """Run the subcommand as ``_app`` does: a coroutine goes under ``asyncio.run``."""
    status = args.func(args)
    if inspect.iscoroutine(status):
        status = asyncio.run(status)
    assert isinstance(status, int)
    return status


@pytest.fixture(autouse=True)
def _no_authlete_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AUTHLETE_BASE_URL",
        "AUTHLETE_API_VERSION",
        "AUTHLETE_SERVICE_APIKEY",
        "AUTHLETE_SERVICE_ACCESSTOKEN",
        "AUTHLETE_SERVICE_APISECRET",
    ):
        monkeypatch.delenv(name, raising=False)


def test_json_run_makes_exactly_the_requests_asked(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("--requests", "200", "--concurrency", "8", "--json")

    assert invoke(args) == 0

    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["target"].startswith("emulator")
    assert data["requests"] == data["answered"] == 200
    assert data["actions"] == {"FORBIDDEN": 200}
    assert data["errors"] == {}
    assert data["concurrency"] == 8
    assert data["throughput_rps"] > 0
    assert data["cpu_us_per_request"] > 0
    assert set(data["latency_ms"]) == {"min", "mean", "p50", "p90", "p99", "p99.9", "max"}
    assert sum(b["count"] for b in data["histogram"]) == 200
    assert err == ""  # no progress line: stderr is not a terminal under capture


def test_text_run_prints_the_report_and_histogram(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("--requests", "150", "--concurrency", "4", "--reason", "unknown_user_id")

    assert invoke(args) == 0

    out = capsys.readouterr().out
    assert "target      emulator" in out
    assert "requests    150 in" in out
    assert "BAD_REQUEST 150" in out
    for label in ("throughput", "p50", "p90", "p99", "p99.9", "max", "latency (ms)"):
        assert label in out
    assert "#" in out  # the histogram's bars


def test_duration_run_stops(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("--duration", "0.3", "--concurrency", "2", "--json")

    assert invoke(args) == 0

    data = json.loads(capsys.readouterr().out)
    assert 0.3 <= data["duration_s"] < 3
    assert data["requests"] > 0


def test_defaults() -> None:
    args = parse()

    assert args.concurrency == 64
    assert args.requests is None
    assert args.duration is None  # run() then uses 10 s
    assert not hasattr(args, "attempts")  # the connection flags stay unset: 1 attempt
    assert args.func is bench.run


def test_requests_and_duration_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse("--requests", "5", "--duration", "1")
    assert exc.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_env_target_without_a_service_is_a_usage_error() -> None:
    args = parse("--target", "env", "--requests", "1")

    with pytest.raises(UsageError, match="AUTHLETE_SERVICE_APIKEY"):
        invoke(args)


def test_base_url_with_the_emulator_target_is_a_usage_error() -> None:
    args = parse("--target", "emulator", "--base-url", "http://127.0.0.1:9", "--requests", "1")

    with pytest.raises(UsageError, match="--target env"):
        invoke(args)


def test_connection_flags_shape_the_emulator_run(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(
        "--service-id", "4242", "--api-version", "v2", "--attempts", "2", "--requests", "20",
        "--concurrency", "2", "--json",
    )  # fmt: skip

    assert invoke(args) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["requests"] == data["answered"] == 20  # Basic auth as service 4242 worked


def test_the_token_is_taken_from_the_environment_only() -> None:
    with pytest.raises(SystemExit):
        parse("--access-token", "x")


def test_env_target_loads_the_configured_service(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = AuthleteEmulator(accept_any_ticket=True, environ={})
    with emulator.serve_in_thread() as url:
        kwargs = emulator.client_kwargs(url)
        monkeypatch.setenv("AUTHLETE_BASE_URL", kwargs["base_url"])
        monkeypatch.setenv("AUTHLETE_SERVICE_APIKEY", kwargs["service_id"])
        monkeypatch.setenv("AUTHLETE_SERVICE_ACCESSTOKEN", kwargs["access_token"])

        default = parse("--requests", "5", "--json")
        assert invoke(default) == 0
        assert json.loads(capsys.readouterr().out)["target"].startswith("emulator")
        assert emulator.stats.requests == 0  # configured variables alone never pick env

        args = parse("--target", "env", "--requests", "30", "--rate", "1000", "--json")
        assert invoke(args) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["target"] == f"{url} (service {kwargs['service_id']})"
    assert data["requests"] == data["answered"] == 30
    assert emulator.stats.requests == 30
    assert kwargs["access_token"] not in json.dumps(data)


def test_nothing_answered_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    emulator = AuthleteEmulator(accept_any_ticket=True, environ={})
    with emulator.serve_in_thread() as url:
        args = parse("--base-url", url, "--service-id", "1", "--requests", "3", "--json")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("AUTHLETE_SERVICE_ACCESSTOKEN", "wrong-token")
            assert invoke(args) == 1

    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == {"AuthleteApiError 401": 3}


@pytest.mark.parametrize(
    ("limit", "count"),
    [(("--requests", "120"), "120/120  100%"), (("--duration", "0.3"), " done  100%")],
)
def test_a_terminal_gets_the_batch_commands_progress_bar(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    limit: tuple[str, str],
    count: str,
) -> None:
    """The bar fail-batch and demo draw: by requests, or by the clock with --duration."""
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    args = parse(*limit, "--concurrency", "4", "--json")

    assert invoke(args) == 0

    out, err = capsys.readouterr()
    final = err.rsplit("\r", 1)[-1]
    assert final.startswith(f"[{'#' * 24}] ")
    assert count in final
    assert final.endswith("\n")
    assert final.rstrip().endswith("  errors 0")  # spaces may wipe what a longer frame left
    assert json.loads(out)["errors"] == {}
