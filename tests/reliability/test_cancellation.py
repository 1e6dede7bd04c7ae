"""Rows 36-38: cancellation propagates and releases the connection; backoff never blocks the
event loop; the client's session has a clear life cycle.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import itertools
import time
import traceback
from pathlib import Path

import aiohttp
import pytest

import aioauthlete
from aioauthlete import (
    AuthleteClient,
    AuthleteTransportError,
    RetryPolicy,
    TimeoutPolicy,
)
from aioauthlete.testing import AuthleteEmulator
from tests.faults import RawConnection, respond
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import (
    LIBRARY_DIR,
    OK_BODY,
    SERVICE_ID,
    Canary,
    ClientFactory,
    FastTime,
    Watch,
)

PATIENT = TimeoutPolicy(total=30.0, attempt=20.0, connect=1.0)


class Hanging:
    """A raw-server script that reads the request and never answers; events for each step."""

    def __init__(self) -> None:
        self.received = asyncio.Event()
        self.client_gone = asyncio.Event()

    async def __call__(self, conn: RawConnection) -> None:
        if await conn.read_request() is None:
            return
        self.received.set()
        await conn.wait_client_gone()
        self.client_gone.set()


def acquired(client: AuthleteClient) -> int:
    """Connections the client's pool has handed out and not got back (aiohttp internals)."""
    session = client._session
    assert session is not None
    assert session.connector is not None
    return len(session.connector._acquired)


async def test_cancelling_the_task_mid_request_propagates_and_frees_the_connection(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
) -> None:
    """Row 36: ``task.cancel()`` while waiting for the answer: CancelledError, no retry."""
    script = Hanging()
    server = await raw_server_factory(script)
    client = await client_factory(server.url, timeout=PATIENT)
    task = asyncio.create_task(client.backchannel_authentication_fail(canary.request()))
    await script.received.wait()
    assert acquired(client) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(2.0):
        await script.client_gone.wait()  # the client closed the socket it was using
    assert acquired(client) == 0
    assert len(server.requests) == 1
    assert fast_time.sleeps == []  # no backoff began: the retry loop is over


async def test_outer_asyncio_timeout_propagates_as_the_callers_timeout(
    raw_server_factory: RawServerFactory, client_factory: ClientFactory, canary: Canary
) -> None:
    """Row 36: ``asyncio.timeout(0.2)`` around the call ends it with the caller's TimeoutError."""
    script = Hanging()
    server = await raw_server_factory(script)
    client = await client_factory(server.url, timeout=PATIENT)
    started = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        async with asyncio.timeout(0.2):
            await client.backchannel_authentication_fail(canary.request())
    assert type(info.value) is TimeoutError  # the caller's, not an AuthleteTimeoutError
    assert 0.18 <= time.monotonic() - started < 2.0
    async with asyncio.timeout(2.0):
        await script.client_gone.wait()
    assert acquired(client) == 0
    assert len(server.requests) == 1


def every_local(exc: BaseException) -> str:
    """Every frame local along *exc*'s traceback, as an error tracker capturing locals
    (or ``pytest --showlocals``) would print them: aiohttp's frames included."""
    shown = traceback.TracebackException.from_exception(exc, capture_locals=True)
    return "".join(shown.format())


async def outer_cancellation(
    how: str, client: AuthleteClient, canary: Canary, script: Hanging
) -> BaseException:
    """End a call that waits for its answer the way a caller would: *how* is "cancel"
    (``task.cancel()``) or "timeout" (an ``asyncio.timeout`` around the call)."""
    call = client.backchannel_authentication_fail(canary.request())
    if how == "timeout":

        async def bounded() -> object:
            async with asyncio.timeout(0.2):
                return await call

        task = asyncio.create_task(bounded())
    else:
        task = asyncio.create_task(call)
        await script.received.wait()
        task.cancel()
    with pytest.raises((asyncio.CancelledError, TimeoutError)) as info:
        await task
    return info.value


