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
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from attrs import frozen

from ._errors import AuthleteError
from ._models import BackchannelAuthenticationFailRequest, FailReason

if TYPE_CHECKING:
    from ._client import AuthleteClient

#: Linear sub-buckets per power of two of nanoseconds: values are kept within 1/64 (1.6 %).
SUB_BITS = 6
_SUB = 1 << SUB_BITS
#: Parts each power of two is split into in reports and drawn histograms (log-linear).
REPORT_SPLITS = 4


def _index(ns: int) -> int:
    """The fine bucket of *ns* nanoseconds (HDR layout: exact below 128 ns)."""
    if ns < 2 * _SUB:
        return ns
    shift = ns.bit_length() - SUB_BITS - 1
    return (shift + 1) * _SUB + (ns >> shift) - _SUB


def _bounds(index: int) -> tuple[int, int]:
    """The ``[low, high)`` nanoseconds of fine bucket *index*."""
    if index < 2 * _SUB:
        return index, index + 1
    shift = index // _SUB - 1
    low = (index % _SUB + _SUB) << shift
    return low, low + (1 << shift)


def _coarse(ns: int, splits: int) -> int:
    """The report bucket of *ns*: each power of two cut into *splits* equal parts."""
    bits = splits.bit_length() - 1
    octave = ns.bit_length() - 1
    if octave < bits:
        return bits * splits  # everything under *splits* ns: one bucket, never seen in practice
    return octave * splits + ((ns >> (octave - bits)) & (splits - 1))


def _coarse_bounds(key: int, splits: int) -> tuple[int, int]:
    bits = splits.bit_length() - 1
    octave, part = divmod(key, splits)
    width = 1 << (octave - bits)
    low = (splits + part) * width
    return (0 if key == bits * splits else low), low + width


@frozen
class HistogramBucket:
    """Latencies in ``[low, high)`` seconds: *count* of them."""

    low: float
    high: float
    count: int


class LatencyHistogram:
    """Counts latencies in log-linear buckets of nanoseconds (as HdrHistogram does).

    Recording is a few integer operations; memory is one counter per bucket in use
    (about 64 per power of two between the fastest and the slowest answer).
    """

    __slots__ = ("_counts", "count", "max_ns", "min_ns", "total_ns")

    def __init__(self) -> None:
        self._counts: list[int] = []
        self.count = 0
        self.total_ns = 0
        self.min_ns = 0
        self.max_ns = 0

    def record(self, seconds: float) -> None:
        """Count one latency of *seconds* (negative values count as 0)."""
        ns = int(seconds * 1e9) if seconds > 0 else 0
        index = _index(ns)
        counts = self._counts
        if index >= len(counts):
            counts.extend([0] * (index + 1 - len(counts)))
        counts[index] += 1
        if not self.count or ns < self.min_ns:
            self.min_ns = ns
        if ns > self.max_ns:
            self.max_ns = ns
        self.count += 1
        self.total_ns += ns

    def merge(self, other: LatencyHistogram) -> None:
        """Add every latency counted by *other* (e.g. one histogram per thread)."""
        if not other.count:
            return
        if len(other._counts) > len(self._counts):
            self._counts.extend([0] * (len(other._counts) - len(self._counts)))
        for index, n in enumerate(other._counts):
            self._counts[index] += n
        self.min_ns = other.min_ns if not self.count else min(self.min_ns, other.min_ns)
        self.max_ns = max(self.max_ns, other.max_ns)
        self.count += other.count
        self.total_ns += other.total_ns

    def _filled(self) -> Iterator[tuple[int, int]]:
        return ((index, n) for index, n in enumerate(self._counts) if n)

    def quantile(self, q: float) -> float:
        """The latency in seconds below which a fraction *q* of the counted ones fall.

        Within 1.6 % of the true value (a bucket's midpoint), never outside the observed
        minimum and maximum; 0.0 when nothing was counted.
        """
        if not 0 <= q <= 1:
            raise ValueError("q must be between 0 and 1")
        if not self.count:
            return 0.0
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for index, n in self._filled():
            seen += n
            if seen >= rank:
                low, high = _bounds(index)
                middle = (low + high - 1) // 2
                return min(max(middle, self.min_ns), self.max_ns) / 1e9
        return self.max_ns / 1e9  # pragma: no cover - rank <= count always stops the loop

    def summary(self) -> LatencySummary:
        """Minimum, mean, the usual percentiles and maximum, in seconds."""
        mean = self.total_ns / self.count / 1e9 if self.count else 0.0
        return LatencySummary(
            min=self.min_ns / 1e9,
            mean=mean,
            p50=self.quantile(0.5),
            p90=self.quantile(0.9),
            p99=self.quantile(0.99),
            p999=self.quantile(0.999),
            max=self.max_ns / 1e9,
        )

    def buckets(self, splits: int = REPORT_SPLITS) -> tuple[HistogramBucket, ...]:
        """Counts per log-linear bucket (each power of two cut into *splits* parts).

        Empty buckets between the fastest and the slowest are kept, so gaps show.
        """
        if splits < 1 or splits & (splits - 1) or splits > _SUB:
            raise ValueError(f"splits must be a power of two from 1 to {_SUB}")
        merged: dict[int, int] = {}
        for index, n in self._filled():
            key = _coarse(_bounds(index)[0], splits)
            merged[key] = merged.get(key, 0) + n
        if not merged:
            return ()
        rows = []
        for key in range(min(merged), max(merged) + 1):
            low, high = _coarse_bounds(key, splits)
            rows.append(HistogramBucket(low / 1e9, high / 1e9, merged.get(key, 0)))
        return tuple(rows)


