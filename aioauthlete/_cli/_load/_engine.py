"""The load-test engine behind ``aioauthlete bench`` and the benchmarks.

A closed loop: ``concurrency`` workers each await one call after another, so the number
of tasks stays fixed however long the run (one task per request would grow memory with
the request count and measure the scheduler rather than the client). Latencies go into a
log-linear histogram whose size depends on the range of latencies seen, never on how
many requests were made, so an hour-long run costs the same memory as a second-long one.

The loop is closed: a slow answer delays the next request of its worker, so latencies
under overload are those of a client that waits, not of an open stream of arrivals.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from attrs import frozen

from ._batch import check_concurrency
from ._errors import AuthleteError
from ._histogram import HistogramBucket, LatencyHistogram, LatencySummary
from ._operations._fail import BackchannelAuthenticationFailRequest, FailReason
from ._ratelimit import check_rate

if TYPE_CHECKING:
    from ._client import AuthleteClient


@frozen(kw_only=True)
class LoadProgress:
    """How a run stands, handed to ``on_progress`` every ``progress_interval`` seconds."""

    elapsed: float
    completed: int
    answered: int
    errors: int
    target_requests: int | None
    target_duration: float | None

    @property
    def throughput(self) -> float:
        """Requests completed per second since the start."""
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def fraction(self) -> float:
        """How much of the run is done, from 0 to 1 (whichever limit comes first)."""
        parts = [0.0]
        if self.target_requests:
            parts.append(self.completed / self.target_requests)
        if self.target_duration:
            parts.append(self.elapsed / self.target_duration)
        return min(1.0, max(parts))


@frozen(kw_only=True)
class LoadReport:
    """What a load run did: counts, time, CPU and latencies.

    ``requests`` counts completed calls, answered or not; ``actions`` the answers by
    ``action``; ``errors`` the failures by kind (class name, and the HTTP status when
    there is one). ``cpu_seconds`` is the whole process's CPU time; ``thread_cpu_seconds``
    that of the event loop's thread alone, which isolates the client when a server runs
    in another thread of the same process. Latency includes every outcome, errors too.
    """

    concurrency: int
    target_rate: float | None
    requests: int
    answered: int
    actions: Mapping[str, int]
    errors: Mapping[str, int]
    duration: float
    cpu_seconds: float
    thread_cpu_seconds: float
    latency: LatencySummary
    histogram: tuple[HistogramBucket, ...]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def throughput(self) -> float:
        """Completed requests per second of wall time."""
        return self.requests / self.duration if self.duration > 0 else 0.0

    @property
    def cpu_us_per_request(self) -> float:
        """Process CPU microseconds per completed request."""
        return self.cpu_seconds * 1e6 / self.requests if self.requests else 0.0

    @property
    def thread_cpu_us_per_request(self) -> float:
        """Event-loop thread CPU microseconds per completed request."""
        return self.thread_cpu_seconds * 1e6 / self.requests if self.requests else 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (times in seconds unless the key says ``_ms``)."""
        return {
            "concurrency": self.concurrency,
            "target_rate": self.target_rate,
            "requests": self.requests,
            "answered": self.answered,
            "error_count": self.error_count,
            "actions": dict(self.actions),
            "errors": dict(self.errors),
            "duration_s": round(self.duration, 6),
            "throughput_rps": round(self.throughput, 3),
            "cpu_seconds": round(self.cpu_seconds, 6),
            "cpu_us_per_request": round(self.cpu_us_per_request, 3),
            "thread_cpu_seconds": round(self.thread_cpu_seconds, 6),
            "thread_cpu_us_per_request": round(self.thread_cpu_us_per_request, 3),
            "latency_ms": self.latency.as_dict(),
            "histogram": [
                {"low_ms": b.low * 1e3, "high_ms": b.high * 1e3, "count": b.count}
                for b in self.histogram
            ],
        }


def error_kind(exc: BaseException) -> str:
    """How a failure is counted: its class name, and its HTTP status when it has one."""
    status = getattr(exc, "status", None)
    name = type(exc).__name__
    return f"{name} {status}" if isinstance(status, int) else name


class _Tally:
    """Counters every worker of one run updates (one event loop: no locks needed)."""

    __slots__ = ("actions", "answered", "completed", "errors", "histogram", "issued")

    def __init__(self) -> None:
        self.issued = 0
        self.completed = 0
        self.answered = 0
        self.actions: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.histogram = LatencyHistogram()


def _check_limits(
    concurrency: int, requests: int | None, duration: float | None, rate: float | None
) -> None:
    if concurrency < 1:
        raise ValueError("concurrency must be 1 or more")
    if requests is None and duration is None:
        raise ValueError("give requests, duration or both")
    if requests is not None and requests < 0:
        raise ValueError("requests must be 0 or more")
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise ValueError("duration must be a finite number of seconds above 0")
    if rate is not None:
        check_rate(rate)


