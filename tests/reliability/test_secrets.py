"""Rows 24 and 28: server text cannot forge log lines; secrets show nowhere, on any path.

Every test in this folder already ends with the leak check (see conftest.py); the tests here
drive the paths that are easy to miss: chained exceptions, locals in tracebacks, asyncio's
"Task exception was never retrieved" record, reprs of tasks and batch outcomes.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import traceback

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioauthlete import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTransportError,
    BackchannelAuthenticationFailRequest,
    RetryPolicy,
)
from aioauthlete._redact import escape_control, ticket_ref
from tests.faults import (
    Handler,
    close_after_request,
    garbage_status_line,
    http_response,
    json_answer,
    reset_after_request,
    respond,
    send_raw,
    truncated_body,
)
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import OK_BODY, Canary, ClientFactory, Watch

#: Characters that end a line for some reader (str.splitlines, terminals, log viewers) or
#: drive a terminal: C0 controls, DEL, C1 controls (NEL, CSI), line/paragraph separators.
FORGING = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)]
HOSTILE_TEXT = "ok\r\nWARNING forged record\x1b[31m red\x9b31m\x85NEL\u2028LS\u2029PS\x00end"


def one_clean_line(text: str) -> bool:
    return len(text.splitlines()) <= 1 and not any(c in text for c in FORGING)


@given(st.text())
def test_escaped_text_is_one_line_without_control_characters(text: str) -> None:
    """Row 24 (property): whatever a server sends, the escaped text is one inert line."""
    assert one_clean_line(escape_control(text, limit=10_000))


async def test_hostile_result_message_is_escaped_in_errors_and_every_record(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 24: CR/LF, ANSI and Unicode line breaks from the server stay inert text."""
    body = {"resultCode": "A001\r\n101", "resultMessage": HOSTILE_TEXT}
    server = await raw_server_factory(respond(503, body))
    client = await client_factory(server.url)
    error = await watch.fails(AuthleteApiError, client)
    assert error.result_message == HOSTILE_TEXT  # the data itself is kept as sent
    assert one_clean_line(str(error))
    assert one_clean_line(repr(error))
    assert "\\r\\n" in str(error)
    records = watch.records()
    assert [r.levelname for r in records] == ["DEBUG"] * 3 + ["WARNING"]
    for record in records:
        assert one_clean_line(record.getMessage()), record.getMessage()
    assert len(server.requests) == 3


async def test_hostile_result_code_of_an_answer_is_escaped_in_the_debug_record(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 24: a 2xx whose resultCode carries a fake log line is logged on one line."""
    server = await raw_server_factory(respond(200, {**OK_BODY, "resultCode": HOSTILE_TEXT}))
    client = await client_factory(server.url)
    response = await client.backchannel_authentication_fail(canary.request())
    watch.add(response)
    assert response.result_code == HOSTILE_TEXT
    [record] = watch.records()
    assert one_clean_line(record.getMessage())


async def test_hostile_status_line_is_escaped_in_the_transport_detail(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 24: the parser's complaint about a garbled status line cannot carry raw escapes."""
    server = await raw_server_factory(send_raw(b"HTTP/1.1 2\x1b[2J00\x85 OK\r\n\r\n"))
    client = await client_factory(server.url, retry=RetryPolicy(attempts=1))
    error = await watch.fails(AuthleteTransportError, client)
    assert one_clean_line(str(error))
    for record in watch.records():
        assert one_clean_line(record.getMessage())


FAULTS: list[tuple[Handler, type[AuthleteError]]] = [
    (reset_after_request(), AuthleteTransportError),
    (close_after_request(), AuthleteTransportError),
    (garbage_status_line(), AuthleteTransportError),
    (truncated_body(), AuthleteTransportError),
    (respond(200, "<html/>", {"Content-Type": "text/html"}), AuthleteResponseError),
    (respond(401, {"resultCode": "A001202", "resultMessage": "no"}), AuthleteApiError),
    (
        send_raw(http_response(200, b"[]", {"Content-Type": "application/json"})),
        AuthleteResponseError,
    ),
]


@pytest.mark.parametrize(
    ("script", "cls"),
    FAULTS,
    ids=["reset", "close", "garbage-status", "truncated", "html", "401", "json-array"],
)
async def test_errors_chain_to_nothing_from_aiohttp(
    script: Handler,
    cls: type[AuthleteError],
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 28: no aiohttp exception (its repr holds the headers) is reachable from ours."""
    server = await raw_server_factory(script)
    client = await client_factory(server.url, retry=RetryPolicy(attempts=1))
    error = await watch.fails(cls, client)
    assert error.__cause__ is None
    assert error.__context__ is None
    text = "".join(traceback.format_exception(error))
    assert text.count("Traceback (most recent call last)") == 1  # no chained section


async def test_traceback_with_locals_hides_token_and_ticket(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 28: what ``--showlocals`` or an error reporter prints shows only a ticket hash."""
    server = await raw_server_factory(garbage_status_line())
    client = await client_factory(server.url, retry=RetryPolicy(attempts=1))
    error = await watch.fails(AuthleteTransportError, client)
    library = traceback.TracebackException.from_exception(error, capture_locals=True)
    text = "".join(library.format())
    assert f"<ticket {ticket_ref(canary.ticket)}>" in text  # the locals were printed
    assert canary.token not in text
    assert canary.ticket not in text


async def test_unretrieved_task_exception_log_has_no_secret(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 28: asyncio's "Task exception was never retrieved" record (error repr) is clean."""
    server = await raw_server_factory(respond(200, "<html/>", {"Content-Type": "text/html"}))
    client = await client_factory(server.url)
    done = asyncio.Event()
    task = asyncio.create_task(client.backchannel_authentication_fail(canary.request()))
    task.add_done_callback(lambda _: done.set())
    await done.wait()
    del task
    gc.collect()
    [record] = [r for r in watch.recorder.records if "never retrieved" in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], AuthleteResponseError)


async def test_batch_outcomes_show_a_ticket_hash_and_no_token(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 28: a FailOutcome's repr (request, error) names the ticket by its hash only."""
    server = await raw_server_factory(reset_after_request())
    client = await client_factory(server.url)
    outcomes = await client.backchannel_authentication_fail_many([canary.request()], concurrency=1)
    watch.add(outcomes, *outcomes)
    [outcome] = outcomes
    assert isinstance(outcome.request, BackchannelAuthenticationFailRequest)
    assert outcome.request.ticket == canary.ticket  # the outcome carries it: its purpose
    assert f"<ticket {ticket_ref(canary.ticket)}>" in repr(outcome)
    assert isinstance(outcome.error, AuthleteTransportError)


async def test_log_records_name_the_ticket_by_its_hash(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 28: every record of a failing call carries the ticket hash, never the ticket."""
    server = await raw_server_factory(send_raw(json_answer(502, {"resultCode": "X"})))
    client = await client_factory(server.url)
    await watch.fails(AuthleteApiError, client)
    messages = watch.messages()
    assert len(messages) == 4
    assert all(f"ticket={ticket_ref(canary.ticket)}" in m for m in messages)
