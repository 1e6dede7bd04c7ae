"""The aiohttp adapter: an ``aiohttp.web.Request`` to a ``ClientRequest``, an
``HttpAnswer`` to a ``web.Response``, and ``view`` joining both around a handler::

    app.router.add_post("/backchannel", aioauthlete.ciba.aiohttp.view(backchannel.handle))

The client certificate is read from the TLS connection when aiohttp terminates TLS
itself; behind a proxy, pass the one it forwards.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable

from aiohttp import web

from ._http import ClientRequest, HttpAnswer, client_request

Handle = Callable[[ClientRequest], Awaitable[HttpAnswer]]


def _peer_certificate(request: web.Request) -> str | None:
    transport = request.transport
    tls = None if transport is None else transport.get_extra_info("ssl_object")
    der = tls.getpeercert(binary_form=True) if isinstance(tls, ssl.SSLObject) else None
    return None if der is None else ssl.DER_cert_to_PEM_cert(der)


async def read_request(
    request: web.Request, *, client_certificate: str | None = None
) -> ClientRequest:
    """The handler's input: the body as text (undecodable bytes replaced, for Authlete to
    refuse), the Authorization and DPoP headers, the URL, and *client_certificate* or else
    the one of the TLS connection."""
    certificate = client_certificate or _peer_certificate(request)
    return client_request(
        await request.read(), request.headers, client_certificate=certificate, url=str(request.url)
    )


def to_response(answer: HttpAnswer) -> web.Response:
    """*answer* as aiohttp's response."""
    return web.Response(status=answer.status, headers=answer.headers, body=answer.body.encode())


def view(handle: Handle) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler around *handle* (a handler's ``handle`` method)."""

    async def serve(request: web.Request) -> web.Response:
        return to_response(await handle(await read_request(request)))

    return serve
