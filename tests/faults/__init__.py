"""Loopback-only fault injectors for the test suite (127.0.0.1, never another host).

- :class:`ToxicProxy`: a TCP proxy adding latency, throttling, slicing, RST, blackholes.
- :class:`RawHttpServer` and the scripts: a raw HTTP/1.1 server that sends exactly the bytes a
  fault needs (RST after the request, truncated body, garbage status line, stale keep-alive).
- :func:`closed_port` / :func:`backlog_full_listener`: connects that are refused / that hang.
- :func:`make_tls_ca`: a trustme CA and SSL contexts.

Fixtures wrapping these live in :mod:`tests.faults.fixtures`.
"""

from tests.faults._http import Request, http_response, json_answer
from tests.faults.ports import backlog_full_listener, closed_port
from tests.faults.proxy import ToxicProxy, Toxics
from tests.faults.raw_server import Handler, RawConnection, RawHttpServer
from tests.faults.scripts import (
    DEFAULT_DOCUMENT,
    close_after_request,
    endless_body,
    garbage_status_line,
    no_answer,
    reset_after_request,
    respond,
    send_raw,
    sequence,
    slow_headers,
    stale_keepalive,
    trickle_body,
    truncated_body,
)
from tests.faults.tls import TlsCA, client_ssl_context, make_tls_ca

__all__ = [
    "DEFAULT_DOCUMENT",
    "Handler",
    "RawConnection",
    "RawHttpServer",
    "Request",
    "TlsCA",
    "ToxicProxy",
    "Toxics",
    "backlog_full_listener",
    "client_ssl_context",
    "close_after_request",
    "closed_port",
    "endless_body",
    "garbage_status_line",
    "http_response",
    "json_answer",
    "make_tls_ca",
    "no_answer",
    "reset_after_request",
    "respond",
    "send_raw",
    "sequence",
    "slow_headers",
    "stale_keepalive",
    "trickle_body",
    "truncated_body",
]
