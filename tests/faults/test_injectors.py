"""Each fault injector does what it claims, observed with a plain aiohttp client or raw streams.

Timing assertions are lower bounds only (a loaded CI machine is slower, never faster).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.faults import (
    RawConnection,
    RawHttpServer,
    Toxics,
    close_after_request,
    endless_body,
    garbage_status_line,
    http_response,
    json_answer,
    no_answer,
    reset_after_request,
    respond,
    sequence,
    slow_headers,
    stale_keepalive,
    trickle_body,
    truncated_body,
)
from tests.faults.fixtures import RawServerFactory, ToxicProxyFactory
from tests.faults.tls import TlsCA

PATH = "/api/1234/backchannel/authentication/fail"
BODY = {"ticket": "TKT-1", "reason": "ACCESS_DENIED"}
OK = {"resultCode": "A000", "action": "OK"}
SHORT = aiohttp.ClientTimeout(total=0.3)
# The clock may fire a sleep up to one tick early; keep lower bounds a little loose.
SLACK = 0.9


async def post(session: aiohttp.ClientSession, base: str) -> tuple[int, bytes]:
    """POST the fail body to ``base`` and return status and body."""
    async with session.post(base + PATH, json=BODY) as response:
        return response.status, await response.read()


async def post_once(base: str, timeout: aiohttp.ClientTimeout = SHORT) -> tuple[int, bytes]:
    """POST once with a fresh session."""
    async with aiohttp.ClientSession(timeout=timeout) as session:
        return await post(session, base)


@contextlib.asynccontextmanager
async def raw_client(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A raw loopback TCP client that is always closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def read_all(reader: asyncio.StreamReader) -> tuple[bytes, ConnectionError | None]:
    """Read to EOF; return what arrived and the error that ended it (None for a clean FIN)."""
    received = b""
    try:
        while data := await reader.read(1024):
            received += data
    except ConnectionError as exc:
        return received, exc
    return received, None


RAW_REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"


# --- helpers -------------------------------------------------------------------------------


def test_json_answer_is_a_complete_response() -> None:
    """json_answer frames a JSON body with Content-Length and application/json."""
    raw = json_answer(201, {"a": 1}, {"X-Extra": "y"})
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 201 Created"
    assert "Content-Type: application/json" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert "X-Extra: y" in lines
    assert json.loads(body) == {"a": 1}


def test_http_response_keeps_explicit_framing() -> None:
    """An explicit Transfer-Encoding suppresses the automatic Content-Length."""
    raw = http_response(200, b"", {"Transfer-Encoding": "chunked"})
    assert b"Content-Length" not in raw
    assert raw.endswith(b"Transfer-Encoding: chunked\r\n\r\n")


def test_toxics_validate() -> None:
    """Impossible toxic values are rejected instead of silently misbehaving."""
    with pytest.raises(ValueError, match="bandwidth"):
        Toxics(bandwidth=0)
    with pytest.raises(ValueError, match="reset_after"):
        Toxics(reset_after=-1)


# --- raw server ----------------------------------------------------------------------------


async def test_respond_records_parsed_request(raw_server_factory: RawServerFactory) -> None:
    """respond() answers JSON and the server records method, path, headers and body."""
    server = await raw_server_factory(respond(200, OK))
    assert server.url == f"http://127.0.0.1:{server.port}"
    status, body = await post_once(server.url)
    assert (status, json.loads(body)) == (200, OK)
    [request] = server.requests
    assert (request.method, request.path, request.index) == ("POST", PATH, 0)
    assert request.headers["content-type"] == "application/json"
    assert request.json() == BODY


async def test_keepalive_serves_several_requests(raw_server_factory: RawServerFactory) -> None:
    """A script that leaves the connection open is called again for the next request."""
    server = await raw_server_factory(respond(200, OK))
    async with aiohttp.ClientSession(timeout=SHORT) as session:
        results = [await post(session, server.url) for _ in range(3)]
    assert [status for status, _ in results] == [200, 200, 200]
    assert server.connections == 1
    assert [r.index for r in server.requests] == [0, 1, 2]


async def test_chunked_request_body_is_parsed(raw_server_factory: RawServerFactory) -> None:
    """A chunked upload is reassembled into the recorded body."""

    async def parts() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    server = await raw_server_factory(respond(204))
    async with (
        aiohttp.ClientSession(timeout=SHORT) as session,
        session.post(server.url + PATH, data=parts()) as response,
    ):
        assert response.status == 204
    [request] = server.requests
    assert request.headers["transfer-encoding"] == "chunked"
    assert request.body == b"hello world"


async def test_sequence_uses_ith_handler_then_repeats_last(
    raw_server_factory: RawServerFactory,
) -> None:
    """sequence() gives "503 then 200" and keeps the last handler for later requests."""
    server = await raw_server_factory(sequence([respond(503, "busy"), respond(200, OK)]))
    async with aiohttp.ClientSession(timeout=SHORT) as session:
        statuses = [(await post(session, server.url))[0] for _ in range(3)]
    assert statuses == [503, 200, 200]
    assert len(server.requests) == 3


async def test_reset_after_request_resets_connection(
    raw_server_factory: RawServerFactory,
) -> None:
    """reset_after_request(): the server read the request and aiohttp sees ECONNRESET."""
    server = await raw_server_factory(reset_after_request())
    with pytest.raises(aiohttp.ClientOSError) as info:
        await post_once(server.url)
    assert info.value.errno == errno.ECONNRESET
    assert not isinstance(info.value, aiohttp.ClientConnectorError)
    assert len(server.requests) == 1


async def test_close_after_request_disconnects(raw_server_factory: RawServerFactory) -> None:
    """close_after_request(): a FIN without an answer is ServerDisconnectedError."""
    server = await raw_server_factory(close_after_request())
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post_once(server.url)
    assert len(server.requests) == 1


async def test_truncated_body_is_payload_error(raw_server_factory: RawServerFactory) -> None:
    """truncated_body(): 20 of 100 declared bytes then FIN is ClientPayloadError."""
    server = await raw_server_factory(truncated_body(declared=100, sent=20))
    with pytest.raises(aiohttp.ClientPayloadError, match="received 20 of 100"):
        await post_once(server.url)


async def test_garbage_status_line_is_response_error(
    raw_server_factory: RawServerFactory,
) -> None:
    """garbage_status_line(): aiohttp raises ClientResponseError(400, Bad status line)."""
    server = await raw_server_factory(garbage_status_line())
    with pytest.raises(aiohttp.ClientResponseError) as info:
        await post_once(server.url)
    assert info.value.status == 400
    assert "Bad status line" in info.value.message


async def test_endless_body_keeps_streaming(raw_server_factory: RawServerFactory) -> None:
    """endless_body(): a chunked 200 that is still going after 256 KiB."""
    server = await raw_server_factory(endless_body(b"x" * 1024))
    received = 0
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.post(server.url + PATH, json=BODY) as response,
    ):
        assert response.status == 200
        assert response.headers["Transfer-Encoding"] == "chunked"
        async for data in response.content.iter_chunked(65536):
            received += len(data)
            if received >= 256 * 1024:
                break
    assert received >= 256 * 1024


async def test_slow_headers_trips_sock_read(raw_server_factory: RawServerFactory) -> None:
    """slow_headers(): nothing arrives in time, so sock_read raises SocketTimeoutError."""
    server = await raw_server_factory(slow_headers(5.0))
    with pytest.raises(aiohttp.SocketTimeoutError):
        await post_once(server.url, aiohttp.ClientTimeout(total=2, sock_read=0.2))
    assert len(server.requests) == 1


async def test_slow_headers_answers_after_delay(raw_server_factory: RawServerFactory) -> None:
    """slow_headers(): after the delay a valid JSON answer arrives."""
    server = await raw_server_factory(slow_headers(0.2))
    start = time.monotonic()
    status, body = await post_once(server.url, aiohttp.ClientTimeout(total=2))
    assert time.monotonic() - start >= 0.2 * SLACK
    assert (status, json.loads(body)) == (200, OK)


async def test_trickle_body_evades_sock_read(raw_server_factory: RawServerFactory) -> None:
    """trickle_body(): sock_read never fires, only the total timeout stops the read."""
    server = await raw_server_factory(trickle_body(0.05, count=100))
    timeout = aiohttp.ClientTimeout(total=0.5, sock_read=0.3)
    with pytest.raises(TimeoutError) as info:
        await post_once(server.url, timeout)
    assert not isinstance(info.value, aiohttp.SocketTimeoutError)


async def test_trickle_body_completes_as_json(raw_server_factory: RawServerFactory) -> None:
    """trickle_body(): given time, the pieces add up to a valid JSON document."""
    server = await raw_server_factory(trickle_body(0.02, count=5, document={"done": True}))
    start = time.monotonic()
    status, body = await post_once(server.url, aiohttp.ClientTimeout(total=3))
    assert time.monotonic() - start >= 5 * 0.02 * SLACK
    assert (status, json.loads(body)) == (200, {"done": True})


async def test_no_answer_hits_client_timeout(raw_server_factory: RawServerFactory) -> None:
    """no_answer(): the request is read but never answered."""
    server = await raw_server_factory(no_answer())
    with pytest.raises(TimeoutError):
        await post_once(server.url)
    assert len(server.requests) == 1


async def test_stale_keepalive_breaks_second_post(raw_server_factory: RawServerFactory) -> None:
    """stale_keepalive(): the pooled POST gets ServerDisconnectedError (aiohttp does not retry)."""
    server = await raw_server_factory(stale_keepalive(json_answer(200, OK)))
    async with aiohttp.ClientSession(timeout=SHORT) as session:
        assert await post(session, server.url) == (200, json.dumps(OK).encode())
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await post(session, server.url)
    assert server.connections == 1
    assert len(server.requests) == 2


async def test_handler_error_is_raised_on_exit() -> None:
    """A bug in a script is not swallowed: it is re-raised when the server block exits."""

    async def broken(conn: RawConnection) -> None:
        await conn.read_request()
        raise RuntimeError("script bug")

    async def serve_once() -> None:
        async with RawHttpServer(broken) as server:
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await post_once(server.url)

    with pytest.raises(RuntimeError, match="script bug"):
        await serve_once()


async def test_shutdown_with_streaming_script_is_prompt() -> None:
    """Closing the server ends a script streaming to a client that never reads."""
    streaming = asyncio.Event()
    endless = endless_body()

    async def script(conn: RawConnection) -> None:
        request = await conn.read_request()
        assert request is not None
        conn.push_back(request)
        streaming.set()
        await endless(conn)

    server = RawHttpServer(script)
    await server.start()
    async with raw_client(server.port) as (_, writer):
        writer.write(RAW_REQUEST)
        await asyncio.wait_for(streaming.wait(), 2)
        await asyncio.wait_for(server.close(), 2)
    assert server.connections == 1
    assert len(server.requests) == 1


async def test_tls_raw_server_verifies_with_trustme(
    raw_server_factory: RawServerFactory, tls_ca: TlsCA
) -> None:
    """tls_ca: a client trusting the CA gets through, a default client is refused."""
    server = await raw_server_factory(respond(200, OK), ssl_context=tls_ca.server_context)
    assert server.url.startswith("https://127.0.0.1:")
    async with aiohttp.ClientSession(timeout=SHORT) as session:
        async with session.post(server.url + PATH, json=BODY, ssl=tls_ca.client_context()) as r:
            assert r.status == 200
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await post(session, server.url)
    assert len(server.requests) == 1


# --- toxic proxy ---------------------------------------------------------------------------


async def test_proxy_forwards_and_counts(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """Without toxics the proxy is transparent and counts connections and bytes."""
    answer = json_answer(200, OK)
    upstream = await raw_server_factory(respond(200, OK))
    proxy = await toxic_proxy_factory(upstream.port)
    assert proxy.url == f"http://127.0.0.1:{proxy.port}"
    assert await post_once(proxy.url) == (200, json.dumps(OK).encode())
    assert proxy.connections == 1
    assert proxy.bytes_down == len(answer)
    assert proxy.bytes_up >= len(json.dumps(BODY))
    assert upstream.requests[0].json() == BODY


async def test_proxy_latency_delays_answer(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """latency: the answer arrives no earlier than the configured delay."""
    upstream = await raw_server_factory(respond(200, OK))
    proxy = await toxic_proxy_factory(upstream.port, latency=0.25)
    start = time.monotonic()
    assert (await post_once(proxy.url, aiohttp.ClientTimeout(total=3)))[0] == 200
    assert time.monotonic() - start >= 0.25 * SLACK


async def test_proxy_toxics_change_while_running(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """update(): a new latency applies to the next answer on an already open connection."""
    upstream = await raw_server_factory(respond(200, OK))
    proxy = await toxic_proxy_factory(upstream.port)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        assert (await post(session, proxy.url))[0] == 200
        proxy.update(latency=0.25)
        start = time.monotonic()
        assert (await post(session, proxy.url))[0] == 200
        assert time.monotonic() - start >= 0.25 * SLACK
    assert proxy.connections == 1
    with pytest.raises(ValueError, match="slice_size"):
        proxy.update(slice_size=0)


async def test_proxy_bandwidth_caps_throughput(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """bandwidth: 5000 answer bytes at 20000 B/s take at least 0.25 s, intact."""
    payload = {"blob": "y" * 5000}
    answer = json_answer(200, payload)
    upstream = await raw_server_factory(respond(200, payload))
    proxy = await toxic_proxy_factory(upstream.port, bandwidth=20_000)
    start = time.monotonic()
    status, body = await post_once(proxy.url, aiohttp.ClientTimeout(total=3))
    assert time.monotonic() - start >= len(answer) / 20_000 * SLACK
    assert (status, json.loads(body)) == (200, payload)
    assert proxy.bytes_down == len(answer)


async def test_proxy_slices_downstream_writes(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """slice_size/slice_delay: the answer arrives in spaced pieces, not in one write."""
    answer = http_response(200, b"z" * 200)
    upstream = await raw_server_factory(respond(200, b"z" * 200))
    proxy = await toxic_proxy_factory(upstream.port, slice_size=50, slice_delay=0.03)
    pieces = -(-len(answer) // 50)
    received = b""
    async with raw_client(proxy.port) as (reader, writer):
        writer.write(RAW_REQUEST)
        received = await reader.readexactly(1)
        first = time.monotonic()
        received += await reader.readexactly(len(answer) - 1)
        spread = time.monotonic() - first
    assert received == answer
    assert spread >= (pieces - 1) * 0.03 * SLACK


async def test_proxy_reset_after_zero(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """reset_after=0: the upstream got the request, the client gets ECONNRESET and no byte."""
    upstream = await raw_server_factory(respond(200, OK))
    proxy = await toxic_proxy_factory(upstream.port, reset_after=0)
    with pytest.raises(aiohttp.ClientOSError) as info:
        await post_once(proxy.url)
    assert info.value.errno == errno.ECONNRESET
    assert len(upstream.requests) == 1
    assert proxy.bytes_down == 0


async def test_proxy_reset_after_n_bytes(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """reset_after=N: exactly N answer bytes arrive, then a connection reset."""
    upstream = await raw_server_factory(respond(200, OK))
    proxy = await toxic_proxy_factory(upstream.port, reset_after=12)
    async with raw_client(proxy.port) as (reader, writer):
        writer.write(RAW_REQUEST)
        received, error = await read_all(reader)
    assert received == b"HTTP/1.1 200"
    assert isinstance(error, ConnectionResetError)
    assert proxy.bytes_down == 12


async def test_proxy_close_before_answer_sends_fin(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """close_before_answer: the upstream answered, the client reads a clean EOF and nothing."""
    upstream = await raw_server_factory(respond(200, OK))
    proxy = await toxic_proxy_factory(upstream.port, close_before_answer=True)
    async with raw_client(proxy.port) as (reader, writer):
        writer.write(RAW_REQUEST)
        assert await read_all(reader) == (b"", None)
    assert len(upstream.requests) == 1
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post_once(proxy.url)
    assert proxy.bytes_down == 0


async def test_proxy_blackhole_makes_client_time_out(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """blackhole: the request is swallowed, the client timeout fires, upstream sees nothing."""
    upstream = await raw_server_factory(respond(200, OK))
    proxy = await toxic_proxy_factory(upstream.port, blackhole=True)
    with pytest.raises(TimeoutError):
        await post_once(proxy.url)
    assert proxy.bytes_up > 0
    assert proxy.bytes_down == 0
    assert upstream.connections == 0


async def test_proxy_passes_upstream_reset_on(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory
) -> None:
    """An upstream RST reaches the client as an RST, not as a clean close."""
    upstream = await raw_server_factory(reset_after_request())
    proxy = await toxic_proxy_factory(upstream.port)
    with pytest.raises(aiohttp.ClientOSError) as info:
        await post_once(proxy.url)
    assert info.value.errno == errno.ECONNRESET


async def test_proxy_to_closed_port_resets_client(
    toxic_proxy_factory: ToxicProxyFactory, closed_port: int
) -> None:
    """An upstream that refuses makes the proxy reset the accepted client connection."""
    proxy = await toxic_proxy_factory(closed_port)
    async with raw_client(proxy.port) as (reader, writer):
        writer.write(RAW_REQUEST)
        received, error = await read_all(reader)
    assert received == b""
    assert isinstance(error, ConnectionResetError)
    assert proxy.connections == 1


async def test_proxy_tls_passthrough(
    raw_server_factory: RawServerFactory, toxic_proxy_factory: ToxicProxyFactory, tls_ca: TlsCA
) -> None:
    """The proxy is TCP-level: TLS to a trustme server works through it, with latency."""
    upstream = await raw_server_factory(respond(200, OK), ssl_context=tls_ca.server_context)
    proxy = await toxic_proxy_factory(upstream.port, latency=0.05)
    url = f"https://127.0.0.1:{proxy.port}{PATH}"
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session,
        session.post(url, json=BODY, ssl=tls_ca.client_context()) as response,
    ):
        assert response.status == 200
    assert upstream.requests[0].json() == BODY


# --- ports ---------------------------------------------------------------------------------


async def test_closed_port_refuses(closed_port: int) -> None:
    """closed_port: aiohttp raises ClientConnectorError wrapping ConnectionRefusedError."""
    with pytest.raises(aiohttp.ClientConnectorError) as info:
        await post_once(f"http://127.0.0.1:{closed_port}")
    assert isinstance(info.value.os_error, ConnectionRefusedError)


async def test_backlog_full_port_times_out_connect(backlog_full_port: int) -> None:
    """backlog_full_port: the connect hangs until sock_connect raises ConnectionTimeoutError."""
    timeout = aiohttp.ClientTimeout(total=3, sock_connect=0.3)
    start = time.monotonic()
    with pytest.raises(aiohttp.ConnectionTimeoutError):
        await post_once(f"http://127.0.0.1:{backlog_full_port}", timeout)
    assert time.monotonic() - start >= 0.3 * SLACK


async def test_backlog_full_port_hangs_raw_connect(backlog_full_port: int) -> None:
    """backlog_full_port: a bare asyncio connect neither completes nor is refused."""
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.open_connection("127.0.0.1", backlog_full_port), 0.3)