async def run_calls(
    call: Callable[[int], Awaitable[str]],
    *,
    concurrency: int,
    requests: int | None = None,
    duration: float | None = None,
    rate: float | None = None,
    counted: tuple[type[BaseException], ...] = (AuthleteError,),
    on_progress: Callable[[LoadProgress], None] | None = None,
    progress_interval: float = 0.2,
) -> LoadReport:
    """Run ``await call(index)`` in a closed loop of *concurrency* workers.

    *call* returns a label for its answer (counted in ``actions``); exceptions of the
    *counted* classes are counted in ``errors``, anything else stops the run and is
    raised. The run ends after *requests* calls or when *duration* seconds have passed,
    whichever comes first; calls in flight then finish and are counted. *rate* paces the
    starts to that many per second overall. Exposed apart from ``run_load`` so that a
    benchmark can drive a bare HTTP client through the very same loop.
    """
    _check_limits(concurrency, requests, duration, rate)
    tally = _Tally()
    clock = time.perf_counter
    record = tally.histogram.record
    actions, errors = tally.actions, tally.errors
    cpu_start, thread_start = time.process_time(), time.thread_time()
    start = clock()
    end = None if duration is None else start + duration

    async def work() -> None:
        while True:
            index = tally.issued
            if requests is not None and index >= requests:
                return
            now = clock()
            if end is not None and now >= end:
                return
            tally.issued = index + 1
            if rate is not None:
                slot = start + index / rate
                if end is not None and slot >= end:
                    return
                if slot > now:
                    await asyncio.sleep(slot - now)
            began = clock()
            try:
                label = await call(index)
            except counted as exc:
                kind = error_kind(exc)
                errors[kind] = errors.get(kind, 0) + 1
            else:
                actions[label] = actions.get(label, 0) + 1
                tally.answered += 1
            record(clock() - began)
            tally.completed += 1

    def progress() -> LoadProgress:
        return LoadProgress(
            elapsed=clock() - start,
            completed=tally.completed,
            answered=tally.answered,
            errors=tally.completed - tally.answered,
            target_requests=requests,
            target_duration=duration,
        )

    async def report_progress(callback: Callable[[LoadProgress], None]) -> None:
        while True:
            await asyncio.sleep(progress_interval)
            callback(progress())

    tasks = [asyncio.create_task(work()) for _ in range(concurrency)]
    if on_progress is not None:
        tasks.append(asyncio.create_task(report_progress(on_progress)))
    try:
        await asyncio.gather(*tasks[:concurrency])
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = clock() - start
    cpu, thread_cpu = time.process_time() - cpu_start, time.thread_time() - thread_start
    if on_progress is not None:
        on_progress(progress())
    return LoadReport(
        concurrency=concurrency,
        target_rate=rate,
        requests=tally.completed,
        answered=tally.answered,
        actions=dict(actions),
        errors=dict(errors),
        duration=elapsed,
        cpu_seconds=cpu,
        thread_cpu_seconds=thread_cpu,
        latency=tally.histogram.summary(),
        histogram=tally.histogram.buckets(),
    )


def default_request(index: int) -> BackchannelAuthenticationFailRequest:
    """A made-up ticket per request (Authlete answers unknown tickets with an action too)."""
    return BackchannelAuthenticationFailRequest(
        ticket=f"aioauthlete-load-{index}", reason=FailReason.ACCESS_DENIED
    )


async def run_load(
    client: AuthleteClient,
    *,
    concurrency: int,
    requests: int | None = None,
    duration: float | None = None,
    rate: float | None = None,
    make_request: Callable[[int], BackchannelAuthenticationFailRequest] | None = None,
    on_progress: Callable[[LoadProgress], None] | None = None,
    progress_interval: float = 0.2,
) -> LoadReport:
    """Load *client*'s fail endpoint with *concurrency* workers calling back to back.

    Each worker awaits ``client.backchannel_authentication_fail(make_request(i))`` until
    *requests* calls are done or *duration* seconds have passed (see ``run_calls``).
    ``AuthleteError`` failures are counted, not raised; the client's retry policy still
    applies, so build it with ``RetryPolicy(attempts=1)`` to count every failure. A
    latency includes building the request (microseconds). *concurrency* may not exceed
    the client's ``max_connections`` (workers would queue inside their deadline).
    """
    check_concurrency(client, concurrency)
    make = default_request if make_request is None else make_request
    fail = client.backchannel_authentication_fail

    async def call(index: int) -> str:
        response = await fail(make(index))
        return response.action.value

    return await run_calls(
        call,
        concurrency=concurrency,
        requests=requests,
        duration=duration,
        rate=rate,
        on_progress=on_progress,
        progress_interval=progress_interval,
    )
