"""Fixtures of the handler tests: aioresponses standing in for Authlete (loopback traffic
passes through to the real servers of the notification tests), a client, and a leak check
on every test: no canary of ``support.CANARIES`` in any log record, or in anything handed
to ``watch.add`` (its ``repr``, ``str``, and for exceptions the formatted traceback)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator, Iterator

import pytest
from aioresponses import aioresponses

from aioauthlete import AuthleteClient
from aioauthlete.ciba import BackchannelAuthenticationHandler, CompleteHandler, NotificationSender
from tests.ciba.delivering import FAST
from tests.ciba.hooks import ScriptedHooks
from tests.ciba.support import CANARIES, SkippedWaits, test_client


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Watch:
    """Log records of the test, and what it asked to have checked for secrets."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.items: list[object] = []

    def add(self, *items: object) -> None:
        self.items.extend(items)

    def records(self, level: int | None = None) -> list[logging.LogRecord]:
        """The records of ``aioauthlete.ciba``, at *level* only if given."""
        return [
            r
            for r in self.recorder.records
            if r.name.startswith("aioauthlete.ciba") and (level is None or r.levelno == level)
        ]

    def messages(self, level: int | None = None) -> list[str]:
        return [r.getMessage() for r in self.records(level)]

    def texts(self) -> Iterator[tuple[str, str]]:
        formatter = logging.Formatter()
        for record in self.recorder.records:
            yield f"log record {record.name}", formatter.format(record)
        for item in self.items:
            yield type(item).__name__, repr(item)
            yield type(item).__name__, str(item)
            if isinstance(item, BaseException):
                yield type(item).__name__, "".join(traceback.format_exception(item))

    def check(self) -> None:
        for where, text in self.texts():
            for name, value in CANARIES.items():
                assert value not in text, f"the {name} leaked into {where}: {text[:400]}"


@pytest.fixture(autouse=True)
def watch() -> Iterator[Watch]:
    """Every logger at DEBUG for the whole test; at the end, no canary anywhere."""
    recorder = Recorder()
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    watched = Watch(recorder)
    try:
        yield watched
    finally:
        root.removeHandler(recorder)
        root.setLevel(level)
    watched.check()


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses(passthrough=["http://127.0.0.1", "https://127.0.0.1"]) as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[AuthleteClient]:
    async with test_client() as c:
        yield c


@pytest.fixture
def hooks() -> ScriptedHooks:
    return ScriptedHooks()


@pytest.fixture
async def handler(
    client: AuthleteClient, hooks: ScriptedHooks
) -> AsyncIterator[BackchannelAuthenticationHandler[str]]:
    """A backchannel handler with the scripted hooks; closed (its steps cancelled) after."""
    async with (
        CompleteHandler(client) as complete,
        BackchannelAuthenticationHandler(client, hooks, complete=complete) as handler,
    ):
        yield handler


@pytest.fixture
def waits() -> SkippedWaits:
    return SkippedWaits()


@pytest.fixture
async def sender(waits: SkippedWaits) -> AsyncIterator[NotificationSender]:
    async with NotificationSender(
        policy=FAST, sleep=waits.sleep, clock=waits.clock, random=lambda: 0.5
    ) as s:
        yield s
