"""What the emulator saw, for tests to assert on: counts, concurrency and recent requests.

The Authorization header is kept as its scheme only (``"Bearer <redacted>"``). Tickets are
kept as counter keys, in memory only, because tests need them; they are never logged.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Mapping

from attrs import frozen

DEFAULT_HISTORY = 100
RECORDED_HEADERS = (
    "Accept",
    "Accept-Encoding",
    "Authorization",
    "Content-Length",
    "Content-Type",
    "User-Agent",
)


@frozen
class RequestRecord:
    """One request as the emulator received it, with the credential blanked out."""

    method: str
    path: str
    content_type: str
    headers: Mapping[str, str]


def redact_authorization(value: str) -> str:
    """Keep the scheme of an Authorization value, never the credential."""
    scheme, _, rest = value.partition(" ")
    return f"{scheme} <redacted>" if rest else "<redacted>"


def select_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The recorded headers that are present, Authorization redacted."""
    chosen = {name: headers[name] for name in RECORDED_HEADERS if name in headers}
    if "Authorization" in chosen:
        chosen["Authorization"] = redact_authorization(chosen["Authorization"])
    return chosen


class EmulatorStats:
    """Counters the emulator updates for every request it receives.

    ``requests`` counts requests received; ``operations`` them by operation (``fail``,
    ``authentication``, ``issue``, ``complete``, ``token``); ``statuses`` the statuses answered;
    ``ticket_hits`` the requests per ticket (when the body names one); ``dropped`` the
    connections closed without an answer; ``in_flight``/``peak_in_flight`` the requests
    being handled now and at most; ``recent`` the last *history* requests. Read them while
    the emulator is idle, or take a ``snapshot()``.
    """

    def __init__(self, *, history: int = DEFAULT_HISTORY) -> None:
        if history < 0:
            raise ValueError("history must be 0 or more")
        self._lock = threading.Lock()
        self.history = history
        self.requests = 0
        self.dropped = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.statuses: Counter[int] = Counter()
        self.operations: Counter[str] = Counter()
        self.ticket_hits: Counter[str] = Counter()
        self.recent: deque[RequestRecord] = deque(maxlen=history)

    def __repr__(self) -> str:
        return (
            f"<EmulatorStats requests={self.requests} statuses={dict(self.statuses)}"
            f" dropped={self.dropped} peak_in_flight={self.peak_in_flight}>"
        )

    def reset(self) -> None:
        """Zero every counter and forget the recent requests (in-flight ones stay counted)."""
        with self._lock:
            self.requests = 0
            self.dropped = 0
            self.peak_in_flight = self.in_flight
            self.statuses.clear()
            self.operations.clear()
            self.ticket_hits.clear()
            self.recent.clear()

    def snapshot(self) -> EmulatorStats:
        """A detached copy, consistent even while requests are being handled."""
        copy = EmulatorStats(history=self.history)
        with self._lock:
            copy.requests = self.requests
            copy.dropped = self.dropped
            copy.in_flight = self.in_flight
            copy.peak_in_flight = self.peak_in_flight
            copy.statuses.update(self.statuses)
            copy.operations.update(self.operations)
            copy.ticket_hits.update(self.ticket_hits)
            copy.recent.extend(self.recent)
        return copy

    def enter(self, record: RequestRecord, operation: str = "fail") -> None:
        """Count a request to *operation* that starts being handled."""
        with self._lock:
            self.requests += 1
            self.operations[operation] += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self.recent.append(record)

    def leave(self, status: int | None, *, dropped: bool = False) -> None:
        """Count a request that got its answer (*status*), was *dropped*, or neither."""
        with self._lock:
            self.in_flight -= 1
            if dropped:
                self.dropped += 1
            elif status is not None:
                self.statuses[status] += 1

    def hit(self, ticket: str) -> None:
        """Count a request naming *ticket*."""
        with self._lock:
            self.ticket_hits[ticket] += 1
