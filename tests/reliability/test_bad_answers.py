"""Rows 19-22: a 2xx that cannot be used is a definitive AuthleteResponseError, never retried.

Unusable answers: not JSON (a proxy's HTML page), JSON of the wrong shape or with an action
outside the three documented ones, bodies over the size cap (declared, chunked, or
decompressed).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import tracemalloc

import aiohttp
import pytest

from aioauthlete import AuthleteResponseError, FailAction
from tests.faults import RawConnection, endless_body, http_response, respond, send_raw, sequence
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import OK_BODY, Canary, ClientFactory, FastTime, Watch

HTML = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


async def test_html_page_with_200_is_a_response_error_without_the_token(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 19: a proxy's text/html 200 is unusable, asked once, and shows no secret anywhere."""
    server = await raw_server_factory(respond(200, HTML, {"Content-Type": "text/html"}))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteResponseError, client)
    assert error.status == 200
    assert "not JSON" in error.problem
    assert "text/html" in error.problem
    assert (error.attempts, error.ambiguous) == (1, False)
    assert len(server.requests) == 1
    assert fast_time.sleeps == []
    # The ways a failure gets printed besides str/repr/traceback (checked by the watch).
    task = asyncio.ensure_future(client.backchannel_authentication_fail(canary.request()))
    [gathered] = await asyncio.gather(task, return_exceptions=True)
    assert isinstance(gathered, AuthleteResponseError)
    watch.add(repr(task), repr([gathered]))


async def test_aiohttps_own_content_type_error_would_leak_the_token(
    raw_server_factory: RawServerFactory, canary: Canary
) -> None:
    """Row 19 (control): the check above can fail: aiohttp's own error repr shows the token."""
    server = await raw_server_factory(respond(200, HTML, {"Content-Type": "text/html"}))
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            server.url, headers={"Authorization": f"Bearer {canary.token}"}
        )
        with pytest.raises(aiohttp.ContentTypeError) as info:
            await response.json()
        response.release()
    assert canary.token in repr(info.value)


UNUSABLE: list[tuple[str, bytes, str]] = [
    ("unknown action", json.dumps({**OK_BODY, "action": "REDIRECT"}).encode(), "FailAction"),
    ("action null", json.dumps({**OK_BODY, "action": None}).encode(), "action"),
    ("no action", json.dumps({"resultCode": "A185001"}).encode(), "action"),
    ("no resultCode", json.dumps({"action": "FORBIDDEN"}).encode(), "result_code"),
    ("resultCode a dict", json.dumps({**OK_BODY, "resultCode": {}}).encode(), "result_code"),
    ("array", b"[1, 2, 3]", "JSON object"),
    ("string", b'"FORBIDDEN"', "JSON object"),
    ("broken JSON", b'{"resultCode": ', "JSON object"),
    ("empty", b"", "JSON object"),
    ("not UTF-8", b'{"resultCode": "\xff"}', "JSON object"),
]


@pytest.mark.parametrize(
    ("body", "named"), [(b, n) for _, b, n in UNUSABLE], ids=[i for i, _, _ in UNUSABLE]
)
async def test_json_answer_of_the_wrong_shape_is_a_response_error(
    body: bytes,
    named: str,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 20: unknown action or missing fields: unusable, definitive, asked once."""
    answer = http_response(200, body, {"Content-Type": "application/json"})
    server = await raw_server_factory(send_raw(answer))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteResponseError, client)
    assert error.status == 200
    assert named in error.problem
    assert error.attempts == 1
    assert len(server.requests) == 1


async def test_extra_fields_and_a_numeric_result_code_are_accepted(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 20: fields Authlete may add later are ignored; a numeric resultCode reads as text."""
    body = {**OK_BODY, "resultCode": 185001, "newField": {"nested": [1]}}
    server = await raw_server_factory(respond(200, body, {"Content-Type": "application/json"}))
    client = await client_factory(server.url)
    response = await client.backchannel_authentication_fail(canary.request())
    watch.add(response)
    assert (response.result_code, response.action) == ("185001", FailAction.FORBIDDEN)


async def test_declared_oversized_body_is_refused_before_reading_it(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 21: a Content-Length of 50 MB is refused at the headers; the socket is not reused."""
    head = http_response(
        200, b"", {"Content-Type": "application/json", "Content-Length": str(50 << 20)}
    )

    async def huge(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            await conn.send(head + b'{"resultCode": "')
            await conn.wait_client_gone()

    server = await raw_server_factory(sequence([huge, respond(200, OK_BODY)]))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteResponseError, client)
    assert "cap" in error.problem
    assert error.attempts == 1
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    assert server.connections == 2  # the refused answer's connection was closed, not pooled


async def test_endless_chunked_body_is_cut_at_the_cap(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 21: a chunked answer that never ends stops at the cap, in bounded memory."""
    server = await raw_server_factory(sequence([endless_body(), respond(200, OK_BODY)]))
    client = await client_factory(server.url, max_body_size=64 * 1024)
    tracemalloc.start()
    try:
        error = await watch.fails(AuthleteResponseError, client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "65536-byte cap" in error.problem
    assert error.attempts == 1
    assert peak < 4 << 20
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    assert server.connections == 2


@pytest.mark.parametrize("size", [100, 101])
async def test_body_size_cap_is_exact(
    size: int,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 21: a body of exactly max_body_size bytes is read; one byte more is refused."""
    compact = json.dumps({"resultCode": "A", "action": "FORBIDDEN"}).encode()
    body = compact + b" " * (size - len(compact))  # trailing spaces keep it valid JSON
    answer = http_response(200, body, {"Content-Type": "application/json"})
    server = await raw_server_factory(send_raw(answer))
    client = await client_factory(server.url, max_body_size=100)
    if size <= 100:
        watch.add(await client.backchannel_authentication_fail(canary.request()))
    else:
        await watch.fails(AuthleteResponseError, client)
    assert len(server.requests) == 1


@functools.cache
def gzip_bomb() -> bytes:
    """64 MiB of spaces, gzipped to about 64 KiB."""
    return gzip.compress(b" " * (64 << 20), compresslevel=9)


async def test_compressed_answer_is_capped_after_decompression(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 22: a gzip bomb sent despite ``Accept-Encoding: identity`` stops at the cap."""
    bomb = gzip_bomb()
    answer = http_response(
        200, bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    server = await raw_server_factory(send_raw(answer))
    client = await client_factory(server.url)  # the default cap: 1 MiB
    tracemalloc.start()
    try:
        error = await watch.fails(AuthleteResponseError, client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(bomb) < 1 << 20  # the compressed size alone passes the cap
    assert "cap" in error.problem
    assert error.attempts == 1
    assert peak < 16 << 20  # far below the 64 MiB it inflates to
    assert server.requests[0].headers["accept-encoding"] == "identity"
