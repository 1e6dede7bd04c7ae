"""Ports that fail at connect time: one that refuses, one whose connects hang.

Both stay on 127.0.0.1, so connect failures are reproducible without a network or a
non-routable address (the classic ``10.255.255.1`` trick leaves the machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

from tests.faults._net import LOOPBACK


def closed_port() -> int:
    """A loopback port with nothing listening: connects are refused at once (RST).

    Bind ``127.0.0.1:0``, read the port, close. Another process could take the port in the
    meantime, but Linux hands out ephemeral ports pseudo-randomly, so that is negligible here.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def backlog_full_listener(
    *, settle: float = 0.1, max_fillers: int = 64
) -> AsyncIterator[int]:
    """Yield a loopback port whose TCP connects hang (a connect timeout, not a refusal).

    How: a listener with ``listen(0)`` that never accepts, then non-blocking client connects
    until one does not complete within ``settle`` seconds. On Linux a full accept queue makes
    the kernel *drop* new SYNs (``tcp_conn_request``: ``sk_acceptq_is_full`` -> drop, with
    ``tcp_abort_on_overflow = 0``, the default), so the client keeps retransmitting SYNs and
    its connect only ends by its own timeout. With ``listen(0)`` one filler completes and the
    second already hangs. The hanging filler is the verification, so the port is known to be
    full when it is yielded; a ``RuntimeError`` is raised if it cannot be filled (for example
    ``tcp_abort_on_overflow = 1``, which answers with RST instead).

    Checked on this machine (Linux, loopback): a probe connect stays pending for 1.5 s (past
    the first SYN retransmit), and aiohttp with ``ClientTimeout(sock_connect=0.3)`` raises
    ``ConnectionTimeoutError`` after ~0.3 s. Linux-specific: other kernels handle overflow
    differently.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind((LOOPBACK, 0))
        listener.listen(0)
        address: tuple[str, int] = listener.getsockname()
        await _fill_backlog(address, fillers, settle=settle, max_fillers=max_fillers)
        yield address[1]
    finally:
        for sock in fillers:
            sock.close()
        listener.close()


async def _fill_backlog(
    address: tuple[str, int], fillers: list[socket.socket], *, settle: float, max_fillers: int
) -> None:
    """Connect until one connect hangs; every socket is appended to ``fillers`` at once."""
    loop = asyncio.get_running_loop()
    for _ in range(max_fillers):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        fillers.append(sock)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, address), settle)
        except TimeoutError:
            return  # this SYN was dropped: the accept queue is full
        except OSError as exc:
            raise RuntimeError(
                "the kernel refused instead of dropping SYNs on a full backlog "
                "(net.ipv4.tcp_abort_on_overflow=1?)"
            ) from exc
    raise RuntimeError(f"accept backlog still accepting after {max_fillers} connects")
