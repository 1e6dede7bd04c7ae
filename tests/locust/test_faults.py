"""Failures, as the Locust user classifies them: against the raw fault servers (this event
loop, 127.0.0.1), with Locust in a process of its own that makes one fail call to each.

What counts is what the asyncio client would raise for the same answer, and the short
message Locust files the failure under: the error's class and status, no secret in it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aioauthlete import BackchannelAuthenticationFailRequest
from aioauthlete.operations import FAIL
from aioauthlete.protocol import Service
from aioauthlete.testing import DEFAULT_SERVICE_ID
from tests.faults import (
    close_after_request,
    garbage_status_line,
    json_answer,
    no_answer,
    reset_after_request,
    respond,
    send_raw,
    truncated_body,
)
from tests.faults.fixtures import RawServerFactory
from tests.faults.raw_server import Handler, RawConnection
from tests.faults.tls import TlsCA
from tests.helpers import OK_BODY, TICKET, TOKEN
from tests.locust.support import run_driver, run_driver_async


def echo_token() -> Handler:
    """A 500 whose message repeats the request's Authorization header and ticket."""

    async def handler(conn: RawConnection) -> None:
        request = await conn.read_request()
        if request is not None:
            said = f"{request.headers.get('authorization')} for {request.json()['ticket']}"
            body = {"resultCode": "A001101", "resultMessage": said}
            await conn.send(json_answer(500, body))

    return handler


FAULTS: dict[str, Handler] = {
    "reset": reset_after_request(),
    "closed": close_after_request(),
    "status 500": respond(500, {"resultCode": "A001101", "resultMessage": "[A001101] boom"}),
    "status 429": respond(429, {"resultCode": "A001102"}, {"Retry-After": "2"}),
    "garbled status line": garbage_status_line(),
    "truncated body": truncated_body(),
    "garbled body": respond(200, b"{not json", {"Content-Type": "application/json"}),
    "unknown action": respond(200, {"resultCode": "A1", "action": "MAYBE"}),
    "html page": respond(502, "<html>bad gateway</html>", {"Content-Type": "text/html"}),
    "redirect": send_raw(
        b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n"
    ),
    "no answer": no_answer(),
    "echo": echo_token(),
}


async def fail_calls(
    raw_server_factory: RawServerFactory, scripts: dict[str, Handler], **urls: str
) -> dict[str, Any]:
    """One fail call to each server of *scripts* (and to each of *urls*) by a Locust user
    whose network timeout is 0.5 s and whose token is the canary: what each did."""
    for label, script in scripts.items():
        urls[label] = (await raw_server_factory(script)).url
    return await run_driver_async(
        "faults",
        {"base_urls": urls, "ticket": TICKET, "network_timeout": 0.5},
        env={"AUTHLETE_SERVICE_ACCESSTOKEN": TOKEN},
    )


async def fail_calls_to(url: str) -> dict[str, Any]:
    """``fail_calls`` to one server that is already running."""
    return await run_driver_async(
        "faults",
        {"base_urls": {"server": url}, "ticket": TICKET, "network_timeout": 0.5},
        env={"AUTHLETE_SERVICE_ACCESSTOKEN": TOKEN},
    )


#: fault: (what the call raises, what Locust's failure row ends with)
EXPECTED = {
    "reset": ("AuthleteTransportError", "(may have reached Authlete)"),
    "closed": ("AuthleteTransportError", "(may have reached Authlete)"),
    "refused": ("AuthleteTransportError", "Connection refused (did not reach Authlete)"),
    "no answer": ("AuthleteTimeoutError", "(may have reached Authlete)"),
    "garbled status line": ("AuthleteTransportError", "(may have reached Authlete)"),
    "truncated body": ("AuthleteTransportError", "(may have reached Authlete)"),
    "status 500": ("AuthleteApiError", "HTTP 500 A001101"),
    "status 429": ("AuthleteApiError", "HTTP 429 A001102"),
    "html page": ("AuthleteApiError", "HTTP 502"),
    "garbled body": ("AuthleteResponseError", "HTTP 200: body is not a JSON object"),
    "unknown action": ("AuthleteResponseError", "expected FailAction @ $.action"),
    "redirect": ("AuthleteResponseError", "HTTP 307: redirect refused (not followed)"),
}


