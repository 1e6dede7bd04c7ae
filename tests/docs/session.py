"""DocSession: what the examples of one document share while they run.

A document's snippets run in order, like a reader pasting them into one terminal and one
``python -m asyncio`` session: a client built in one block is used in the next, a file written
by a Python block is read by a console block. So each document gets one event loop, one working
directory, one emulator on 127.0.0.1 and ``AUTHLETE_*`` variables aimed at it; none of it is
shared with another document, and everything the document changed is undone when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aioauthlete import AuthleteClient
from aioauthlete.testing import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_API_SECRET,
    DEFAULT_SERVICE_ID,
    AuthleteEmulator,
)
from tests.faults.ports import closed_port

#: Variables a developer may have set for a real Authlete; a document never sees them.
AUTHLETE_VARIABLES = (
    "AUTHLETE_BASE_URL",
    "AUTHLETE_API_VERSION",
    "AUTHLETE_SERVICE_APIKEY",
    "AUTHLETE_SERVICE_ACCESSTOKEN",
    "AUTHLETE_SERVICE_APISECRET",
)


class DocSession:
    """One document's emulator, event loop, working directory and environment.

    Snippets reach it as ``docs_session`` (in hidden blocks only): ``emulator`` to issue
    tickets or switch faults on, ``base_url`` where it serves, ``unreachable_url`` for a
    loopback port nothing listens on, ``workdir`` (also the current directory meanwhile).
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        # Fixed development credentials, never the developer's AUTHLETE_* values.
        self.emulator = AuthleteEmulator(
            service_id=DEFAULT_SERVICE_ID,
            access_token=DEFAULT_ACCESS_TOKEN,
            api_secret=DEFAULT_API_SECRET,
        )
        self.runner = asyncio.Runner()
        self.base_url = ""
        self.unreachable_url = f"http://127.0.0.1:{closed_port()}"
        self._namespaces: list[dict[str, Any]] = []
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Self:
        with contextlib.ExitStack() as stack:
            self.base_url = stack.enter_context(self.emulator.serve_in_thread())
            stack.enter_context(loopback_only())
            stack.callback(_restore_environ, dict(os.environ))
            stack.enter_context(contextlib.chdir(self.workdir))
            stack.callback(self.runner.close)
            stack.callback(self._close_clients)
            for name in AUTHLETE_VARIABLES:
                os.environ.pop(name, None)
            os.environ.update(
                AUTHLETE_BASE_URL=self.base_url,
                AUTHLETE_SERVICE_APIKEY=DEFAULT_SERVICE_ID,
                AUTHLETE_SERVICE_ACCESSTOKEN=DEFAULT_ACCESS_TOKEN,
            )
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def watch(self, namespace: dict[str, Any]) -> None:
        """Remember a document's namespace, to close the clients left in it at the end."""
        if not any(ns is namespace for ns in self._namespaces):
            self._namespaces.append(namespace)

    def _close_clients(self) -> None:
        # A block that failed half-way leaves its client open; closing it here keeps its
        # "unclosed session" warning from failing whichever test runs next.
        for namespace in self._namespaces:
            for value in list(namespace.values()):
                if isinstance(value, AuthleteClient):
                    self.runner.run(value.aclose())


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Refuse, before any packet leaves, this process's connections and lookups off loopback.

    The documents' clients are aimed at the emulator; should a future snippet aim one at a real
    host, it fails here instead of sending traffic. (Console blocks run in subprocesses, with
    the ``AUTHLETE_*`` variables aimed at the emulator.)
    """
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"the docs tests reach loopback only, not {address[0]}")
        connect(sock, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(
            host.decode() if isinstance(host, bytes) else host
        ):
            raise socket.gaierror(
                socket.EAI_NONAME, f"the docs tests resolve loopback only, not {host}"
            )
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign, assignment]
    socket.getaddrinfo = guarded_getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _restore_environ(saved: dict[str, str]) -> None:
    """Put back the environment as it was, dropping what the document's snippets set."""
    os.environ.clear()
    os.environ.update(saved)
