"""The one latency histogram (of ``bench``, the benchmarks and the batch summary) alone."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from aioauthlete._cli._histogram import LatencyHistogram
from aioauthlete._cli._load._render import render_histogram
from aioauthlete._cli._load._report import LoadReport


def test_histogram_quantiles_are_within_two_percent() -> None:
    rng = random.Random(7)
    values = sorted(rng.lognormvariate(-7, 0.8) for _ in range(20_000))
    histogram = LatencyHistogram()
    for value in values:
        histogram.record(value)

    for q in (0.5, 0.9, 0.99, 0.999):
        exact = values[math.ceil(q * len(values)) - 1]
        assert histogram.quantile(q) == pytest.approx(exact, rel=0.02)
    assert histogram.quantile(1.0) == pytest.approx(values[-1], abs=1e-9)
    assert histogram.quantile(0.0) == pytest.approx(values[0], abs=1e-9)


def test_histogram_buckets_are_contiguous_log_linear_and_count_everything() -> None:
    histogram = LatencyHistogram()
    for seconds in (0.0001, 0.0003, 0.0003, 0.01, 2.5):
        histogram.record(seconds)

    buckets = histogram.buckets()
    assert sum(b.count for b in buckets) == 5
    assert all(a.high == b.low for a, b in itertools.pairwise(buckets))
    assert all(b.high / b.low <= 1.25 + 1e-9 for b in buckets)  # four per power of two
    assert buckets[0].low <= 0.0001 < buckets[0].high
    assert buckets[-1].low <= 2.5 < buckets[-1].high


def test_histogram_merge_equals_recording_everything_in_one() -> None:
    one, left, right = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    for i in range(1, 500):
        one.record(i / 1e5)
        (left if i % 3 else right).record(i / 1e5)
    left.merge(right)

    assert left.summary() == one.summary()
    assert left.buckets() == one.buckets()


def test_empty_histogram_renders_a_note() -> None:
    empty = LatencyHistogram()
    report = LoadReport(
        concurrency=1,
        target_rate=None,
        requests=0,
        answered=0,
        actions={},
        errors={},
        duration=0.0,
        cpu_seconds=0.0,
        thread_cpu_seconds=0.0,
        latency=empty.summary(),
        histogram=empty.buckets(),
    )

    assert "no latencies" in render_histogram(report)
    assert report.throughput == report.cpu_us_per_request == 0.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        empty.quantile(1.5)
