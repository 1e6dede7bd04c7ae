"""The emulator's tickets: what ``/backchannel/authentication`` issued, with expiry.

A ticket lives until it is failed or completed, or its time to live runs out. One made
by ``/backchannel/authentication`` keeps what that call learnt (its client, scopes,
notification token...) for ``issue`` and ``complete``; a seeded one (``issue_tickets``,
``add_tickets``) gets such a request from the emulator the first time a call needs one.
The clock is injectable, so expiry tests do not sleep. A lock guards the map, because
tests add tickets from their own thread while the emulator's thread serves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from attrs import define

from ._clients import CibaClient
from ._tokens import RANDOM_BYTES, random_value

DEFAULT_TICKET_TTL = 600.0
TICKET_BYTES = RANDOM_BYTES
#: Seconds between sweeps of expired tickets, so that tickets nobody fails or completes
#: (a load test's) do not pile up.
SWEEP_EVERY = 60.0


@define
class BackchannelRequest:
    """What ``/backchannel/authentication`` learnt about one request, kept with its ticket.

    ``auth_req_id`` is set by the first ``issue`` call for the ticket.
    """

    client: CibaClient
    alias_used: bool
    scopes: tuple[str, ...]
    notification_token: str | None = None
    requested_expiry: int | None = None
    hint_type: str | None = None
    hint: str | None = None
    auth_req_id: str | None = None


SeededRequest = Callable[[], BackchannelRequest | None]
_Entry = tuple[float, BackchannelRequest | None]


class TicketStore:
    """Tickets with an expiry time, read and written from any thread."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TICKET_TTL,
        clock: Callable[[], float] = time.monotonic,
        seeded: SeededRequest | None = None,
    ) -> None:
        if not ttl > 0:
            raise ValueError("ttl must be a positive number of seconds")
        self._ttl = ttl
        self._clock = clock
        self._seeded = seeded
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + SWEEP_EVERY

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
            return len(self._entries)

    def __contains__(self, ticket: object) -> bool:
        return isinstance(ticket, str) and self.has_ticket(ticket)

    def issue_tickets(self, count: int, *, ttl: float | None = None) -> list[str]:
        """Create *count* fresh random tickets and return them."""
        if count < 0:
            raise ValueError("count must be 0 or more")
        tickets = [random_value() for _ in range(count)]
        self.add_tickets(tickets, ttl=ttl)
        return tickets

    def add_ticket(self, ticket: str, *, ttl: float | None = None) -> None:
        """Make *ticket* known (again) for *ttl* seconds, e.g. one a test chose."""
        self.add_tickets([ticket], ttl=ttl)

    def add_tickets(self, tickets: Iterable[str], *, ttl: float | None = None) -> None:
        """Make every ticket of *tickets* known for *ttl* seconds."""
        lifetime = self._lifetime(ttl)
        items = list(tickets)
        if not all(type(t) is str and t for t in items):
            raise ValueError("tickets must be non-empty strings")
        with self._lock:
            now = self._clock()
            self._entries.update(dict.fromkeys(items, (now + lifetime, None)))
            self._sweep(now)

    def create(self, request: BackchannelRequest, *, ttl: float | None = None) -> str:
        """A fresh ticket that keeps *request* (what ``/backchannel/authentication`` does)."""
        lifetime = self._lifetime(ttl)
        ticket = random_value()
        with self._lock:
            now = self._clock()
            self._entries[ticket] = (now + lifetime, request)
            self._sweep(now)
        return ticket

    def has_ticket(self, ticket: str) -> bool:
        """Whether *ticket* is known and not expired."""
        with self._lock:
            return self._live(ticket, self._clock()) is not None

    def request(self, ticket: str) -> BackchannelRequest | None:
        """The request a live *ticket* keeps (a seeded one's made now); None if not live."""
        with self._lock:
            entry = self._live(ticket, self._clock())
            if entry is None:
                return None
            expires, request = entry
            if request is None and self._seeded is not None:
                request = self._seeded()
                self._entries[ticket] = (expires, request)
            return request

    def extend(self, ticket: str, until: float) -> None:
        """Keep a live *ticket* until at least *until* on the store's clock."""
        with self._lock:
            entry = self._entries.get(ticket)
            if entry is not None and entry[0] < until:
                self._entries[ticket] = (until, entry[1])

    def take(self, ticket: str) -> bool:
        """Delete *ticket*; True if it was known and not expired (a fail call's effect)."""
        with self._lock:
            live = self._live(ticket, self._clock()) is not None
            self._entries.pop(ticket, None)
            return live

    def take_request(self, ticket: str) -> BackchannelRequest | None:
        """Delete *ticket* and return its request (a complete call's effect), if live."""
        request = self.request(ticket)
        if request is not None:
            with self._lock:
                self._entries.pop(ticket, None)
        return request

    def clear(self) -> None:
        """Forget every ticket."""
        with self._lock:
            self._entries.clear()

    def _lifetime(self, ttl: float | None) -> float:
        lifetime = self._ttl if ttl is None else ttl
        if not lifetime > 0:
            raise ValueError("ttl must be a positive number of seconds")
        return lifetime

    def _live(self, ticket: str, now: float) -> _Entry | None:
        entry = self._entries.get(ticket)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[ticket]
            return None
        return entry

    def _sweep(self, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY
            self._purge(now)

    def _purge(self, now: float) -> None:
        expired = [t for t, (expires, _) in self._entries.items() if expires <= now]
        for ticket in expired:
            del self._entries[ticket]


def seeded_request(client: CibaClient | None) -> BackchannelRequest | None:
    """The request a seeded ticket stands for: an ``openid`` request of *client*."""
    if client is None:
        return None
    token = None if client.mode == "poll" else random_value()
    return BackchannelRequest(client, False, ("openid",), notification_token=token)
