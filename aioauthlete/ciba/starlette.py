"""The Starlette (and FastAPI) adapter, for the ``starlette`` extra: a Starlette
``Request`` to a ``ClientRequest``, an ``HttpAnswer`` to a ``Response``, and ``view``
joining both around a handler::

    Route("/backchannel", aioauthlete.ciba.starlette.view(backchannel.handle), methods=["POST"])

The client certificate is read from the ASGI TLS extension when the server provides it;
behind a proxy, pass the one it forwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from ._http import ClientRequest, HttpAnswer, client_request

Handle = Callable[[ClientRequest], Awaitable[HttpAnswer]]


def _peer_certificate(request: Request) -> str | None:
    tls = (request.scope.get("extensions") or {}).get("tls")
    chain = tls.get("client_cert_chain") if isinstance(tls, dict) else None
    return chain[0] if chain and isinstance(chain[0], str) else None


async def read_request(request: Request, *, client_certificate: str | None = None) -> ClientRequest:
    """The handler's input: the body as text (undecodable bytes replaced, for Authlete to
    refuse), the Authorization and DPoP headers, the URL, and *client_certificate* or else
    the one of the TLS connection."""
    certificate = client_certificate or _peer_certificate(request)
    return client_request(
        await request.body(), request.headers, client_certificate=certificate, url=str(request.url)
    )


def to_response(answer: HttpAnswer) -> Response:
    """*answer* as Starlette's response."""
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))


def view(handle: Handle) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint around *handle* (a handler's ``handle`` method)."""

    async def serve(request: Request) -> Response:
        return to_response(await handle(await read_request(request)))

    return serve
