"""The "aioauthlete" logger: one DEBUG record per attempt, one WARNING on giving up, and no
work at all (no record, no hashing, no escaping) when those levels are off.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

import aioauthlete._log
from aioauthlete import AuthleteApiError, AuthleteTimeoutError, TimeoutPolicy
from aioauthlete._redact import ticket_ref
from aioauthlete.testing import AuthleteEmulator
from tests.faults import no_answer, respond
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import OK_BODY, SERVICE_ID, Canary, ClientFactory, Watch

ATTEMPT = re.compile(
    r"fail attempt service=(?P<service>\S+) attempt=(?P<attempt>\d+) status=(?P<status>\S+)"
    r" result_code=(?P<code>\S+) elapsed=(?P<elapsed>\d+\.\d{3})s ticket=(?P<ticket>[0-9a-f]{12})"
)


class Seen(logging.Filter):
    """A logger filter: it sees every record the logger creates, before any handler."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.records.append(record)
        return True


@pytest.fixture
def library_logger() -> Iterator[logging.Logger]:
    """The library's logger, its level and filters restored afterwards."""
    logger = logging.getLogger("aioauthlete")
    level, filters = logger.level, list(logger.filters)
    yield logger
    logger.setLevel(level)
    logger.filters[:] = filters


async def test_each_attempt_gets_one_debug_record_with_its_fields(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Two 503s then the answer: three DEBUG records with all their fields, no WARNING."""
    emulator.faults.fail_next(2, status=503)
    client = await client_factory(emulator_url)
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    records = watch.records()
    assert [r.levelno for r in records] == [logging.DEBUG] * 3
    fields = []
    for record in records:
        match = ATTEMPT.match(record.getMessage())
        assert match is not None, record.getMessage()
        fields.append(match.groupdict())
    assert [f["attempt"] for f in fields] == ["1", "2", "3"]
    assert [f["status"] for f in fields] == ["503", "503", "200"]  # the status, not a class
    assert [f["code"] for f in fields] == ["A001101", "A001101", "A185001"]
    assert {f["service"] for f in fields} == {SERVICE_ID}
    assert {f["ticket"] for f in fields} == {ticket_ref(canary.ticket)}
    assert all(float(f["elapsed"]) < 2.0 for f in fields)


async def test_giving_up_adds_one_warning_with_the_reason(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Three 503s: three DEBUG records, then one WARNING saying why and how many attempts."""
    emulator.faults.fail_next(3, status=503)
    client = await client_factory(emulator_url)
    await watch.fails(AuthleteApiError, client)
    records = watch.records()
    assert [r.levelno for r in records] == [logging.DEBUG] * 3 + [logging.WARNING]
    warning = records[-1].getMessage()
    assert f"service={SERVICE_ID} attempts=3 ambiguous=False" in warning
    assert f"ticket={ticket_ref(canary.ticket)}" in warning
    assert "why=attempts exhausted" in warning
    assert "HTTP 503 A001101" in warning


async def test_a_definitive_answer_does_not_warn(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """A 403 is the caller's answer, not a give-up: one DEBUG record, no WARNING."""
    emulator.faults.fail_next(1, status=403)
    client = await client_factory(emulator_url)
    await watch.fails(AuthleteApiError, client)
    assert [r.levelno for r in watch.records()] == [logging.DEBUG]


async def test_nothing_is_created_or_formatted_at_warning_level_for_an_answer(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    library_logger: logging.Logger,
    monkeypatch: pytest.MonkeyPatch,
    watch: Watch,
) -> None:
    """At WARNING, a retried call that answers creates no record, hashes and escapes nothing."""
    work: list[str] = []

    def counting_ticket_ref(ticket: str) -> str:
        work.append("hash")
        return "h"

    def counting_escape(text: str, limit: int = 300) -> str:
        work.append("escape")
        return text

    monkeypatch.setattr(aioauthlete._log, "ticket_ref", counting_ticket_ref)
    monkeypatch.setattr(aioauthlete._log, "escape_control", counting_escape)
    seen = Seen()
    library_logger.addFilter(seen)
    library_logger.setLevel(logging.WARNING)
    emulator.faults.fail_next(1, status=503)
    client = await client_factory(emulator_url)
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    assert emulator.stats.requests == 2  # a retry happened, and still nothing was logged
    assert seen.records == []
    assert work == []


async def test_at_warning_level_only_the_give_up_is_created(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    library_logger: logging.Logger,
    watch: Watch,
) -> None:
    """With the logger at WARNING, a call that gives up creates exactly its WARNING."""
    seen = Seen()
    library_logger.addFilter(seen)
    library_logger.setLevel(logging.WARNING)
    emulator.faults.fail_next(3, status=503)
    client = await client_factory(emulator_url)
    await watch.fails(AuthleteApiError, client)
    assert [r.levelno for r in seen.records] == [logging.WARNING]


async def test_at_error_level_nothing_is_created_even_when_giving_up(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    library_logger: logging.Logger,
    watch: Watch,
) -> None:
    """With the logger at ERROR, even a give-up creates no record."""
    seen = Seen()
    library_logger.addFilter(seen)
    library_logger.setLevel(logging.ERROR)
    emulator.faults.fail_next(3, status=503)
    client = await client_factory(emulator_url)
    await watch.fails(AuthleteApiError, client)
    assert seen.records == []


async def test_an_attempt_cut_by_the_deadline_gets_its_debug_record_too(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """The deadline ends the only attempt: its DEBUG record, then the WARNING (deadline)."""
    server = await raw_server_factory(no_answer())
    client = await client_factory(
        server.url, timeout=TimeoutPolicy(total=0.3, attempt=4.0, connect=0.3)
    )
    error = await watch.fails(AuthleteTimeoutError, client)
    assert error.attempts == 1
    records = watch.records()
    assert [r.levelno for r in records] == [logging.DEBUG, logging.WARNING]
    match = ATTEMPT.match(records[0].getMessage())
    assert match is not None
    assert (match["attempt"], match["status"]) == ("1", "none")
    assert float(match["elapsed"]) >= 0.25
    assert "why=deadline" in records[1].getMessage()


async def test_the_record_of_an_answer_names_its_real_status(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """A 201 answer is logged as 201: the record says what came back."""
    server = await raw_server_factory(respond(201, OK_BODY))
    client = await client_factory(server.url)
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    [record] = watch.records()
    match = ATTEMPT.match(record.getMessage())
    assert match is not None
    assert match["status"] == "201"
