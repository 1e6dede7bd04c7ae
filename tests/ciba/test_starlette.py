"""The Starlette adapter, through Starlette's own test client; and the optional
dependency stays optional: importing aioauthlete or aioauthlete.ciba imports no Starlette."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator

from aioresponses import aioresponses
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from aioauthlete.ciba import ClientRequest, HttpAnswer
from aioauthlete.ciba import starlette as ciba_starlette
from tests.ciba.apps import Handlers
from tests.ciba.support import (
    AUTHENTICATION_URL,
    BASIC,
    BODY,
    COMPLETE_URL,
    ISSUE_URL,
    ISSUED,
    ISSUED_CONTENT,
    TICKET,
    TOKEN_URL,
    completed,
    identification,
    test_client,
)
from tests.unit.calls import sent_json

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def flow_app(drained: list[bool]) -> Starlette:
    """The backchannel and token endpoints; the handlers live as long as the app."""
    handlers: dict[str, Handlers] = {}

    async def backchannel(request: Request) -> object:
        return await ciba_starlette.view(handlers["h"].backchannel.handle)(request)

    async def token(request: Request) -> object:
        return await ciba_starlette.view(handlers["h"].token.handle)(request)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with test_client() as client:
            handlers["h"] = Handlers(client)
            yield
            await handlers["h"].backchannel.drain()
            drained.append(True)
            await handlers["h"].aclose()

    routes = [
        Route("/backchannel", backchannel, methods=["POST"]),
        Route("/token", token, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def test_a_backchannel_request_gets_its_auth_req_id_and_the_device_step_completes(
    mocked: aioresponses,
) -> None:
    mocked.post(AUTHENTICATION_URL, payload=identification(deliveryMode="POLL"))
    mocked.post(ISSUE_URL, payload=ISSUED)
    mocked.post(COMPLETE_URL, payload=completed("NO_ACTION"))
    drained: list[bool] = []
    with TestClient(flow_app(drained)) as http:
        answer = http.post("/backchannel", content=BODY, headers={**FORM, "Authorization": BASIC})
        assert (answer.status_code, answer.text) == (200, ISSUED_CONTENT)
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["cache-control"] == "no-store"
    assert drained == [True]
    assert sent_json(mocked, AUTHENTICATION_URL)["clientSecret"]
    assert sent_json(mocked, COMPLETE_URL)["ticket"] == TICKET


def test_a_token_request_is_answered_with_authletes_status_and_headers(
    mocked: aioresponses,
) -> None:
    content = '{"error":"invalid_client"}'
    mocked.post(
        TOKEN_URL,
        payload={"resultCode": "A", "action": "INVALID_CLIENT", "responseContent": content},
    )
    with TestClient(flow_app([])) as http:
        answer = http.post(
            "/token", content="grant_type=x", headers={**FORM, "Authorization": BASIC}
        )
        assert (answer.status_code, answer.text) == (401, content)
        assert answer.headers["www-authenticate"] == 'Basic realm="token"'


def test_the_request_is_read_whole_and_undecodable_bytes_are_replaced() -> None:
    seen: list[ClientRequest] = []

    async def handle(request: ClientRequest) -> HttpAnswer:
        seen.append(request)
        return HttpAnswer(status=204, headers={"X-Seen": "1"}, body="")

    app = Starlette(routes=[Route("/", ciba_starlette.view(handle), methods=["POST"])])
    with TestClient(app) as http:
        answer = http.post("/?q=1", content=b"a=\xff", headers={**FORM, "DPoP": "eyJproof"})
        assert (answer.status_code, answer.headers["x-seen"]) == (204, "1")
    [request] = seen
    assert (request.body, request.dpop, request.url) == (
        "a=\ufffd",
        "eyJproof",
        "http://testserver/?q=1",
    )
    assert request.client_certificate is None


async def test_the_client_certificate_is_read_from_the_asgi_tls_extension() -> None:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"a=b", "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [],
        "query_string": b"",
        "server": ("as.example", 443),
        "scheme": "https",
        "extensions": {"tls": {"client_cert_chain": [PEM], "tls_version": 0x0304}},
    }
    request = await ciba_starlette.read_request(Request(scope, receive))
    assert (request.client_certificate, request.body) == (PEM, "a=b")
    forwarded = await ciba_starlette.read_request(
        Request({**scope, "extensions": {}}, receive), client_certificate="forwarded"
    )
    assert forwarded.client_certificate == "forwarded"


def test_importing_the_library_and_its_handlers_imports_no_starlette() -> None:
    code = (
        "import sys, aioauthlete, aioauthlete.ciba, aioauthlete.ciba.aiohttp; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'starlette', 'httpx'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