@pytest.mark.parametrize("how", ["cancel", "timeout"])
async def test_outer_cancellation_leaves_no_credential_in_traceback_locals(
    how: str, raw_server_factory: RawServerFactory, client_factory: ClientFactory, canary: Canary
) -> None:
    """Row 36: the caller's own cancellation is the same exception, but the frames it ran
    through (aiohttp's request frame holds the headers and the body) keep no locals."""
    script = Hanging()
    server = await raw_server_factory(script)
    client = await client_factory(server.url, timeout=PATIENT)
    error = await outer_cancellation(how, client, canary, script)
    assert type(error) is (TimeoutError if how == "timeout" else asyncio.CancelledError)
    shown = every_local(error)
    assert "aiohttp" in shown  # the traceback still says where the call was
    assert canary.token not in shown
    assert canary.ticket not in shown
    assert len(server.requests) == 1


async def test_queued_calls_end_with_an_answer_or_a_typed_error_under_cancellation(
    emulator: AuthleteEmulator, emulator_url: str, client_factory: ClientFactory, canary: Canary
) -> None:
    """Row 36: 400 calls on 5 connections, deadlines passing in the queue and the caller
    cancelling some of them as connections free up: every call ends with an answer, an
    AuthleteError, CancelledError or TimeoutError, never anything else."""
    emulator.faults.latency = 0.02
    emulator.tickets.add_ticket(canary.ticket)
    timeout = TimeoutPolicy(total=0.5, attempt=0.4, connect=0.3)
    client = await client_factory(emulator_url, max_connections=5, timeout=timeout)
    tasks = [
        asyncio.create_task(client.backchannel_authentication_fail(canary.request()))
        for _ in range(400)
    ]
    for n, task in enumerate(tasks):
        if n % 2 == 0:
            asyncio.get_running_loop().call_later(0.002 * (n % 200), task.cancel)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    kinds = {type(r).__name__ for r in results}
    allowed = (
        aioauthlete.BackchannelAuthenticationFailResponse,
        aioauthlete.AuthleteError,
        asyncio.CancelledError,
        TimeoutError,
    )
    assert all(isinstance(r, allowed) for r in results), kinds
    assert any(isinstance(r, asyncio.CancelledError) for r in results)
    assert any(isinstance(r, aioauthlete.AuthleteTimeoutError) for r in results)
    assert acquired(client) == 0


async def test_cancelling_during_backoff_makes_no_further_attempt(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
) -> None:
    """Row 36: a cancel that lands in the backoff sleep ends the call there."""
    sleeping = asyncio.Event()

    async def sleep(seconds: float) -> None:
        sleeping.set()
        await asyncio.sleep(seconds)

    emulator.faults.fail_next(5, status=503)
    client = await client_factory(emulator_url, timeout=PATIENT, sleep=sleep)
    task = asyncio.create_task(client.backchannel_authentication_fail(canary.request()))
    await sleeping.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert emulator.stats.requests == 1


