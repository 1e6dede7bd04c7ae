"""The load-test engine behind ``aioauthlete bench`` and the benchmarks.

A closed loop: ``concurrency`` workers each await one call after another, so the number
of tasks stays fixed however long the run (one task per request would grow memory with
the request count and measure the scheduler rather than the client). Latencies go into a
log-linear histogram whose size depends on the range of latencies seen, never on how
many requests were made, so an hour-long run costs the same memory as a second-long one.

The loop is closed: a slow answer delays the next request of its worker, so latencies
under overload are those of a client that waits, not of an open stream of arrivals.

``run_load`` drives an operation value through ``client.call`` (the fail call unless told
otherwise), so that loading another endpoint is a request factory, not another loop;
``run_calls`` drives any awaitable.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..._batch import check_concurrency
from ..._errors import AuthleteError
from ..._operations._fail import BackchannelAuthenticationFailRequest, FailReason
from ..._ratelimit import check_rate
from ...operations import FAIL
from .._histogram import LatencyHistogram
from ._report import LoadProgress, LoadReport, answer_label, error_kind

if TYPE_CHECKING:
    from ..._client import AuthleteClient
    from ..._operation import Operation


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


def _request_maker(
    operation: Operation[Any, Any], make_request: Callable[[int], object] | None
) -> Callable[[int], object]:
    """*make_request*, or the made-up fail requests when the operation is the fail call."""
    if make_request is not None:
        return make_request
    if operation is FAIL:
        return default_request
    raise ValueError(
        f"give make_request: only the fail call has default requests, not {operation!r}"
    )


async def run_load(
    client: AuthleteClient,
    *,
    concurrency: int,
    requests: int | None = None,
    duration: float | None = None,
    rate: float | None = None,
    operation: Operation[Any, Any] = FAIL,
    make_request: Callable[[int], object] | None = None,
    on_progress: Callable[[LoadProgress], None] | None = None,
    progress_interval: float = 0.2,
) -> LoadReport:
    """Load *client* with *operation* (the fail call by default): *concurrency* workers
    calling back to back.

    Each worker awaits ``client.call(operation, make_request(i))`` until *requests* calls
    are done or *duration* seconds have passed (see ``run_calls``); an answer counts under
    its ``action``. *make_request* may be left out for the fail call only (made-up
    tickets, ``default_request``). ``AuthleteError`` failures are counted, not raised; the
    client's retry policy still applies, so build it with ``RetryPolicy(attempts=1)`` to
    count every failure. A latency includes building the request (microseconds).
    *concurrency* may not exceed the client's ``max_connections`` (workers would queue
    inside their deadline).
    """
    check_concurrency(client, concurrency)
    make = _request_maker(operation, make_request)
    send = client.call

    async def call(index: int) -> str:
        return answer_label(await send(operation, make(index)))

    return await run_calls(
        call,
        concurrency=concurrency,
        requests=requests,
        duration=duration,
        rate=rate,
        on_progress=on_progress,
        progress_interval=progress_interval,
    )
