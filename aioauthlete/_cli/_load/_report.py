"""What a load run reports: its progress while it runs, and its figures once done.

Apart from the engine so that the benchmarks' statistics and the renderers can take a
report without the loop that made it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from attrs import frozen

from .._histogram import HistogramBucket, LatencySummary


@frozen(kw_only=True)
class LoadProgress:
    """How a run stands, handed to ``on_progress`` every ``progress_interval`` seconds."""

    elapsed: float
    completed: int
    answered: int
    errors: int


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


def answer_label(response: object) -> str:
    """How an answer is counted: its ``action`` (Authlete's answers have one), else its type."""
    action = getattr(response, "action", None)
    if action is None:
        return type(response).__name__
    return str(action.value) if isinstance(action, enum.Enum) else str(action)
