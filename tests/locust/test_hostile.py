"""Hostile answers, as the Locust user meets them: bodies that trickle in, bodies over the
cap (declared, chunked, compressed), encodings nobody asked for, and result codes that are
free text or no Unicode at all. Raw servers on 127.0.0.1 in this event loop; Locust in a
process of its own (``tests.locust.driver``), one fail call to each.

What must hold: an attempt ends within its time limit, the body cap holds while reading
(not after), every failure is one failure row, and the row is short, stable UTF-8.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from tests.faults import http_response, respond, sequence, trickle_body
from tests.faults._http import chunk_frame
from tests.faults.fixtures import RawServerFactory
from tests.faults.raw_server import Handler, RawConnection
from tests.helpers import OK_BODY, TICKET, TOKEN
from tests.locust.support import run_async, run_driver_async
from tests.locust.test_cli import RUN_TIMEOUT, SCRIPTS
from tests.locust.test_faults import fail_calls

CAP = 1 << 20  # the default max_body_size
#: More than the cap by far: reading it whole shows in the driver's peak memory.
BIG = 64 << 20
#: The network timeout fail_calls gives its users, which bounds the whole attempt.
ATTEMPT = 0.5


def trickle_headers(interval: float, count: int) -> Handler:
    """A status line at once, then one header line per *interval*: no read ever waits
    long, the answer never ends in time."""

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is None:
            return
        await conn.send(b"HTTP/1.1 200 OK\r\n")
        for number in range(count):
            await conn.sleep(interval)
            await conn.send(f"X-Pad-{number}: a\r\n".encode())
        await conn.send(http_response(200, json.dumps(OK_BODY).encode())[17:])

    return handler


def declared_body(size: int, status: int = 200) -> Handler:
    """A JSON answer declaring *size* bytes and sending them until the client goes."""
    head = http_response(
        status, b"", {"Content-Type": "application/json", "Content-Length": str(size)}
    )

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is None:
            return
        await conn.send(head)
        for _ in range(size >> 16):
            await conn.send(b" " * (1 << 16))

    return handler


def chunked_body(size: int) -> Handler:
    """A chunked JSON answer of *size* bytes of whitespace, sent until the client goes."""
    head = http_response(
        200, b"", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    )
    frame = chunk_frame(b" " * (1 << 16))

    async def handler(conn: RawConnection) -> None:
        if await conn.read_request() is None:
            return
        await conn.send(head)
        for _ in range(size >> 16):
            await conn.send(frame)

    return handler


def encoded(body: bytes, encoding: str) -> Handler:
    """A 200 JSON answer whose body is *body*, said to be in *encoding*."""
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    return respond(200, body, headers)


def result_code(status: int, code: str) -> Handler:
    """An API error whose resultCode is *code* (JSON-escaped, lone surrogates too)."""
    body = json.dumps({"resultCode": code, "resultMessage": "no"}).encode()
    return respond(status, body, {"Content-Type": "application/json"})


def row_of(outcome: dict[str, Any]) -> str:
    """The one failure row a call left, checked to be the only one."""
    [[name, message, occurrences]] = outcome["errors"]
    assert (name, occurrences) == ("backchannel_authentication_fail", 1)
    assert outcome["rows"] == {name: [1, 1]}
    message.encode("utf-8")  # Locust's CSVs and its workers' reports are UTF-8
    return str(message)


async def test_an_answer_that_trickles_in_ends_at_the_attempt_time_limit(
    raw_server_factory: RawServerFactory,
) -> None:
    scripts = {
        "body": trickle_body(ATTEMPT / 5, count=40, document=OK_BODY),  # 4 s in all
        "headers": trickle_headers(ATTEMPT / 5, count=40),
    }
    outcomes = await fail_calls(raw_server_factory, scripts)
    for label in scripts:
        outcome = outcomes[label]
        assert outcome["raised"] == "AuthleteTimeoutError", label
        assert outcome["elapsed"] < ATTEMPT + 1.5, label  # not the 4 s the server takes
        assert row_of(outcome) == (
            "AuthleteTimeoutError: TimeoutError: the attempt's time limit passed"
            " (may have reached Authlete)"
        ), label


async def test_a_body_over_the_cap_is_refused_while_it_is_read_not_after(
    raw_server_factory: RawServerFactory,
) -> None:
    bomb = gzip.compress(b" " * BIG)  # about 64 KiB that inflate to 64 MiB
    scripts = {
        "declared": declared_body(BIG),
        "declared, status 500": declared_body(BIG, status=500),
        "chunked": chunked_body(BIG),
        "gzip bomb": encoded(bomb, "gzip"),
    }
    outcomes = await fail_calls(raw_server_factory, scripts)
    for label in scripts:
        outcome = outcomes[label]
        status = 500 if "500" in label else 200
        assert outcome["raised"] == "AuthleteResponseError", label
        assert row_of(outcome) == (
            f"AuthleteResponseError: HTTP {status}: body exceeds the {CAP}-byte cap"
        ), label
        assert outcome["grown_kib"] < (BIG >> 10) // 4, label  # never the whole body


async def test_a_compressed_answer_is_read_and_an_unknown_encoding_is_one_failure(
    raw_server_factory: RawServerFactory,
) -> None:
    document = json.dumps(OK_BODY).encode()
    scripts = {
        "gzip": encoded(gzip.compress(document), "gzip"),
        "unknown": encoded(document, "x-unheard-of"),
        "brotli": encoded(b"\x8b\x03\x80not brotli", "br"),
        "truncated gzip": encoded(gzip.compress(document)[:-12], "gzip"),
    }
    outcomes = await fail_calls(raw_server_factory, scripts)
    assert outcomes["gzip"]["raised"] is None
    assert "FORBIDDEN" in outcomes["gzip"]["answer"]
    for label in ("unknown", "brotli"):
        assert row_of(outcomes[label]) == (
            "AuthleteResponseError: HTTP 200: content encoding not supported"
            " (identity was asked for)"
        ), label
    assert outcomes["truncated gzip"]["raised"] == "AuthleteTransportError"
    assert row_of(outcomes["truncated gzip"]).endswith("(may have reached Authlete)")


async def test_a_result_code_that_is_free_text_or_no_unicode_stays_out_of_the_row(
    raw_server_factory: RawServerFactory,
) -> None:
    scripts = {
        "surrogate": result_code(500, "\ud800\n[FAKE] log line"),
        "echo": result_code(401, f"Bearer {TOKEN} for {TICKET}"),
        "prose": result_code(503, "try again later, request 8d1f"),
        "authlete": result_code(400, "A001201"),
    }
    outcomes = await fail_calls(raw_server_factory, scripts)
    rows = {label: row_of(outcomes[label]) for label in scripts}
    assert rows == {
        "surrogate": "AuthleteApiError: HTTP 500",
        "echo": "AuthleteApiError: HTTP 401",
        "prose": "AuthleteApiError: HTTP 503",
        "authlete": "AuthleteApiError: HTTP 400 A001201",
    }
    assert TOKEN not in json.dumps(outcomes)
    assert TICKET not in json.dumps(outcomes)


async def test_an_error_answer_that_is_no_utf_8_is_one_api_error(
    raw_server_factory: RawServerFactory,
) -> None:
    latin = b'{"resultCode":"A001101","resultMessage":"\xe9chec"}'
    scripts = {"latin-1": respond(500, latin, {"Content-Type": "application/json"})}
    outcomes = await fail_calls(raw_server_factory, scripts)
    assert outcomes["latin-1"]["raised"] == "AuthleteApiError"
    assert row_of(outcomes["latin-1"]) == "AuthleteApiError: HTTP 500"  # not JSON: not UTF-8


async def test_after_a_timed_out_answer_the_next_call_gets_its_own_answer(
    raw_server_factory: RawServerFactory,
) -> None:
    """The connection the late answer was still coming on is not reused."""
    late = trickle_body(ATTEMPT / 5, count=10, document={**OK_BODY, "resultCode": "LATE"})
    server = await raw_server_factory(sequence([late, respond(200, OK_BODY)]))
    said = await run_driver_async(
        "again", {"base_url": server.url, "network_timeout": ATTEMPT, "ticket": TICKET}
    )
    assert said["answers"] == ["AuthleteTimeoutError", OK_BODY["resultCode"]]


async def test_a_run_whose_server_answers_a_lone_surrogate_still_writes_its_failures_csv(
    raw_server_factory: RawServerFactory, tmp_path: Path
) -> None:
    """The example's locust command: Locust's CSV writer must not die on the row."""
    server = await raw_server_factory(result_code(500, "\ud800"))
    command = [str(SCRIPTS / "locust"), "-f", "examples/locustfile.py", "--host", server.url]
    command += ["--headless", "-u", "1", "-r", "1", "-t", "2s", "--csv", str(tmp_path / "out")]
    code, _, stderr = await run_async(command, RUN_TIMEOUT)
    said = stderr.decode(errors="replace")
    assert code == 1, said[-4000:]  # Locust's exit status when requests failed
    assert "UnicodeEncodeError" not in said
    failures = (tmp_path / "out_failures.csv").read_text(encoding="utf-8")
    assert "backchannel_authentication,AuthleteApiError: HTTP 500," in failures
