"""Row 23: a redirect is never followed, so the token never travels to another server."""

from __future__ import annotations

import asyncio

import pytest

from aioauthlete import AuthleteResponseError, TimeoutPolicy
from tests.faults import RawConnection, http_response, respond
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import FAIL_PATH, OK_BODY, Canary, ClientFactory, FastTime, Watch


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_to_another_server_is_refused_and_never_followed(
    status: int,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 23: A answers 3xx towards B: an AuthleteResponseError, and B sees no connection."""
    elsewhere = await raw_server_factory(respond(200, OK_BODY))
    location = {"Location": elsewhere.url + FAIL_PATH}
    server = await raw_server_factory(respond(status, b"", location))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteResponseError, client)
    assert error.status == status
    assert "redirect" in error.problem
    assert (error.attempts, error.ambiguous) == (1, False)
    assert fast_time.sleeps == []
    assert len(server.requests) == 1
    assert elsewhere.connections == 0
    assert elsewhere.requests == []


async def test_redirect_body_is_never_read(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 23: a 302 whose body never finishes is refused at its headers, without waiting."""
    head = http_response(302, b"", {"Location": "https://example.com/", "Content-Length": "100000"})

    async def stalled(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            await conn.send(head + b"<html>")
            await conn.wait_client_gone()

    server = await raw_server_factory(stalled)
    client = await client_factory(server.url, timeout=TimeoutPolicy(total=60.0, attempt=30.0))
    async with asyncio.timeout(5.0):  # reading the body would hang for the 30 s attempt
        error = await watch.fails(AuthleteResponseError, client)
    assert error.status == 302
    assert len(server.requests) == 1
