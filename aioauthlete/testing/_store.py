"""The emulator's tickets: what ``/backchannel/authentication`` would have issued.

A ticket lives until it is failed or its time to live runs out. The clock is injectable,
so expiry tests do not sleep. A lock guards the map, because tests add tickets from their
own thread while the emulator's thread serves.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable

DEFAULT_TICKET_TTL = 600.0
#: Bytes of randomness per ticket: 32 give 43 URL-safe characters, the length of
#: Authlete's tickets (the spec's examples).
TICKET_BYTES = 32


class TicketStore:
    """Tickets with an expiry time, read and written from any thread."""

    def __init__(
        self, *, ttl: float = DEFAULT_TICKET_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not ttl > 0:
            raise ValueError("ttl must be a positive number of seconds")
        self._ttl = ttl
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def ttl(self) -> float:
        """Seconds a ticket lives when no other time to live is given."""
        return self._ttl

    def __repr__(self) -> str:  # never the tickets themselves
        return f"<TicketStore {len(self)} tickets ttl={self._ttl:g}s>"

    def __len__(self) -> int:
        """The number of live tickets (expired ones are dropped on the way)."""
        with self._lock:
            self._purge(self._clock())
            return len(self._expiry)

    def __contains__(self, ticket: object) -> bool:
        return isinstance(ticket, str) and self.has_ticket(ticket)

    def issue_tickets(self, count: int, *, ttl: float | None = None) -> list[str]:
        """Create *count* fresh random tickets and return them."""
        if count < 0:
            raise ValueError("count must be 0 or more")
        tickets = [secrets.token_urlsafe(TICKET_BYTES) for _ in range(count)]
        self.add_tickets(tickets, ttl=ttl)
        return tickets

    def add_ticket(self, ticket: str, *, ttl: float | None = None) -> None:
        """Make *ticket* known (again) for *ttl* seconds, e.g. one a test chose."""
        self.add_tickets([ticket], ttl=ttl)

    def add_tickets(self, tickets: Iterable[str], *, ttl: float | None = None) -> None:
        """Make every ticket of *tickets* known for *ttl* seconds."""
        lifetime = self._ttl if ttl is None else ttl
        if not lifetime > 0:
            raise ValueError("ttl must be a positive number of seconds")
        items = list(tickets)
        if not all(type(t) is str and t for t in items):
            raise ValueError("tickets must be non-empty strings")
        with self._lock:
            expires = self._clock() + lifetime
            self._expiry.update(dict.fromkeys(items, expires))

    def has_ticket(self, ticket: str) -> bool:
        """Whether *ticket* is known and not expired."""
        with self._lock:
            return self._live(ticket, self._clock())

    def take(self, ticket: str) -> bool:
        """Delete *ticket*; True if it was known and not expired (a fail call's effect)."""
        with self._lock:
            live = self._live(ticket, self._clock())
            self._expiry.pop(ticket, None)
            return live

    def clear(self) -> None:
        """Forget every ticket."""
        with self._lock:
            self._expiry.clear()

    def _live(self, ticket: str, now: float) -> bool:
        expires = self._expiry.get(ticket)
        if expires is None:
            return False
        if expires <= now:
            del self._expiry[ticket]
            return False
        return True

    def _purge(self, now: float) -> None:
        expired = [t for t, expires in self._expiry.items() if expires <= now]
        for ticket in expired:
            del self._expiry[ticket]
