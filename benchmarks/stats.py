"""Per-block measurements, and the medians of per-round ratios the harness reports.

Machines drift by tens of percent over minutes (frequency scaling, noisy neighbours), so
absolute figures from different minutes do not compare. Each round runs every variant
once, back to back; a variant's ratio to the raw aiohttp floor is taken within a round,
and the report gives the median over rounds.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from attrs import frozen

from aioauthlete._cli._histogram import LatencyHistogram
from aioauthlete._cli._load._report import LoadReport

BASELINE = "raw-aiohttp"
#: The issue call's variants (named ``...-issue``) compare with its own raw floor.
ISSUE_BASELINE = "raw-aiohttp-issue"


def baseline_of(variant: str) -> str:
    """The raw aiohttp variant *variant* is compared with: the one making the same call."""
    return ISSUE_BASELINE if variant.endswith("-issue") else BASELINE


@frozen
class Measure:
    """What one block of one variant did."""

    requests: int
    seconds: float
    cpu_seconds: float
    p50: float
    p99: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_us(self) -> float:
        """Process CPU microseconds per request (every thread of the client process)."""
        return self.cpu_seconds * 1e6 / self.requests if self.requests else 0.0

    @classmethod
    def of_report(cls, report: LoadReport) -> Measure:
        return cls(
            requests=report.requests,
            seconds=report.duration,
            cpu_seconds=report.cpu_seconds,
            p50=report.latency.p50,
            p99=report.latency.p99,
            errors=report.error_count,
        )

    @classmethod
    def of_histogram(
        cls, histogram: LatencyHistogram, seconds: float, cpu_seconds: float, errors: int
    ) -> Measure:
        return cls(
            requests=histogram.count,
            seconds=seconds,
            cpu_seconds=cpu_seconds,
            p50=histogram.quantile(0.5),
            p99=histogram.quantile(0.99),
            errors=errors,
        )


@frozen
class Block:
    """One measured block: which variant, at which concurrency, in which round."""

    variant: str
    concurrency: int
    round: int
    measure: Measure


@frozen
class Row:
    """A variant at one concurrency, summarised over the rounds."""

    variant: str
    concurrency: int
    rounds: int
    rps: float
    p50: float
    p99: float
    cpu_us: float
    throughput_ratio: float | None
    cpu_ratio: float | None
    errors: int


def _median_ratio(pairs: Iterable[tuple[float, float]]) -> float | None:
    ratios = [a / b for a, b in pairs if b > 0]
    return statistics.median(ratios) if ratios else None


def summarize(blocks: Sequence[Block]) -> list[Row]:
    """One row per (variant, concurrency): medians over rounds, ratios to its baseline
    (``baseline_of``) in the same round."""
    base = {(b.variant, b.concurrency, b.round): b.measure for b in blocks}
    keys = list(dict.fromkeys((b.variant, b.concurrency) for b in blocks))
    rows = []
    for variant, concurrency in keys:
        mine = [b for b in blocks if (b.variant, b.concurrency) == (variant, concurrency)]
        floor = baseline_of(variant)
        paired = [
            (b.measure, base[floor, concurrency, b.round])
            for b in mine
            if (floor, concurrency, b.round) in base
        ]
        rows.append(
            Row(
                variant=variant,
                concurrency=concurrency,
                rounds=len(mine),
                rps=statistics.median(b.measure.rps for b in mine),
                p50=statistics.median(b.measure.p50 for b in mine),
                p99=statistics.median(b.measure.p99 for b in mine),
                cpu_us=statistics.median(b.measure.cpu_us for b in mine),
                throughput_ratio=_median_ratio((m.rps, r.rps) for m, r in paired),
                cpu_ratio=_median_ratio((m.cpu_us, r.cpu_us) for m, r in paired),
                errors=sum(b.measure.errors for b in mine),
            )
        )
    return rows


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def render_table(rows: Sequence[Row]) -> str:
    """The comparison table; ratios are medians of per-round ratios to raw aiohttp."""
    header = (
        f"{'variant':<22} {'conc':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU us/req':>10} {'thr/raw':>8} {'CPU/raw':>8} {'errors':>6}"
    )
    lines = [header, "-" * len(header)]
    previous = None
    for row in rows:
        if previous is not None and row.concurrency != previous:
            lines.append("")
        previous = row.concurrency
        lines.append(
            f"{row.variant:<22} {row.concurrency:>5} {row.rps:>9,.0f} {row.p50 * 1e3:>8.3f} "
            f"{row.p99 * 1e3:>8.3f} {row.cpu_us:>10.1f} {_ratio(row.throughput_ratio):>8} "
            f"{_ratio(row.cpu_ratio):>8} {row.errors:>6}"
        )
    return "\n".join(lines)


def sdk_comparison(rows: Sequence[Row], levels: Iterable[int] = (16, 64)) -> list[str]:
    """aioauthlete's throughput over the official SDK's best (sequential or threaded).

    The SDK's sequential figure is measured once (at concurrency 1) and counts as
    available at every level; these are ratios of medians, not per-round ratios.
    """
    sequential = [r.rps for r in rows if r.variant == "sdk-sequential"]
    lines: list[str] = []
    for level in levels:
        at = {r.variant: r.rps for r in rows if r.concurrency == level}
        threaded = [rps for name, rps in at.items() if name.startswith("sdk-threads")]
        best = max([*sequential, *threaded], default=0.0)
        if best <= 0:
            continue
        lines.extend(
            f"concurrency {level:>3}: {variant} / official SDK best "
            f"({best:,.0f} req/s) = {at[variant] / best:.2f}x"
            for variant in ("aioauthlete-single", "aioauthlete-stream")
            if variant in at
        )
    return lines


def scaling(blocks: Sequence[Block], high: int = 256, low: int = 64) -> list[str]:
    """CPU per request at *high* concurrency over that at *low*, per variant: the median
    of the ratios of same-numbered rounds.

    With ``--interleave`` those rounds ran back to back and share the machine's drift;
    otherwise they ran minutes apart, and the figure is as exposed to drift as the
    absolute ones are.
    """
    cpu = {(b.variant, b.concurrency, b.round): b.measure.cpu_us for b in blocks}
    lines: list[str] = []
    for variant in dict.fromkeys(b.variant for b in blocks if b.concurrency == high):
        rounds = {r for v, c, r in cpu if v == variant and c == high}
        paired = [(cpu[variant, high, r], cpu[variant, low, r]) for r in sorted(rounds)]
        if not all((variant, low, r) in cpu for r in rounds):
            continue  # the variant did not run at the low level (another SDK thread count)
        ratio = _median_ratio(paired)
        if ratio is not None:
            lines.append(f"{variant}: CPU per request at {high} / at {low} = {ratio:.2f}x")
    return lines