async def test_event_loop_keeps_running_during_real_backoff(
    emulator: AuthleteEmulator,
    emulator_url: str,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 37: with the real asyncio.sleep, a 10 ms ticker keeps ticking through a 0.3 s wait."""
    emulator.faults.fail_next(1, status=500)
    client = await client_factory(
        emulator_url,
        sleep=asyncio.sleep,
        clock=time.monotonic,
        random=lambda: 0.999,
        retry=RetryPolicy(wait_initial=0.3),
    )
    loop = asyncio.get_running_loop()
    ticks: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            ticks.append(loop.time())
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    started = loop.time()
    try:
        watch.add(await client.backchannel_authentication_fail(canary.request()))
    finally:
        stop.set()
        await ticking
    elapsed = loop.time() - started
    assert elapsed >= 0.3 * 0.9  # the backoff was really waited
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) >= 10
    assert max(gaps) < 0.2  # a blocking sleep would show one gap of 0.3 s
    assert emulator.stats.requests == 2


async def test_closed_client_refuses_calls_and_closing_twice_is_harmless(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 38: aclose() releases the pool; later calls end with an AuthleteTransportError
    (not sent, not retried) before any I/O."""
    server = await raw_server_factory(respond(200, OK_BODY))
    client = await client_factory(server.url)
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    session = client._session
    assert session is not None
    await client.aclose()
    await client.aclose()
    assert client.closed
    assert session.closed
    error = await watch.fails(AuthleteTransportError, client)
    assert "closed" in str(error)
    assert (error.may_have_reached, error.retryable, error.attempts) == (False, False, 0)
    assert len(server.requests) == 1


async def test_closing_the_client_during_a_batch_gives_every_ticket_an_outcome(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 38: aclose() while a batch runs: the calls in flight end with a typed error,
    the tickets not yet sent get "the client is closed", and the batch ends normally
    with one outcome per ticket (no bare RuntimeError stops it)."""
    script = Hanging()
    server = await raw_server_factory(script)
    client = await client_factory(server.url, timeout=PATIENT)
    requests = [canary.request(ticket=f"ticket-{n:04d}") for n in range(50)]
    batch = asyncio.create_task(
        client.backchannel_authentication_fail_many(requests, concurrency=4)
    )
    await script.received.wait()
    await client.aclose()
    outcomes = await batch
    watch.add(*outcomes)
    assert [o.index for o in outcomes] == list(range(50))
    assert all(isinstance(o.error, AuthleteTransportError) for o in outcomes)
    unsent = [o for o in outcomes if o.attempts == 0]
    assert len(unsent) >= 50 - 4
    assert not any(o.ambiguous for o in unsent)
    assert len(server.requests) <= 4


async def test_closing_the_client_during_a_call_ends_it_with_a_typed_error(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 38: aclose() under a call: an ambiguous AuthleteTransportError, no further attempt."""
    script = Hanging()
    server = await raw_server_factory(script)
    client = await client_factory(server.url, timeout=PATIENT)
    task = asyncio.create_task(client.backchannel_authentication_fail(canary.request()))
    await script.received.wait()
    await client.aclose()
    error = await watch.expect(AuthleteTransportError, task)
    assert error.may_have_reached is True  # the first attempt was read by the server
    assert error.retryable is False
    assert "closed" in error.detail
    assert len(server.requests) == 1


async def test_borrowed_session_outlives_the_client(
    raw_server_factory: RawServerFactory, canary: Canary, fast_time: FastTime, watch: Watch
) -> None:
    """Row 38: a session passed in is used, and left open when the client closes."""
    server = await raw_server_factory(respond(200, OK_BODY))
    async with aiohttp.ClientSession() as session:
        async with AuthleteClient(
            base_url=server.url,
            service_id=SERVICE_ID,
            access_token=canary.token,
            session=session,
            sleep=fast_time.sleep,
        ) as client:
            watch.add(await client.backchannel_authentication_fail(canary.request()))
        assert not session.closed
    assert len(server.requests) == 1


async def test_unused_client_leaves_nothing_to_close(canary: Canary, watch: Watch) -> None:
    """Row 38: the session is lazy: a client never used nor closed leaks nothing."""
    client = AuthleteClient(service_id=SERVICE_ID, access_token=canary.token)
    assert client._session is None
    del client
    gc.collect()
    assert not [r for r in watch.recorder.records if "Unclosed" in r.getMessage()]


async def test_client_bound_to_one_loop_refuses_another(canary: Canary) -> None:
    """Row 38: a client opened in one event loop says so when used from another."""
    async with AuthleteClient(service_id=SERVICE_ID, access_token=canary.token) as client:

        async def elsewhere() -> None:
            with pytest.raises(RuntimeError, match="another event loop"):
                await client.backchannel_authentication_fail(canary.request())

        await asyncio.to_thread(asyncio.run, elsewhere())


def handlers_without_reraise(tree: ast.AST) -> list[int]:
    """Lines of ``except`` clauses that catch BaseException/CancelledError (or everything)
    and contain no ``raise``."""
    broad = {"BaseException", "CancelledError"}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler):
            continue
        names: list[str] = []
        if node.type is None:
            names = ["<bare>"]
        else:
            types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            for t in types:
                if isinstance(t, ast.Name):
                    names.append(t.id)
                elif isinstance(t, ast.Attribute):
                    names.append(t.attr)
        if ({"<bare>"} | broad) & set(names) and not any(
            isinstance(n, ast.Raise) for n in ast.walk(node)
        ):
            found.append(node.lineno)
    return found


def test_library_never_swallows_cancellation() -> None:
    """Rows 36, 40 (lint): no library handler swallows BaseException or CancelledError."""
    # The CLI is left out: its top-level command turning Ctrl-C into a clean exit is its
    # own choice, outside any caller's task.
    library = Path(LIBRARY_DIR)
    offenders = {
        str(path): lines
        for path in library.rglob("*.py")
        if not path.is_relative_to(library / "_cli") and path.name != "__main__.py"
        if (lines := handlers_without_reraise(ast.parse(path.read_text())))
    }
    assert offenders == {}
