"""Fixtures for the fault matrix: canaries, a leak check on every test, fast clients, an emulator.

Every test in this folder runs with every logger at DEBUG, and ends with a leak check: the
canary token, API secret and ticket must appear in no log record (message, arguments or
formatted traceback) and in nothing the test handed to ``watch.add``/``watch.expect``:
``str``/``repr`` of errors and outcomes, their chained causes and contexts,
``traceback.format_exception``, and the locals of the library's frames in their tracebacks
(what ``pytest --showlocals`` or an error reporter would print).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

import aioauthlete
from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    AuthleteClient,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    FailOutcome,
    FailReason,
    TimeoutPolicy,
)
from aioauthlete.testing import AuthleteEmulator
from tests.helpers import OK_BODY as OK_BODY
from tests.helpers import SERVICE_ID as SERVICE_ID

FAIL_PATH = f"/api/{SERVICE_ID}/backchannel/authentication/fail"
#: Small bounds so that every fault ends in well under a second.
FAST = TimeoutPolicy(total=2.0, attempt=0.5, connect=0.3)
LIBRARY_DIR = str(Path(aioauthlete.__file__).parent)

E = TypeVar("E", bound=BaseException)


@dataclass(frozen=True)
class Canary:
    """Fresh secrets for one test; their values never show in a repr."""

    token: str = field(repr=False)
    secret: str = field(repr=False)
    ticket: str = field(repr=False)

    @property
    def values(self) -> tuple[str, str, str]:
        return (self.token, self.secret, self.ticket)

    def request(
        self, reason: FailReason = FailReason.ACCESS_DENIED, ticket: str | None = None
    ) -> BackchannelAuthenticationFailRequest:
        """A fail request for the canary ticket (or *ticket*)."""
        return BackchannelAuthenticationFailRequest(
            ticket=self.ticket if ticket is None else ticket, reason=reason
        )

    def form_request(self, service_id: str) -> BackchannelAuthenticationFailApiFormRequest:
        """The seed's form request for the canary ticket, aimed at *service_id*."""
        return BackchannelAuthenticationFailApiFormRequest(
            service_id=service_id,
            api_service_id_backchannel_authentication_fail=ApiServiceIdBackchannelAuthenticationFail(
                ticket=self.ticket, reason=FailReason.UNAUTHORIZED_CLIENT
            ),
        )


class FastTime:
    """Backoff sleeps that take no real time but are recorded.

    With *advance*, the clock is the real monotonic clock plus every fake sleep so far, so
    deadline arithmetic sees both the real time attempts take and the skipped waits. A
    batch shares one client (and this clock) between concurrent calls, where one call's
    skipped wait must not eat another's deadline: use ``advance=False`` there.
    """

    def __init__(self, *, advance: bool = True) -> None:
        self.advance = advance
        self.offset = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.advance:
            self.offset += seconds
        await asyncio.sleep(0)