@frozen(kw_only=True)
class LatencySummary:
    """Latency figures of a run, in seconds."""

    min: float
    mean: float
    p50: float
    p90: float
    p99: float
    p999: float
    max: float

    def as_dict(self) -> dict[str, float]:
        """The figures in milliseconds, keyed ``min mean p50 p90 p99 p99.9 max``."""
        values = [self.min, self.mean, self.p50, self.p90, self.p99, self.p999, self.max]
        keys = ["min", "mean", "p50", "p90", "p99", "p99.9", "max"]
        return {k: round(v * 1e3, 4) for k, v in zip(keys, values, strict=True)}


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
    if rate is not None and not (math.isfinite(rate) and rate > 0):
        raise ValueError("rate must be a finite number of requests per second above 0")


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
    if concurrency > client.max_connections:
        raise ValueError(
            f"concurrency {concurrency} exceeds the client's max_connections "
            f"{client.max_connections}; build the client with max_connections >= {concurrency}"
        )
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


# -- rendering -------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}"


def _coarsen(buckets: tuple[HistogramBucket, ...], factor: int) -> list[HistogramBucket]:
    """Merge report buckets *factor* at a time, aligned to powers of two."""
    merged: dict[int, list[float]] = {}
    for bucket in buckets:
        key = _coarse(round(bucket.low * 1e9), REPORT_SPLITS) // factor
        row = merged.setdefault(key, [bucket.low, bucket.high, 0])
        row[1] = bucket.high
        row[2] += bucket.count
    return [HistogramBucket(low, high, int(n)) for low, high, n in merged.values()]


def render_histogram(report: LoadReport, width: int = 50, max_rows: int = 24) -> str:
    """The latency histogram as text: one row per log-spaced bucket, a bar of ``#``.

    Each power of two is cut into four rows, or fewer when that would exceed *max_rows*.
    A bucket too small for one ``#`` shows ``.`` so that rare slow answers stay visible.
    """
    if width < 1:
        raise ValueError("width must be 1 or more")
    rows = list(report.histogram)
    factor = 1
    while len(rows) > max_rows and factor < REPORT_SPLITS:
        factor *= 2
        rows = _coarsen(report.histogram, factor)
    if not rows:
        return "  (no latencies recorded)"
    total = sum(row.count for row in rows)
    peak = max(row.count for row in rows)
    labels = [f"{_ms(row.low)} - {_ms(row.high)}" for row in rows]
    label_width = max(len(label) for label in labels)
    lines = [f"  {'latency (ms)':>{label_width}}  {'':{width}}  {'count':>9}  share"]
    for label, row in zip(labels, rows, strict=True):
        bar = "#" * round(row.count / peak * width)
        if row.count and not bar:
            bar = "."
        share = 100 * row.count / total
        lines.append(f"  {label:>{label_width}}  {bar:<{width}}  {row.count:>9,}  {share:5.1f}%")
    return "\n".join(lines)


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items())) or "-"


def render_report(report: LoadReport) -> str:
    """A plain-text report: throughput, outcomes, CPU, latency percentiles and histogram."""
    pace = f", paced to {report.target_rate:g} req/s" if report.target_rate else ""
    latency = report.latency
    figures = [
        ("p50", latency.p50),
        ("p90", latency.p90),
        ("p99", latency.p99),
        ("p99.9", latency.p999),
        ("max", latency.max),
    ]
    lines = [
        f"requests    {report.requests:,} in {report.duration:.2f} s, "
        f"concurrency {report.concurrency}{pace}",
        f"throughput  {report.throughput:,.1f} req/s",
        f"answered    {report.answered:,}  ({_counts(report.actions)})",
        f"errors      {report.error_count:,}  ({_counts(report.errors)})",
        f"client CPU  {report.cpu_us_per_request:,.1f} us/request (process), "
        f"{report.thread_cpu_us_per_request:,.1f} us/request (event-loop thread)",
        "latency ms  " + "  ".join(f"{name} {_ms(value)}" for name, value in figures),
        "",
        render_histogram(report),
    ]
    return "\n".join(lines)
