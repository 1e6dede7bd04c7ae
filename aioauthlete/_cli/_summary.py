"""The end-of-batch summary: counts by outcome, throughput and latency percentiles.

Latencies go into the histogram ``bench`` uses too (``_histogram``: log-linear buckets,
one counter per bucket between the fastest and the slowest answer), so a million tickets
cost no more memory than ten and each percentile is within 1.6 % of the exact one.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable

from ._common import plural
from ._histogram import LatencyHistogram

#: Groups listed only when they have a count: only a library bug lands in "other errors",
#: only a retry after a request that may have failed the ticket in "answers lost".
RARE = frozenset({"answers lost", "other errors"})
#: Groups in the order the summary lists them.
GROUPS = (
    "answered",
    "answers lost",
    "API errors",
    "no answer",
    "timeouts",
    "unusable answers",
    "other errors",
    "invalid rows",
    "skipped (resume)",
)


class Tally:
    """What the batch did so far: counts per (group, detail), latencies, the clock."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.latency = LatencyHistogram()
        self.started = time.monotonic()
        self.stopped: float | None = None
        self.processed = 0  # rows handled in this run: sent or invalid
        self.failed = 0  # rows of this run without an answer
        self.skipped = 0
        self.skipped_not_ok = 0
        self.retried = 0  # sent tickets that took more than one attempt
        self.ambiguous = 0  # ... of which an attempt may have reached Authlete unanswered
        self.interrupted = False  # by a signal
        self.stopped_early = False  # for another reason (configuration, results file)

    def sent(
        self, group: str, detail: str, elapsed: float, attempts: int = 1, ambiguous: bool = False
    ) -> None:
        self.counts[group, detail] += 1
        self.latency.record(elapsed)
        self.processed += 1
        self.retried += attempts > 1
        self.ambiguous += ambiguous
        if group != "answered":
            self.failed += 1

    def invalid(self) -> None:
        self.counts["invalid rows", ""] += 1
        self.processed += 1
        self.failed += 1

    def skip(self, ok: bool) -> None:
        self.skipped += 1
        self.counts["skipped (resume)", "answered before" if ok else "failed definitively"] += 1
        if not ok:
            self.skipped_not_ok += 1

    def stop(self) -> None:
        self.stopped = time.monotonic()

    @property
    def seconds(self) -> float:
        end = time.monotonic() if self.stopped is None else self.stopped
        return max(end - self.started, 1e-9)

    @property
    def all_ok(self) -> bool:
        """Every ticket, skipped ones included, has an answer."""
        return not self.failed and not self.skipped_not_ok


def format_summary(tally: Tally, title: str) -> list[str]:
    """The summary as lines of text for people."""
    total = tally.processed + tally.skipped
    rate = tally.processed / tally.seconds
    state = "finished in"
    if tally.interrupted:
        state = "interrupted after"
    elif tally.stopped_early:
        state = "stopped after"
    lines = [
        f"{title}: {plural(total, 'ticket')}, {state} {tally.seconds:.2f} s"
        f" ({rate:,.0f} tickets/s)",
    ]
    for group in GROUPS:
        details = [(d, n) for (g, d), n in tally.counts.items() if g == group]
        if not details and group in RARE:
            continue
        count = sum(n for _, n in details)
        lines.append(f"  {group:<18}{count:>8,}{_details(details)}")
    lines.append(f"  {'retried':<18}{tally.retried:>8,}   (ambiguous {tally.ambiguous:,})")
    if tally.latency.count:
        lat = tally.latency
        lines.append(
            f"  {'latency':<18}p50 {_ms(lat.quantile(0.5))}  p95 {_ms(lat.quantile(0.95))}"
            f"  p99 {_ms(lat.quantile(0.99))}  max {_ms(lat.max_ns / 1e9)}"
        )
    return lines


def _details(details: Iterable[tuple[str, int]]) -> str:
    ranked = sorted(details, key=lambda item: (-item[1], item[0]))  # ties: by name, stable
    shown = [f"{detail}: {count:,}" for detail, count in ranked if detail]
    return f"   ({', '.join(shown)})" if shown else ""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
