"""What the emulator records for tests: counters, recent requests, reset and snapshot."""

from __future__ import annotations

import io

import aiohttp
import pytest

from aioauthlete.testing import DEFAULT_POLL_CLIENT, AuthleteEmulator, EmulatorStats
from tests.testing.support import TOKEN, Caller, Flow


async def test_stats_count_requests_statuses_and_ticket_hits(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """Every request is counted, with its answered status and the ticket it named."""
    [ticket] = emulator.tickets.issue_tickets(1)
    await api.fail(ticket)
    await api.fail(ticket)
    await api.post(json_body={"ticket": "other"}, authorization=None)
    stats = emulator.stats
    assert stats.requests == 3
    assert stats.statuses == {200: 2, 401: 1}
    assert stats.ticket_hits == {ticket: 2, "other": 1}


async def test_recent_requests_keep_headers_without_the_credential(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """recent keeps method, raw path, content type and headers, Authorization redacted."""
    await api.post("/api/715948317/backchannel/authentication/fail?x=1", form={"ticket": "t"})
    [record] = emulator.stats.recent
    assert record.method == "POST"
    assert record.path == "/api/715948317/backchannel/authentication/fail?x=1"
    assert record.content_type == "application/x-www-form-urlencoded"
    assert record.headers["Authorization"] == "Bearer <redacted>"
    assert TOKEN not in repr(record)


async def test_recent_is_bounded_by_history() -> None:
    """Only the last *history* requests are kept."""
    emulator = AuthleteEmulator(history=2, environ={})
    async with emulator.serve() as base_url, aiohttp.ClientSession() as session:
        for n in range(3):
            async with session.post(f"{base_url}/api/backchannel/authentication/fail?n={n}"):
                pass
    assert [r.path[-3:] for r in emulator.stats.recent] == ["n=1", "n=2"]
    assert emulator.stats.requests == 3


async def test_reset_zeroes_the_counters(emulator: AuthleteEmulator, api: Caller) -> None:
    """stats.reset() forgets counts and recent requests."""
    await api.fail("t")
    emulator.stats.reset()
    stats = emulator.stats
    assert (stats.requests, stats.dropped, stats.peak_in_flight) == (0, 0, 0)
    assert not stats.statuses
    assert not stats.ticket_hits
    assert not stats.recent


async def test_snapshot_is_detached_from_later_requests(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """A snapshot keeps the counts of its moment while the live stats move on."""
    await api.fail("t")
    snapshot = emulator.stats.snapshot()
    await api.fail("t")
    assert snapshot.requests == 1
    assert snapshot.ticket_hits["t"] == 1
    assert emulator.stats.requests == 2


async def test_emulator_reset_clears_tickets_auth_req_ids_faults_and_stats(
    emulator: AuthleteEmulator, api: Caller, flow: Flow
) -> None:
    """emulator.reset() returns it to a fresh state between test phases."""
    emulator.tickets.issue_tickets(2)
    await flow.auth_req_id(DEFAULT_POLL_CLIENT)
    emulator.faults.fail_next(1)
    await api.fail("t")
    emulator.reset()
    assert (len(emulator.tickets), emulator.faults.pending, emulator.stats.requests) == (0, 0, 0)
    assert len(emulator.auth_requests) == 0


def test_negative_history_is_refused() -> None:
    """A negative history length raises ValueError."""
    with pytest.raises(ValueError, match="history"):
        EmulatorStats(history=-1)


async def test_body_over_aiohttp_size_cap_is_counted_as_413(
    emulator: AuthleteEmulator, api: Caller
) -> None:
    """A body over aiohttp's 1 MiB cap gets aiohttp's 413, and stats count that status."""
    body = io.BytesIO(b"x" * ((1 << 20) + 1))
    url = api.base_url + "/api/backchannel/authentication/fail"
    async with api.session.post(url, data=body) as response:
        assert response.status == 413
    assert emulator.stats.statuses == {413: 1}
    assert emulator.stats.in_flight == 0
