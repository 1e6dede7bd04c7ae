"""Rows 1, 6, 13, 16 for every operation: the per-operation retry rule.

Failures that certainly did not reach Authlete (refused) and throttling (429, 503) are
retried for every operation. A failure after the request may have reached Authlete (a
reset after sending; for complete and token also a 500, 502 or 504) is retried only for the
operations that converge: fail, authentication and issue. Complete mints tokens in push mode
and consumes the ticket; token exchanges a single-use auth_req_id: a retry there would lose
the real outcome, so the ambiguous failure is reported instead, unless the caller asks
(``RetryPolicy(retry_ambiguous=True)``).
"""

from __future__ import annotations

from typing import Any

import pytest

from aioauthlete import (
    AuthleteApiError,
    AuthleteTransportError,
    Operation,
    RetryPolicy,
    operations,
)
from aioauthlete._codec import fields_of
from tests.faults import reset_after_request, respond, sequence
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import ClientFactory, FastTime
from tests.strategies import full

#: Whether each operation converges (ambiguous failures retried by default), and why.
CONVERGES = {
    "fail": True,  # deleting a deleted ticket changes nothing
    "authentication": True,  # a lost first answer leaves an orphan ticket that expires
    "issue": True,  # the caller never saw the first auth_req_id
    "complete": False,  # push mints tokens; the ticket is consumed
    "token": False,  # an auth_req_id or code is single-use
}
OPERATIONS = [getattr(operations, name) for name in operations.__all__]
ids = [op.name for op in OPERATIONS]


def answer(operation: Operation[Any, Any]) -> dict[str, str]:
    """A usable 200 answer for *operation*: a result code and one of its actions."""
    [action] = [f for f in fields_of(operation.response) if f.name == "action"]
    assert action.enum is not None
    return {"resultCode": "A000000", "action": next(iter(action.enum)).value}


def test_every_operation_states_whether_it_converges() -> None:
    """The table above is the operations' own: a new operation must be added to it."""
    assert {op.name: op.converges for op in OPERATIONS} == {
        name: CONVERGES[name] for name in (op.name for op in OPERATIONS)
    }


async def call(client: Any, operation: Operation[Any, Any]) -> Any:
    return await client.call(operation, full(operation.request))


@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
async def test_a_reset_after_sending_is_retried_only_where_the_operation_converges(
    operation: Operation[Any, Any],
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
) -> None:
    """Row 6: the server read the request, then reset the connection."""
    server = await raw_server_factory(
        sequence([reset_after_request(), respond(200, answer(operation))])
    )
    client = await client_factory(server.url)
    if CONVERGES[operation.name]:
        response = await call(client, operation)
        assert response.result_code == "A000000"
        assert len(server.requests) == 2
    else:
        with pytest.raises(AuthleteTransportError) as info:
            await call(client, operation)
        assert (info.value.may_have_reached, info.value.attempts) == (True, 1)
        assert len(server.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
async def test_a_server_error_may_have_acted_where_the_operation_does_not_converge(
    operation: Operation[Any, Any],
    status: int,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
) -> None:
    """Row 16: for complete and token a 500/502/504 may come after Authlete acted: one
    attempt, reported as ambiguous; the others retry it as before."""
    error_body = {"resultCode": "A001101", "resultMessage": "error"}
    server = await raw_server_factory(
        sequence([respond(status, error_body), respond(200, answer(operation))])
    )
    client = await client_factory(server.url)
    if CONVERGES[operation.name]:
        assert (await call(client, operation)).result_code == "A000000"
        assert len(server.requests) == 2
    else:
        with pytest.raises(AuthleteApiError) as info:
            await call(client, operation)
        assert (info.value.status, info.value.attempts, info.value.ambiguous) == (status, 1, True)
        assert len(server.requests) == 1


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
async def test_throttling_is_retried_for_every_operation(
    operation: Operation[Any, Any],
    status: int,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    fast_time: FastTime,
) -> None:
    """Row 13: a 429 or 503 means the request was not processed: retried everywhere."""
    busy = respond(status, {"resultCode": "A001101"}, {"Retry-After": "1"})
    server = await raw_server_factory(sequence([busy, respond(200, answer(operation))]))
    client = await client_factory(server.url)
    assert (await call(client, operation)).result_code == "A000000"
    assert len(server.requests) == 2
    assert fast_time.sleeps == [1.0]


@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
async def test_a_refused_connection_is_retried_for_every_operation(
    operation: Operation[Any, Any], closed_port: int, client_factory: ClientFactory
) -> None:
    """Row 1: nothing was sent: every operation tries again (then reports "not sent")."""
    client = await client_factory(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(AuthleteTransportError) as info:
        await call(client, operation)
    assert (info.value.may_have_reached, info.value.attempts) == (False, 3)


@pytest.mark.parametrize("operation", OPERATIONS, ids=ids)
async def test_the_caller_may_retry_ambiguous_failures_of_any_operation(
    operation: Operation[Any, Any],
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
) -> None:
    """``retry_ambiguous=True`` retries a reset after sending for every operation, and
    ``False`` for none."""
    script = sequence([reset_after_request(), respond(200, answer(operation))])
    eager = await client_factory((await raw_server_factory(script)).url)
    response = await eager.call(
        operation, full(operation.request), retry=RetryPolicy(retry_ambiguous=True)
    )
    assert response.result_code == "A000000"
    strict = await client_factory((await raw_server_factory(script)).url)
    with pytest.raises(AuthleteTransportError):
        await strict.call(
            operation, full(operation.request), retry=RetryPolicy(retry_ambiguous=False)
        )
