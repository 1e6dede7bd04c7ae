"""The ticket store on its own: issuing, expiry on an injected clock, deletion."""

from __future__ import annotations

import re

import pytest

from aioauthlete.testing import DEFAULT_TICKET_TTL, TicketStore
from tests.testing.support import FakeClock


def test_issued_tickets_look_like_authlete_tickets() -> None:
    """Issued tickets are distinct 43-character URL-safe strings, and all live."""
    store = TicketStore()
    tickets = store.issue_tickets(50)
    assert len(set(tickets)) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tickets)
    assert len(store) == 50
    assert all(store.has_ticket(t) for t in tickets)


def test_added_ticket_is_known_until_taken() -> None:
    """take() deletes a live ticket once: the second take reports it unknown."""
    store = TicketStore()
    store.add_ticket("chosen-by-test")
    assert "chosen-by-test" in store
    assert store.take("chosen-by-test") is True
    assert store.take("chosen-by-test") is False
    assert not store.has_ticket("chosen-by-test")


def test_ticket_expires_after_its_ttl_on_the_injected_clock() -> None:
    """A ticket is live just before its time to live runs out and gone at that moment."""
    clock = FakeClock()
    store = TicketStore(ttl=10.0, clock=clock)
    [ticket] = store.issue_tickets(1)
    clock.advance(9.999)
    assert store.has_ticket(ticket)
    clock.advance(0.001)
    assert not store.has_ticket(ticket)
    assert store.take(ticket) is False


def test_len_counts_only_live_tickets() -> None:
    """Expired tickets drop out of len(); ones with a longer ttl stay."""
    clock = FakeClock()
    store = TicketStore(ttl=5.0, clock=clock)
    store.issue_tickets(3)
    store.add_ticket("long-lived", ttl=60.0)
    clock.advance(5.0)
    assert len(store) == 1
    assert store.has_ticket("long-lived")


def test_adding_a_ticket_again_renews_it() -> None:
    """Re-adding a ticket restarts its time to live."""
    clock = FakeClock()
    store = TicketStore(ttl=5.0, clock=clock)
    store.add_ticket("t")
    clock.advance(4.0)
    store.add_ticket("t")
    clock.advance(4.0)
    assert store.has_ticket("t")


def test_clear_forgets_every_ticket() -> None:
    """clear() empties the store."""
    store = TicketStore()
    store.issue_tickets(5)
    store.clear()
    assert len(store) == 0


def test_default_ttl_is_ten_minutes() -> None:
    """Tickets live 600 s unless told otherwise."""
    assert TicketStore().ttl == DEFAULT_TICKET_TTL == 600.0


@pytest.mark.parametrize("ttl", [0.0, -1.0, float("nan")])
def test_non_positive_ttl_is_refused(ttl: float) -> None:
    """A ttl that is not a positive number raises ValueError."""
    with pytest.raises(ValueError, match="ttl"):
        TicketStore(ttl=ttl)


def test_empty_ticket_is_refused() -> None:
    """An empty ticket cannot be stored (the API would call it missing)."""
    with pytest.raises(ValueError, match="non-empty"):
        TicketStore().add_ticket("")


def test_repr_shows_no_ticket() -> None:
    """The store's repr counts tickets without showing any."""
    store = TicketStore()
    [ticket] = store.issue_tickets(1)
    assert ticket not in repr(store)
    assert "1 tickets" in repr(store)
