"""The aiohttp adapter, through aiohttp's own test client: the request as the handlers
see it, their answers as aiohttp sends them, and a client certificate over mutual TLS."""

from __future__ import annotations

import json
import ssl
import urllib.parse
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aioresponses import aioresponses

from aioauthlete import AuthleteClient
from aioauthlete.ciba import ClientRequest, HttpAnswer
from aioauthlete.ciba import aiohttp as ciba_aiohttp
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
)
from tests.faults.tls import TlsCA
from tests.unit.calls import sent_json

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def handlers(client: AuthleteClient) -> AsyncIterator[Handlers]:
    handlers = Handlers(client)
    yield handlers
    await handlers.aclose()


def app_of(handlers: Handlers) -> web.Application:
    app = web.Application()
    app.router.add_post("/backchannel", ciba_aiohttp.view(handlers.backchannel.handle))
    app.router.add_post("/token", ciba_aiohttp.view(handlers.token.handle))
    return app


async def test_a_backchannel_request_gets_its_auth_req_id_and_the_device_step_completes(
    mocked: aioresponses, handlers: Handlers
) -> None:
    mocked.post(AUTHENTICATION_URL, payload=identification(deliveryMode="POLL"))
    mocked.post(ISSUE_URL, payload=ISSUED)
    mocked.post(COMPLETE_URL, payload=completed("NO_ACTION"))
    async with TestClient(TestServer(app_of(handlers))) as http:
        answer = await http.post(
            "/backchannel", data=BODY, headers={**FORM, "Authorization": BASIC}
        )
        assert answer.status == 200
        assert await answer.text() == ISSUED_CONTENT
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.headers["Cache-Control"] == "no-store"
        await handlers.backchannel.drain()
    assert sent_json(mocked, AUTHENTICATION_URL)["parameters"] == BODY
    assert sent_json(mocked, COMPLETE_URL) == {
        "ticket": TICKET,
        "result": "AUTHORIZED",
        "subject": "john",
    }


async def test_a_token_request_is_answered_with_authletes_status_and_headers(
    mocked: aioresponses, handlers: Handlers
) -> None:
    content = '{"error":"invalid_client"}'
    mocked.post(
        TOKEN_URL,
        payload={"resultCode": "A", "action": "INVALID_CLIENT", "responseContent": content},
    )
    async with TestClient(TestServer(app_of(handlers))) as http:
        answer = await http.post(
            "/token?x=1",
            data="grant_type=x",
            headers={**FORM, "Authorization": BASIC, "DPoP": "eyJproof"},
        )
        assert (answer.status, await answer.text()) == (401, content)
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="token"'
    sent = sent_json(mocked, TOKEN_URL)
    assert (sent["parameters"], sent["dpop"], sent["htm"]) == ("grant_type=x", "eyJproof", "POST")
    assert sent["htu"].endswith("/token")


async def test_the_request_is_read_whole_and_undecodable_bytes_are_replaced() -> None:
    seen: list[ClientRequest] = []

    async def handle(request: ClientRequest) -> HttpAnswer:
        seen.append(request)
        return HttpAnswer(status=204, headers={"X-Seen": "1"}, body="")

    app = web.Application()
    app.router.add_post("/", ciba_aiohttp.view(handle))
    async with TestClient(TestServer(app)) as http:
        answer = await http.post("/", data=b"a=\xff&b=c", headers=FORM)
        assert (answer.status, answer.headers["X-Seen"]) == (204, "1")
    [request] = seen
    assert request.body == "a=\ufffd&b=c"
    assert (request.authorization, request.client_certificate, request.dpop) == (None, None, None)
    assert request.url is not None
    assert request.url.startswith("http://127.0.0.1:")


async def test_the_client_certificate_is_read_from_mutual_tls(tls_ca: TlsCA) -> None:
    client_cert = tls_ca.ca.issue_cert("client.example")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.ca.issue_cert("127.0.0.1").configure_cert(server_context)
    tls_ca.ca.configure_trust(server_context)
    server_context.verify_mode = ssl.CERT_OPTIONAL
    client_context = tls_ca.client_context()
    client_cert.configure_cert(client_context)
    seen: list[ClientRequest] = []

    async def handle(request: ClientRequest) -> HttpAnswer:
        seen.append(request)
        return HttpAnswer(status=200, headers={}, body=json.dumps({"ok": True}))

    app = web.Application()
    app.router.add_post("/", ciba_aiohttp.view(handle))
    server = TestServer(app)
    await server.start_server(ssl=server_context)
    async with TestClient(server) as http:
        answer = await http.post("/", data="a=b", ssl=client_context)
        assert answer.status == 200
        answer = await http.post("/", data="a=b", ssl=tls_ca.client_context())  # no certificate
        assert answer.status == 200
    with_cert, without = seen
    assert with_cert.client_certificate is not None
    pem = client_cert.cert_chain_pems[0].bytes().decode()
    expected = ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(pem))
    assert with_cert.client_certificate == expected
    assert without.client_certificate is None


async def test_a_certificate_forwarded_by_a_proxy_is_passed_in() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    seen: list[ClientRequest] = []

    async def view(request: web.Request) -> web.Response:
        forwarded = urllib.parse.unquote(request.headers["X-Client-Cert"])
        seen.append(await ciba_aiohttp.read_request(request, client_certificate=forwarded))
        return ciba_aiohttp.to_response(HttpAnswer(status=204, headers={}, body=""))

    app = web.Application()
    app.router.add_post("/", view)
    async with TestClient(TestServer(app)) as http:
        answer = await http.post(
            "/", data="a=b", headers={"X-Client-Cert": urllib.parse.quote(pem)}
        )
        assert answer.status == 204
    assert seen[0].client_certificate == pem
