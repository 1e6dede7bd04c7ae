"""An answer's body, read under the cap: Locust's own reading would take it whole.

FastHttpSession reads (and inflates) the body before anyone can look at it, so a server
that declares 4 GB, streams without end or sends a small gzip bomb would fill the worker's
memory before the protocol layer's cap is checked. The client asks for the body to be left
unread (``stream=True``) and this reads it: no more than the cap, inflated as it arrives,
as the asyncio transport reads it.
"""

from __future__ import annotations

import zlib
from typing import Protocol

from .._errors import AuthleteResponseError

#: The most read from the socket in one go while a body is still coming.
BLOCK = 1 << 16

#: zlib's window bits per Content-Encoding: gzip's header, zlib's (what deflate means).
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class Unread(Protocol):
    """What the body is read from: geventhttpclient's response, its body left unread."""

    def read(self, n: int | None = None) -> bytes: ...


class OverCap(Exception):  # noqa: N818 - a signal to the caller, who raises the real error
    """The body is longer than the cap (the caller knows the status and the cap)."""


def unsupported(status: int) -> AuthleteResponseError:
    """An encoding this cannot inflate; the request asked for identity."""
    return AuthleteResponseError(
        status=status, problem="content encoding not supported (identity was asked for)"
    )


def read_body(
    response: Unread, status: int, length: str | None, encoding: str | None, cap: int
) -> bytes:
    """The whole body, inflated, or raise ``OverCap`` as soon as it passes *cap* bytes.

    *length* and *encoding* are the Content-Length and Content-Encoding headers as sent.
    An encoding other than identity, gzip or deflate is ``AuthleteResponseError``; a
    truncated compressed body ``zlib.error``; the socket's errors pass through.
    """
    if length is not None and length.isdigit() and int(length) > cap:
        raise OverCap  # refused unread, as the asyncio transport refuses it
    coding = "identity" if encoding is None else encoding.strip().lower()
    if coding in ("identity", ""):
        if length is not None:  # at most *cap* bytes, and the parser holds it to them
            return response.read()
        return _plain(response, cap)
    wbits = _WBITS.get(coding)
    if wbits is None:
        raise unsupported(status)
    return _inflated(response, zlib.decompressobj(wbits), cap)


def _plain(response: Unread, cap: int) -> bytes:
    """A body of no declared length (chunked): block by block, up to the cap."""
    chunks: list[bytes] = []
    size = 0
    while block := response.read(BLOCK):
        size += len(block)
        if size > cap:
            raise OverCap
        chunks.append(block)
    return b"".join(chunks)


def _inflated(response: Unread, inflater: zlib._Decompress, cap: int) -> bytes:
    """A compressed body inflated block by block, never past one byte over the cap."""
    chunks: list[bytes] = []
    size = 0
    while block := response.read(BLOCK):
        while block:
            out = inflater.decompress(block, cap + 1 - size)
            size += len(out)
            if size > cap:
                raise OverCap
            chunks.append(out)
            block = inflater.unconsumed_tail
    if not inflater.eof:
        raise zlib.error("incomplete or truncated stream")
    return b"".join(chunks)
