"""Minimal HTTP/1.1 framing for the raw server: parse one request, build one response.

Deliberately tiny and strict: the raw server exists to send *wrong* answers, so the helpers
only build the valid parts and leave the damage to the scripts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

MAX_HEAD = 64 * 1024
"""Largest request head (request line + headers) the parser accepts."""


@dataclass(frozen=True)
class Request:
    """One parsed request as the server saw it on the wire."""

    method: str
    path: str
    version: str
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    index: int
    """Position of this request among all requests the server has read (0-based)."""

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)


class BadRequestError(ValueError):
    """The client sent something the tiny parser does not understand."""


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise BadRequestError(f"bad request line: {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequestError(f"bad header line: {line!r}")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return parts[0], parts[1], parts[2], headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # skip trailers
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def read_head_and_body(
    reader: asyncio.StreamReader,
) -> tuple[str, str, str, dict[str, str], bytes] | None:
    """Read one request; ``None`` when the client closed before sending a byte."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    method, path, version, headers = _parse_head(head[:-4])
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, path, version, headers, body


def http_response(
    status: int,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    reason: str | None = None,
) -> bytes:
    """Build a complete HTTP/1.1 response; ``Content-Length`` is added unless framing is given."""
    if reason is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
    fields = dict(headers or {})
    lower = {k.lower() for k in fields}
    if "content-length" not in lower and "transfer-encoding" not in lower:
        fields["Content-Length"] = str(len(body))
    head = f"HTTP/1.1 {status} {reason}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    return head.encode("latin-1") + b"\r\n" + body


def json_answer(status: int, obj: object, headers: Mapping[str, str] | None = None) -> bytes:
    """A full HTTP/1.1 JSON response with ``Content-Length`` and ``application/json``."""
    fields = {"Content-Type": "application/json", **(headers or {})}
    return http_response(status, json.dumps(obj).encode(), fields)


def chunk_frame(data: bytes) -> bytes:
    """Frame ``data`` as one ``Transfer-Encoding: chunked`` chunk."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"
