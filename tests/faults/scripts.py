"""Ready-made :class:`~tests.faults.raw_server.RawHttpServer` scripts, one per fault.

Each function returns a handler; the names follow the reliability test matrix (section 8 of
``reliability.md``). Scripts that answer handle exactly one request per call, so they compose
with :func:`sequence` and keep-alive works through the server's per-request loop.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from tests.faults._http import chunk_frame, http_response, json_answer
from tests.faults.raw_server import Handler, RawConnection

DEFAULT_DOCUMENT: dict[str, object] = {"resultCode": "A000", "action": "OK"}
"""Body used by scripts that need *some* valid JSON answer."""


def _encode(body: object, headers: Mapping[str, str] | None) -> tuple[bytes, dict[str, str]]:
    fields = dict(headers or {})
    has_type = any(k.lower() == "content-type" for k in fields)
    if isinstance(body, bytes):
        return body, fields
    if isinstance(body, str):
        if not has_type:
            fields["Content-Type"] = "text/plain; charset=utf-8"
        return body.encode(), fields
    if not has_type:
        fields["Content-Type"] = "application/json"
    return json.dumps(body).encode(), fields


def respond(
    status: int = 200, body: object = b"", headers: Mapping[str, str] | None = None
) -> Handler:
    """A normal answer. ``bytes`` go as is, ``str`` as text, anything else as JSON."""
    payload, fields = _encode(body, headers)
    answer = http_response(status, payload, fields)
    return send_raw(answer)


def send_raw(data: bytes) -> Handler:
    """Read the request and write ``data`` verbatim, leaving the connection open."""

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            await conn.send(data)

    return handler


def sequence(handlers: Sequence[Handler]) -> Handler:
    """Use ``handlers[i]`` for the i-th request overall; the last one repeats afterwards.

    Makes "503 then 200" a one-liner: ``sequence([respond(503), respond(200, {...})])``.
    """
    if not handlers:
        raise ValueError("sequence() needs at least one handler")
    script = list(handlers)

    async def handler(conn: RawConnection) -> None:
        request = await conn.read_request()
        if request is None:
            return
        conn.push_back(request)
        await script[min(request.index, len(script) - 1)](conn)

    return handler


def reset_after_request() -> Handler:
    """Read the full request, then RST: the server saw it, the client gets a reset."""

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            conn.reset()

    return handler


def close_after_request() -> Handler:
    """Read the full request, then close with a FIN without answering."""

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            await conn.close()

    return handler


def no_answer() -> Handler:
    """Read the request and never answer, until the client goes away (read timeouts)."""

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            await conn.wait_client_gone()

    return handler


def truncated_body(declared: int = 100, sent: int = 20) -> Handler:
    """A 200 JSON answer declaring ``declared`` body bytes, sending ``sent``, then FIN."""
    if not 0 <= sent < declared:
        raise ValueError("need 0 <= sent < declared")
    body = json.dumps({"pad": ""}).encode()
    body = body[:-2] + b"x" * (declared - len(body)) + body[-2:]
    head = http_response(
        200, b"", {"Content-Type": "application/json", "Content-Length": f"{declared}"}
    )

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            await conn.send(head + body[:sent])
            await conn.close()

    return handler


def garbage_status_line() -> Handler:
    """Answer ``HELLO WORLD`` instead of a status line; the client closes on its own."""
    return send_raw(b"HELLO WORLD\r\n\r\n")


def endless_body(chunk: bytes = b"x" * 1024) -> Handler:
    """A chunked 200 JSON answer that never ends; stops when the client goes away."""
    head = http_response(
        200, b"", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    )
    frame = chunk_frame(chunk)

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is None:
            return
        await conn.send(head)
        while not conn.closed:
            await conn.send(frame)  # raises ConnectionError once the client is gone
            await conn.sleep(0)  # drain() does not yield while the buffer is low

    return handler


def slow_headers(delay: float, answer: bytes | None = None) -> Handler:
    """Read the request, wait ``delay`` before sending anything, then a valid answer."""
    data = answer if answer is not None else json_answer(200, DEFAULT_DOCUMENT)

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is not None:
            await conn.sleep(delay)
            await conn.send(data)

    return handler


def trickle_body(
    interval: float,
    chunk: bytes = b" ",
    *,
    count: int = 100,
    document: object = DEFAULT_DOCUMENT,
) -> Handler:
    """Valid headers at once, then ``count`` pieces one per ``interval``, then the JSON.

    Whitespace pieces keep the body valid JSON. No single gap reaches ``interval``, so a
    ``sock_read`` timeout above it never fires; only a total deadline bounds the answer.
    """
    tail = json.dumps(document).encode()
    length = len(chunk) * count + len(tail)
    head = http_response(
        200, b"", {"Content-Type": "application/json", "Content-Length": f"{length}"}
    )

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is None:
            return
        await conn.send(head)
        for _ in range(count):
            await conn.sleep(interval)
            await conn.send(chunk)
        await conn.send(tail)

    return handler


def stale_keepalive(answer: bytes) -> Handler:
    """Answer the first request of each connection; close (FIN) when a second one arrives.

    ``answer`` must keep the connection alive (no ``Connection: close``) so the client pools it.
    """

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is None:
            return
        if conn.requests_read == 1:
            await conn.send(answer)
        else:
            await conn.close()

    return handler
