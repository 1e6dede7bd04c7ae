"""Row 28 (echoes): a server that repeats the credential or the ticket back.

A misconfigured proxy, a debugging gateway or a hostile server may copy the request's
Authorization header (or the ticket) into its answer. The client knows its secrets: text
that came from the server reaches no error, log record or output with them in it, nor
with their HTTP Basic encoding. The leak check of this folder (conftest.py) examines every
error, response and log record of each test.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from aioauthlete import (
    AuthleteApiError,
    AuthleteResponseError,
    AuthleteTransportError,
    RetryPolicy,
)
from tests.cli import cli_command, subprocess_env
from tests.faults import Handler, RawConnection, http_response, json_answer
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import SERVICE_ID, Canary, ClientFactory, Watch

Answer = Callable[[str, str], bytes]


def echo(answer: Answer) -> Handler:
    """A script that reads the request and builds its answer from the request's
    Authorization header and ticket."""

    async def handler(conn: RawConnection) -> None:
        request = await conn.read_request()
        if request is None:
            return
        ticket = str(request.json().get("ticket", ""))
        await conn.send(answer(request.headers.get("authorization", ""), ticket))

    return handler


def api_error(status: int, message: str) -> bytes:
    return json_answer(status, {"resultCode": "A001201", "resultMessage": message})


async def test_a_401_repeating_the_bearer_header_shows_it_masked(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """The token in ``resultMessage`` (and in ``resultCode``) is masked in the error."""

    def answer(authorization: str, ticket: str) -> bytes:
        return json_answer(
            401, {"resultCode": authorization, "resultMessage": f"bad header: {authorization}"}
        )

    server = await raw_server_factory(echo(answer))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteApiError, client)
    assert error.status == 401
    assert "<redacted>" in str(error)
    assert error.result_message == "bad header: Bearer <redacted>"


async def test_v2_basic_credentials_echoed_plain_or_encoded_are_masked(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """In 2.x mode the secret travels as ``base64(service:secret)``: that form is masked
    too, and so is the secret itself, and the decoded pair."""
    pair = f"{SERVICE_ID}:{canary.secret}"
    encoded = base64.b64encode(pair.encode()).decode()

    def answer(authorization: str, ticket: str) -> bytes:
        return api_error(401, f"got {authorization}; decoded {pair}; secret {canary.secret}")

    server = await raw_server_factory(echo(answer))
    client = await client_factory(server.url, api_version="V2", api_secret=canary.secret)
    error = await watch.fails(AuthleteApiError, client)
    assert encoded not in str(error)
    assert canary.secret not in str(error)
    assert str(error).count("<redacted>") == 3


async def test_an_answer_repeating_the_token_is_returned_masked(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """A 200 whose text fields repeat the token: the answer comes back with the token
    masked, so it is not forwarded to the CIBA client in ``response_content`` either."""

    def answer(authorization: str, ticket: str) -> bytes:
        content = json.dumps({"error": "access_denied", "error_description": authorization})
        return json_answer(
            200,
            {
                "resultCode": "A185001",
                "resultMessage": f"[A185001] {authorization}",
                "action": "FORBIDDEN",
                "responseContent": content,
            },
        )

    server = await raw_server_factory(echo(answer))
    client = await client_factory(server.url)
    response = await client.backchannel_authentication_fail(canary.request())
    watch.add(response)
    assert response.result_message == "[A185001] Bearer <redacted>"
    assert response.response_content is not None
    assert json.loads(response.response_content)["error_description"] == "Bearer <redacted>"


async def test_a_token_echoed_with_json_escapes_is_masked(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """JSON may escape ``/`` as ``\\/``; a token with slashes echoed that way is masked."""
    token = canary.token.replace("-", "/")

    def answer(authorization: str, ticket: str) -> bytes:
        escaped = authorization.replace("/", "\\/")
        body = '{"resultCode":"A1","resultMessage":"' + escaped + '"}'
        return http_response(401, body.encode(), {"Content-Type": "application/json"})

    server = await raw_server_factory(echo(answer))
    client = await client_factory(server.url, access_token=token)
    error = await watch.fails(AuthleteApiError, client)
    assert token not in str(error)
    assert error.result_message == "Bearer <redacted>"


async def test_the_ticket_echoed_in_an_error_is_shown_as_its_hash(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """No raw ticket in an exception message: an echoed ticket becomes its short hash."""

    def answer(authorization: str, ticket: str) -> bytes:
        return api_error(400, f"The ticket '{ticket}' is malformed.")

    server = await raw_server_factory(echo(answer))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteApiError, client)
    assert canary.ticket not in str(error)
    assert "<ticket " in str(error)


@pytest.mark.parametrize("where", ["content-type", "status-line"])
async def test_the_token_echoed_outside_the_body_is_masked(
    where: str,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """A Content-Type or a garbled status line that repeats the header: the error that
    quotes it (an unusable answer, a transport failure) shows it masked."""

    def answer(authorization: str, ticket: str) -> bytes:
        if where == "content-type":
            return http_response(200, b"{}", {"Content-Type": f"text/{authorization[7:]}"})
        return f"HTTP/1.1 2{authorization} OK\r\n\r\n".encode()

    server = await raw_server_factory(echo(answer))
    client = await client_factory(server.url, retry=RetryPolicy(attempts=1))
    cls = AuthleteResponseError if where == "content-type" else AuthleteTransportError
    error = await watch.fails(cls, client)
    assert "<redacted>" in str(error)


async def test_the_command_line_writes_an_echoed_token_nowhere(
    raw_server_factory: RawServerFactory, tmp_path: Path, canary: Canary
) -> None:
    """``fail-batch`` against a server that echoes the header in every 401: the results
    file, stdout and stderr (with -vv, a record per attempt) hold no token."""

    def answer(authorization: str, ticket: str) -> bytes:
        return api_error(401, f"The header '{authorization}' is not valid.")

    server = await raw_server_factory(echo(answer))
    tickets = tmp_path / "tickets.txt"
    tickets.write_text("".join(f"ticket-{n}\n" for n in range(5)))
    results = tmp_path / "results.jsonl"
    env = subprocess_env(
        {
            "AUTHLETE_BASE_URL": server.url,
            "AUTHLETE_SERVICE_APIKEY": SERVICE_ID,
            "AUTHLETE_SERVICE_ACCESSTOKEN": canary.token,
        }
    )
    argv = cli_command(
        "-vv", "fail-batch", str(tickets), "--reason", "ACCESS_DENIED", "--output", str(results)
    )
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode != 0
    assert server.requests  # the server was asked, and answered with the echo
    written = results.read_text()
    assert "<redacted>" in written
    for text in (written, out.decode(), err.decode()):
        assert canary.token not in text
