"""Load-test reports for a terminal: the summary and a latency histogram drawn in text."""

from __future__ import annotations

from collections.abc import Mapping

from .._histogram import REPORT_SPLITS, HistogramBucket, coarse_bucket
from ._report import LoadReport


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
        key = coarse_bucket(round(bucket.low * 1e9), REPORT_SPLITS) // factor
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
