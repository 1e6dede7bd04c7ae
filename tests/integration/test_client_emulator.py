"""The client against the emulator over real loopback sockets."""

from __future__ import annotations

import asyncio
import json

import pytest

from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    AuthleteApiError,
    AuthleteClient,
    AuthleteTimeoutError,
    AuthleteTransportError,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    FailAction,
    FailReason,
    RetryPolicy,
    TimeoutPolicy,
)
from aioauthlete.operations import FAIL
from aioauthlete.testing import AuthleteEmulator, EmulatorResult, RunningEmulator
from tests.helpers import SERVICE_ID, TOKEN
from tests.helpers import fail_request as request
from tests.integration.conftest import EXTRA_SERVICE_ID, FAST_RETRY


@pytest.mark.parametrize("reason", list(FailReason))
async def test_each_reason_gets_its_documented_action(
    reason: FailReason, emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """Every reason is answered with the documented action and OAuth error, and the ticket goes."""
    [ticket] = emulator.tickets.issue_tickets(1)
    response = await client.backchannel_authentication_fail(
        BackchannelAuthenticationFailRequest(ticket=ticket, reason=reason, error_description="why")
    )
    assert response.action is reason.action
    assert response.result_code == EmulatorResult.SUCCESS.code
    assert response.response_content is not None
    assert json.loads(response.response_content) == {
        "error": reason.error_code,
        "error_description": "why",
    }
    assert not emulator.tickets.has_ticket(ticket)


async def test_unknown_ticket_is_an_internal_server_error_answer(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """Failing a ticket twice: the second answer is INTERNAL_SERVER_ERROR, not an exception."""
    [ticket] = emulator.tickets.issue_tickets(1)
    await client.backchannel_authentication_fail(request(ticket))
    again = await client.backchannel_authentication_fail(request(ticket))
    assert again.action is FailAction.INTERNAL_SERVER_ERROR
    assert again.result_code == EmulatorResult.UNKNOWN_TICKET.code
    assert emulator.stats.ticket_hits[ticket] == 2


async def test_v3_sends_json_to_the_service_path(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """The server sees the V3 path, a JSON body and a redacted Bearer header."""
    [ticket] = emulator.tickets.issue_tickets(1)
    await client.backchannel_authentication_fail(request(ticket))
    [record] = list(emulator.stats.recent)
    assert record.path == f"/api/{SERVICE_ID}/backchannel/authentication/fail"
    assert record.content_type == "application/json"
    assert TOKEN not in repr(record)


async def test_v2_basic_auth_works_end_to_end(emulator: AuthleteEmulator, base_url: str) -> None:
    """A 2.x client authenticates with the service API key and secret on the short path."""
    [ticket] = emulator.tickets.issue_tickets(1)
    async with AuthleteClient(**emulator.client_kwargs(base_url, api_version="V2")) as client:
        response = await client.backchannel_authentication_fail(request(ticket))
    assert response.action is FailAction.FORBIDDEN
    assert emulator.stats.recent[-1].path == "/api/backchannel/authentication/fail"


async def test_form_request_reaches_its_own_service(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """The seed's model goes form-encoded to the other service the token serves."""
    [ticket] = emulator.tickets.issue_tickets(1)
    body = ApiServiceIdBackchannelAuthenticationFail(
        ticket=ticket, reason=FailReason.UNKNOWN_USER_ID
    )
    form = BackchannelAuthenticationFailApiFormRequest(
        service_id=EXTRA_SERVICE_ID, api_service_id_backchannel_authentication_fail=body
    )
    response = await client.backchannel_authentication_fail(form)
    assert response.action is FailAction.BAD_REQUEST
    record = emulator.stats.recent[-1]
    assert record.path == f"/api/{EXTRA_SERVICE_ID}/backchannel/authentication/fail"
    assert record.content_type == "application/x-www-form-urlencoded"


async def test_wrong_token_is_a_definitive_401(emulator: AuthleteEmulator, base_url: str) -> None:
    """Bad credentials raise AuthleteApiError 401 after exactly one request."""
    kwargs = emulator.client_kwargs(base_url)
    kwargs["access_token"] = "not-the-token"
    async with AuthleteClient(**kwargs) as client:
        with pytest.raises(AuthleteApiError) as info:
            await client.backchannel_authentication_fail(request("t"))
    assert info.value.status == 401
    assert info.value.result_code == EmulatorResult.BAD_CREDENTIALS.code
    assert emulator.stats.requests == 1


async def test_service_the_token_does_not_cover_is_a_definitive_403(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """The emulator answers a service the token does not cover with 403 and a result
    body (the spec's numeric 404 is read as text by the unit tests of the protocol)."""
    kwargs = emulator.client_kwargs(base_url)
    kwargs["service_id"] = "999"
    async with AuthleteClient(**kwargs) as client:
        with pytest.raises(AuthleteApiError) as info:
            await client.backchannel_authentication_fail(request("t"))
    assert (info.value.status, info.value.result_code) == (403, "A001293")
    assert emulator.stats.requests == 1


async def test_503_with_retry_after_is_retried_to_an_answer(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """Two 503s with Retry-After 0, then the real answer: three requests at the server."""
    [ticket] = emulator.tickets.issue_tickets(1)
    emulator.faults.fail_ticket(ticket, [503, 503], retry_after=0)
    response = await client.backchannel_authentication_fail(request(ticket))
    assert response.action is FailAction.FORBIDDEN
    assert emulator.stats.ticket_hits[ticket] == 3
    assert emulator.stats.statuses[503] == 2


async def test_lost_answer_then_retry_reports_the_ambiguity(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """The first attempt deletes the ticket but its answer is lost: the retry's answer is
    INTERNAL_SERVER_ERROR and the call is flagged ambiguous, never a made-up success."""
    [ticket] = emulator.tickets.issue_tickets(1)
    emulator.faults.drop_ticket(ticket, after_processing=True)
    answered = await client._call(FAIL, request(ticket), None, None)
    assert answered.response.action is FailAction.INTERNAL_SERVER_ERROR
    assert answered.response.result_code == EmulatorResult.UNKNOWN_TICKET.code
    assert answered.attempts == 2
    assert answered.ambiguous
    assert not emulator.tickets.has_ticket(ticket)


async def test_dropped_connections_exhaust_into_an_ambiguous_error(
    emulator: AuthleteEmulator, client: AuthleteClient
) -> None:
    """Three dropped connections: a transport error that says the request may have arrived."""
    emulator.faults.drop_next(3)
    with pytest.raises(AuthleteTransportError) as info:
        await client.backchannel_authentication_fail(request("t"))
    assert info.value.attempts == 3
    assert info.value.may_have_reached
    assert emulator.stats.requests == 3


async def test_slow_emulator_hits_the_attempt_timeout_then_the_deadline(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """A 0.5 s deadline over a server that takes 3 s returns within 2 s as a timeout."""
    emulator.faults.latency = 3.0
    async with AuthleteClient(
        **emulator.client_kwargs(base_url),
        retry=FAST_RETRY,
        timeout=TimeoutPolicy(total=0.5, attempt=0.2, connect=0.2),
    ) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(AuthleteTimeoutError) as info:
            await client.backchannel_authentication_fail(request("t"))
        assert loop.time() - started < 2.0
    assert info.value.may_have_reached
    assert isinstance(info.value, TimeoutError)
    assert emulator.stats.requests >= 2  # attempts of 0.2 s were retried within the deadline


async def test_pool_wait_is_not_charged_to_the_attempt(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """Twenty concurrent calls over two connections: queued calls wait, none times out."""
    emulator.faults.latency = 0.1
    tickets = emulator.tickets.issue_tickets(20)
    async with AuthleteClient(
        **emulator.client_kwargs(base_url),
        max_connections=2,
        retry=RetryPolicy(attempts=1),
        timeout=TimeoutPolicy(total=10.0, attempt=0.5),
    ) as client:
        responses = await asyncio.gather(
            *(client.backchannel_authentication_fail(request(t)) for t in tickets)
        )
    assert all(r.action is FailAction.FORBIDDEN for r in responses)
    assert emulator.stats.peak_in_flight <= 2
    assert emulator.stats.requests == 20


def test_pytest_fixture_serves_an_emulator_for_sync_callers(
    authlete_emulator: RunningEmulator,
) -> None:
    """The plugin's fixture works from a sync test with its own asyncio.run."""
    [ticket] = authlete_emulator.tickets.issue_tickets(1)

    async def main() -> FailAction:
        async with AuthleteClient(**authlete_emulator.client_kwargs()) as client:
            response = await client.backchannel_authentication_fail(request(ticket))
            return response.action

    assert asyncio.run(main()) is FailAction.FORBIDDEN
    assert authlete_emulator.stats.ticket_hits[ticket] == 1
