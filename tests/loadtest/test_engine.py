"""The load-test engine against the emulator over loopback."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from aioauthlete import (
    AuthleteClient,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationFailResponse,
    FailAction,
    Operation,
    RetryPolicy,
)
from aioauthlete._cli._load._engine import default_request, run_calls, run_load
from aioauthlete._cli._load._render import render_histogram, render_report
from aioauthlete._cli._load._report import LoadProgress, answer_label
from aioauthlete.operations import FAIL
from aioauthlete.testing import AuthleteEmulator

ONE_ATTEMPT = RetryPolicy(attempts=1)


@pytest.fixture
def emulator() -> AuthleteEmulator:
    return AuthleteEmulator(accept_any_ticket=True, environ={})


@pytest.fixture
async def client(emulator: AuthleteEmulator, base_url: str) -> AsyncIterator[AuthleteClient]:
    async with AuthleteClient(
        **emulator.client_kwargs(base_url), max_connections=16, retry=ONE_ATTEMPT
    ) as c:
        yield c


async def test_request_count_is_exact(client: AuthleteClient, emulator: AuthleteEmulator) -> None:
    report = await run_load(client, concurrency=7, requests=137)

    assert report.requests == report.answered == 137
    assert report.actions == {"FORBIDDEN": 137}
    assert report.errors == {}
    assert emulator.stats.requests == 137
    assert sum(bucket.count for bucket in report.histogram) == 137


async def test_each_request_gets_its_own_index(
    client: AuthleteClient, emulator: AuthleteEmulator
) -> None:
    seen: list[int] = []

    def make(index: int) -> BackchannelAuthenticationFailRequest:
        seen.append(index)
        return BackchannelAuthenticationFailRequest(ticket=f"t-{index}", reason="UNKNOWN_USER_ID")

    report = await run_load(client, concurrency=4, requests=30, make_request=make)

    assert sorted(seen) == list(range(30))
    assert set(emulator.stats.ticket_hits) == {f"t-{i}" for i in range(30)}
    assert report.actions == {"BAD_REQUEST": 30}


async def test_concurrency_bound_is_held_and_used(
    client: AuthleteClient, emulator: AuthleteEmulator
) -> None:
    emulator.faults.latency = 0.05  # answers overlap, so the bound is actually reached

    report = await run_load(client, concurrency=5, requests=20)

    assert report.requests == 20
    assert emulator.stats.peak_in_flight == 5


async def test_duration_mode_stops(client: AuthleteClient, emulator: AuthleteEmulator) -> None:
    report = await run_load(client, concurrency=4, duration=0.3)

    assert 0.3 <= report.duration < 2.5
    assert report.requests > 0
    assert emulator.stats.requests == report.requests  # calls in flight finished and counted


async def test_the_first_limit_reached_ends_the_run(client: AuthleteClient) -> None:
    report = await run_load(client, concurrency=2, requests=5, duration=30.0)

    assert report.requests == 5
    assert report.duration < 5


async def test_rate_paces_the_starts(client: AuthleteClient) -> None:
    report = await run_load(client, concurrency=8, requests=21, rate=100.0)

    # The 21st start is due 0.2 s after the first, however fast the server answers.
    assert report.requests == 21
    assert report.duration >= 0.19
    assert report.target_rate == 100.0


async def test_errors_are_counted_by_kind(
    client: AuthleteClient, emulator: AuthleteEmulator
) -> None:
    emulator.faults.fail_next(3, status=503)
    emulator.faults.fail_next(2, status=401)
    emulator.faults.drop_next(1)

    report = await run_load(client, concurrency=1, requests=20)

    assert report.errors == {
        "AuthleteApiError 503": 3,
        "AuthleteApiError 401": 2,
        "AuthleteTransportError": 1,
    }
    assert report.error_count == 6
    assert report.answered == 14
    assert report.requests == 20
    assert "AuthleteApiError 503 3" in render_report(report)


async def test_a_bug_in_the_request_factory_stops_the_run(client: AuthleteClient) -> None:
    def make(index: int) -> BackchannelAuthenticationFailRequest:
        if index == 10:
            raise RuntimeError("bad input")
        return BackchannelAuthenticationFailRequest(ticket=f"t-{index}", reason="ACCESS_DENIED")

    with pytest.raises(RuntimeError, match="bad input"):
        await run_load(client, concurrency=4, requests=100, make_request=make)
    await asyncio.sleep(0)
    assert not [t for t in asyncio.all_tasks() if "run_calls" in repr(t.get_coro())]


async def test_concurrency_above_the_pool_is_refused(client: AuthleteClient) -> None:
    with pytest.raises(ValueError, match="max_connections"):
        await run_load(client, concurrency=17, requests=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"concurrency": 0, "requests": 1}, "concurrency"),
        ({"concurrency": 1}, "requests, duration"),
        ({"concurrency": 1, "requests": -1}, "requests"),
        ({"concurrency": 1, "duration": 0.0}, "duration"),
        ({"concurrency": 1, "duration": math.inf}, "duration"),
        ({"concurrency": 1, "requests": 1, "rate": 0.0}, "rate"),
    ],
)
async def test_bad_limits_are_refused(kwargs: dict[str, float], message: str) -> None:
    async def call(index: int) -> str:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match=message):
        await run_calls(call, **kwargs)  # type: ignore[arg-type]


async def test_progress_is_reported_and_ends_complete(client: AuthleteClient) -> None:
    seen: list[LoadProgress] = []

    report = await run_load(
        client, concurrency=4, requests=300, on_progress=seen.append, progress_interval=0.01
    )

    assert seen
    assert [p.completed for p in seen] == sorted(p.completed for p in seen)
    last = seen[-1]
    assert last.completed == last.answered == report.requests == 300
    assert last.errors == 0


async def test_percentiles_are_ordered(client: AuthleteClient, emulator: AuthleteEmulator) -> None:
    report = await run_load(client, concurrency=8, requests=400)
    latency = report.latency

    assert 0 < latency.min <= latency.p50 <= latency.p90 <= latency.p99
    assert latency.p99 <= latency.p999 <= latency.max
    assert latency.min <= latency.mean <= latency.max


async def test_report_renders_and_serialises(client: AuthleteClient) -> None:
    report = await run_load(client, concurrency=4, requests=100)

    text = render_report(report)
    for label in ("throughput", "p50", "p90", "p99", "p99.9", "max", "us/request"):
        assert label in text
    chart = render_histogram(report, width=20)
    rows = chart.splitlines()[1:]
    assert rows
    assert sum(int(row.split()[-2].replace(",", "")) for row in rows) == 100
    assert max(len(row.split()[3]) for row in rows if "#" in row) == 20  # the peak fills it

    data = json.loads(json.dumps(report.as_dict()))
    assert set(data) >= {
        "requests",
        "answered",
        "errors",
        "error_count",
        "actions",
        "duration_s",
        "throughput_rps",
        "cpu_seconds",
        "cpu_us_per_request",
        "latency_ms",
        "histogram",
    }
    assert set(data["latency_ms"]) == {"min", "mean", "p50", "p90", "p99", "p99.9", "max"}
    assert data["requests"] == 100
    assert data["cpu_us_per_request"] > 0
    assert sum(b["count"] for b in data["histogram"]) == 100


async def test_run_calls_drives_any_awaitable_through_the_same_loop() -> None:
    async def call(index: int) -> str:
        if index % 10 == 0:
            raise TimeoutError
        await asyncio.sleep(0)
        return "even" if index % 2 == 0 else "odd"

    report = await run_calls(call, concurrency=3, requests=50, counted=(TimeoutError,))

    assert report.errors == {"TimeoutError": 5}
    assert report.actions == {"even": 20, "odd": 25}


def _elsewhere() -> Operation[BackchannelAuthenticationFailRequest, object]:
    """An operation the emulator does not serve: its calls can only end with a 404."""
    return Operation(
        name="elsewhere",
        path="/aioauthlete-tests/elsewhere",
        request=BackchannelAuthenticationFailRequest,
        response=BackchannelAuthenticationFailResponse,
        converges=True,
    )


async def test_run_load_calls_the_operation_it_is_given(
    client: AuthleteClient, emulator: AuthleteEmulator
) -> None:
    report = await run_load(
        client, operation=_elsewhere(), make_request=default_request, concurrency=2, requests=6
    )

    assert report.errors == {"AuthleteApiError 404": 6}
    assert emulator.stats.requests == 0  # not one reached the fail endpoint


async def test_run_load_defaults_to_the_fail_call(
    client: AuthleteClient, emulator: AuthleteEmulator
) -> None:
    explicit = await run_load(client, operation=FAIL, concurrency=2, requests=4)
    implicit = await run_load(client, concurrency=2, requests=4)

    assert explicit.actions == implicit.actions == {"FORBIDDEN": 4}
    assert set(emulator.stats.ticket_hits) == {f"aioauthlete-load-{i}" for i in range(4)}


async def test_another_operation_needs_its_request_factory(
    client: AuthleteClient, emulator: AuthleteEmulator
) -> None:
    with pytest.raises(ValueError, match="make_request"):
        await run_load(client, operation=_elsewhere(), concurrency=1, requests=1)
    assert emulator.stats.requests == 0


def test_answers_are_counted_by_action_else_by_type() -> None:
    forbidden = BackchannelAuthenticationFailResponse(
        result_code="A", result_message="m", action=FailAction.FORBIDDEN
    )

    assert answer_label(forbidden) == "FORBIDDEN"
    assert answer_label(object()) == "object"


def test_importing_the_library_leaves_the_load_test_out() -> None:
    code = (
        "import sys, aioauthlete; print(sorted(m for m in sys.modules"
        " if m.split('.')[:2] == ['aioauthlete', '_cli'] or '_load' in m or '_histogram' in m))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.strip() == "[]"
