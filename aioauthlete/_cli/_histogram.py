"""The latency histogram of the command line: ``bench``, the batch summary, the benchmarks.

Its size depends on the range of latencies, not their number: log-linear buckets of
nanoseconds, as HdrHistogram lays them out, so an hour-long load test or a million-ticket
batch costs the same memory as a second-long one, and percentiles stay within 1.6 %.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from attrs import frozen

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


def coarse_bucket(ns: int, splits: int) -> int:
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
            key = coarse_bucket(_bounds(index)[0], splits)
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