class Recorder(logging.Handler):
    """Keeps every log record of every logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def exception_texts(exc: BaseException) -> Iterator[str]:
    """Everything an exception can show: reprs along its chain, traceback, library locals."""
    yield "".join(traceback.format_exception(exc))
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield repr(current)
        yield str(current)
        yield repr(current.args)
        yield repr(getattr(current, "__notes__", None))
        for frame, _ in traceback.walk_tb(current.__traceback__):
            if frame.f_code.co_filename.startswith(LIBRARY_DIR):
                yield from (f"{name}={value!r}" for name, value in frame.f_locals.items())
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def object_texts(item: object) -> Iterator[str]:
    """What a test or a user could print of *item*."""
    if isinstance(item, BaseException):
        yield from exception_texts(item)
        return
    yield repr(item)
    yield str(item)
    if isinstance(item, FailOutcome) and item.error is not None:
        yield from exception_texts(item.error)


class Watch:
    """What one test produced that could leak a secret, and the log records it caused."""

    def __init__(self, canary: Canary, recorder: Recorder) -> None:
        self.canary = canary
        self.recorder = recorder
        self.items: list[object] = []

    def add(self, *items: object) -> None:
        """Have the leak check examine *items* (errors, outcomes, responses, reprs)."""
        self.items.extend(items)

    async def expect(self, cls: type[E], call: Awaitable[object]) -> E:
        """Await *call*, which must raise exactly *cls*; return the error, watched."""
        with pytest.raises(cls) as info:
            await call
        assert type(info.value) is cls, f"expected {cls.__name__}, got {info.value!r}"
        self.add(info.value)
        return info.value

    async def fails(self, cls: type[E], client: AuthleteClient) -> E:
        """``expect`` that failing the canary ticket through *client* raises exactly *cls*."""
        return await self.expect(cls, client.backchannel_authentication_fail(self.canary.request()))

    def records(
        self, level: int | None = None, logger: str = "aioauthlete"
    ) -> list[logging.LogRecord]:
        """The records of *logger* (and its children), at *level* only if given."""
        return [
            r
            for r in self.recorder.records
            if (r.name == logger or r.name.startswith(logger + "."))
            and (level is None or r.levelno == level)
        ]

    def messages(self, level: int | None = None) -> list[str]:
        return [r.getMessage() for r in self.records(level)]

    def texts(self) -> Iterator[tuple[str, str]]:
        formatter = logging.Formatter()
        for record in self.recorder.records:
            where = f"log record {record.name}:{record.levelname}"
            yield where, record.getMessage()
            yield where, repr(record.args)
            if record.exc_info:
                yield where, formatter.formatException(record.exc_info)
        for item in self.items:
            for text in object_texts(item):
                yield f"{type(item).__name__}", text

    def check(self) -> None:
        """Fail if a canary shows anywhere."""
        names = ("token", "secret", "ticket")
        for where, text in self.texts():
            for name, value in zip(names, self.canary.values, strict=True):
                assert value not in text, f"the canary {name} leaked into {where}: {text[:500]}"


@pytest.fixture
def canary() -> Canary:
    """Fresh canary secrets for this test."""
    return Canary(
        token=f"TOK-canary-{uuid.uuid4().hex}",
        secret=f"SEC-canary-{uuid.uuid4().hex}",
        ticket=f"TKT-canary-{uuid.uuid4().hex}",
    )


@pytest.fixture(autouse=True)
def watch(canary: Canary) -> Iterator[Watch]:
    """Every logger at DEBUG for the whole test; at the end, no canary anywhere."""
    recorder = Recorder()
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    watched = Watch(canary, recorder)
    try:
        yield watched
    finally:
        root.removeHandler(recorder)
        root.setLevel(level)
    watched.check()


@pytest.fixture
def fast_time() -> FastTime:
    """The sleep and clock the client factory injects (no real backoff waiting)."""
    return FastTime()


class ClientFactory:
    """``await client_factory(base_url, **options)``: an open client, closed at teardown.

    Defaults: the canary token, ``FAST`` timeouts, the default retry policy, a jitter draw
    of 0.5, and ``fast_time``'s sleep and clock; any ``AuthleteClient`` option overrides.
    """

    def __init__(self, stack: contextlib.AsyncExitStack, canary: Canary, time: FastTime) -> None:
        self._stack = stack
        self._canary = canary
        self._time = time

    async def __call__(self, base_url: str, **options: Any) -> AuthleteClient:
        kwargs: dict[str, Any] = {
            "service_id": SERVICE_ID,
            "access_token": self._canary.token,
            "timeout": FAST,
            "sleep": self._time.sleep,
            "clock": self._time.clock,
            "random": lambda: 0.5,
        }
        kwargs.update(options)
        client = AuthleteClient(base_url=base_url, **kwargs)
        return await self._stack.enter_async_context(client)


@pytest.fixture
async def client_factory(canary: Canary, fast_time: FastTime) -> AsyncIterator[ClientFactory]:
    """Clients with fast timeouts and fake backoff sleeps; all closed at teardown."""
    async with contextlib.AsyncExitStack() as stack:
        yield ClientFactory(stack, canary, fast_time)


@pytest.fixture
def emulator(canary: Canary) -> AuthleteEmulator:
    """An emulator that accepts the canary credentials and knows the canary ticket."""
    emulator = AuthleteEmulator(
        service_id=SERVICE_ID, access_token=canary.token, api_secret=canary.secret, environ={}
    )
    emulator.tickets.add_ticket(canary.ticket)
    return emulator


@pytest.fixture
async def emulator_url(emulator: AuthleteEmulator) -> AsyncIterator[str]:
    """The emulator, served in the test's event loop."""
    async with emulator.serve() as url:
        yield url


async def outcome_of(
    client: AuthleteClient, request: BackchannelAuthenticationFailRequest
) -> FailOutcome:
    """One call through the batch door, which reports attempts and ambiguity with answers."""
    [outcome] = await client.backchannel_authentication_fail_many([request], concurrency=1)
    return outcome