async def test_each_failure_raises_its_error_and_is_one_failure_under_a_short_message(
    raw_server_factory: RawServerFactory, closed_port: int
) -> None:
    scripts = {label: script for label, script in FAULTS.items() if label != "echo"}
    outcomes = await fail_calls(
        raw_server_factory, scripts, refused=f"http://127.0.0.1:{closed_port}"
    )
    seen = {}
    for fault in EXPECTED:
        outcome = outcomes[fault]
        [[row, recorded, occurrences]] = outcome["errors"]
        assert (row, occurrences) == ("backchannel_authentication_fail", 1), fault
        assert outcome["rows"] == {row: [1, 1]}, fault
        assert recorded.startswith(f"{outcome['raised']}: "), fault
        seen[fault] = (outcome["raised"], recorded[-len(EXPECTED[fault][1]) :])
    assert seen == EXPECTED
    # The row's name stays short and stable; the error itself keeps what the server said.
    assert outcomes["status 500"]["errors"][0][1] == "AuthleteApiError: HTTP 500 A001101"
    assert "boom" in outcomes["status 500"]["text"]
    assert "(Retry-After 2 s)" in outcomes["status 429"]["text"]
    assert (outcomes["refused"]["ambiguous"], outcomes["reset"]["ambiguous"]) == (False, True)


async def test_an_echoed_token_and_ticket_reach_neither_the_error_nor_the_statistics_nor_the_logs(
    raw_server_factory: RawServerFactory,
) -> None:
    outcomes = await fail_calls(raw_server_factory, {"echo": FAULTS["echo"]})
    echoed = outcomes["echo"]
    assert echoed["raised"] == "AuthleteApiError"
    assert "Bearer <redacted> for <ticket " in echoed["text"]
    assert echoed["errors"][0][1] == "AuthleteApiError: HTTP 500 A001101"
    everything = json.dumps(outcomes)  # the error, its repr, the statistics, the logs
    assert TOKEN not in everything
    assert TICKET not in everything


async def test_the_user_sends_the_bytes_the_asyncio_client_sends(
    raw_server_factory: RawServerFactory,
) -> None:
    server = await raw_server_factory(respond(200, OK_BODY))
    outcomes = await fail_calls_to(server.url)
    assert outcomes["server"]["raised"] is None
    [received] = server.requests
    expected = Service(
        service_id=DEFAULT_SERVICE_ID, access_token=TOKEN, base_url=server.url
    ).prepare(FAIL, BackchannelAuthenticationFailRequest(ticket=TICKET, reason="ACCESS_DENIED"))
    assert (received.method, f"{server.url}{received.path}") == ("POST", expected.url)
    assert received.body == expected.body
    for name, value in expected.headers.items():
        assert received.headers[name.lower()] == value, name
    assert "cookie" not in received.headers


async def test_tls_is_verified_against_the_trusted_cas_only(
    raw_server_factory: RawServerFactory, tls_ca: TlsCA, tmp_path: Path
) -> None:
    server = await raw_server_factory(respond(200, OK_BODY), ssl_context=tls_ca.server_context)
    cafile = tmp_path / "ca.pem"
    tls_ca.ca.cert_pem.write_to_path(str(cafile))
    said = await run_driver_async("tls", {"base_url": server.url, "cafile": str(cafile)})
    assert said["default"].startswith("AuthleteTransportError: no answer from Authlete (did not")
    assert "CERTIFICATE_VERIFY_FAILED" in said["default"]
    assert said["trusted"] == "FORBIDDEN"
    assert len(server.requests) == 1  # the refused handshake sent nothing


def test_a_user_refuses_to_switch_tls_off_or_to_start_without_a_host() -> None:
    said = run_driver("refusals", {"base_url": "https://127.0.0.1:1"})
    assert said["insecure"].startswith("ValueError: insecure=True switches TLS verification off")
    assert said["no host"].startswith("StopTest: You must specify the base host")
    assert said["plain http elsewhere"].startswith("ValueError: base_url must use https://")
