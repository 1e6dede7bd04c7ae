"""The complete handler: each decision as Authlete receives it, and for NOTIFICATION the
delivery to the client's endpoint, with a typed outcome of both."""

from __future__ import annotations

import json
import logging

import pytest
from aioresponses import aioresponses

from aioauthlete import AuthleteApiError, AuthleteClient, CompleteAction, Property
from aioauthlete.ciba import (
    Authorized,
    CompleteHandler,
    DeliveryProblem,
    Denied,
    Failed,
    NotificationSender,
)
from tests.ciba.conftest import Watch
from tests.ciba.support import (
    ACCESS_TOKEN,
    AUTH_REQ_ID,
    COMPLETE_URL,
    NOTIFICATION_TOKEN,
    TICKET,
    completed,
)
from tests.faults.fixtures import RawServerFactory
from tests.faults.scripts import respond
from tests.unit.calls import sent, sent_json

PUSHED = json.dumps({"auth_req_id": AUTH_REQ_ID, "access_token": ACCESS_TOKEN})


@pytest.fixture
def handler(client: AuthleteClient, sender: NotificationSender) -> CompleteHandler:
    return CompleteHandler(client, sender=sender)


def notification(endpoint: str, mode: str = "PUSH", content: str = PUSHED) -> dict[str, object]:
    return completed(
        "NOTIFICATION",
        deliveryMode=mode,
        clientNotificationEndpoint=endpoint,
        clientNotificationToken=NOTIFICATION_TOKEN,
        authReqId=AUTH_REQ_ID,
        accessToken=ACCESS_TOKEN,
        responseContent=content,
    )


async def test_authorized_sends_the_subject_and_what_goes_with_it(
    mocked: aioresponses, handler: CompleteHandler
) -> None:
    mocked.post(COMPLETE_URL, payload=completed())
    decision = Authorized(
        subject="john",
        claims={"email": "john@example.com", "email_verified": True},
        auth_time=1700000000,
        acr="loa2",
        scopes=("openid", "email"),
        properties=(Property(key="k", value="v", hidden=True),),
    )
    outcome = await handler.complete(TICKET, decision)
    assert sent_json(mocked, COMPLETE_URL) == {
        "ticket": TICKET,
        "result": "AUTHORIZED",
        "subject": "john",
        "authTime": 1700000000,
        "acr": "loa2",
        "claims": '{"email": "john@example.com", "email_verified": true}',
        "properties": [{"key": "k", "value": "v", "hidden": True}],
        "scopes": ["openid", "email"],
    }
    assert outcome.action is CompleteAction.NO_ACTION
    assert (outcome.delivery, outcome.notified, outcome.error) == (None, False, None)


@pytest.mark.parametrize(
    ("decision", "result"),
    [
        (Denied(), "ACCESS_DENIED"),
        (Failed(), "TRANSACTION_FAILED"),
        (Denied(description="The user said no."), "ACCESS_DENIED"),
        (Failed(description="No answer in time."), "TRANSACTION_FAILED"),
    ],
)
async def test_denied_and_failed_send_their_result_and_description(
    mocked: aioresponses, handler: CompleteHandler, decision: Denied | Failed, result: str
) -> None:
    mocked.post(COMPLETE_URL, payload=completed())
    await handler.complete(TICKET, decision)
    expected: dict[str, object] = {"ticket": TICKET, "result": result}
    if decision.description is not None:
        expected["errorDescription"] = decision.description
    assert sent_json(mocked, COMPLETE_URL) == expected


def test_decisions_that_cannot_be_sent_are_refused_before_any_io() -> None:
    with pytest.raises(TypeError, match="subject must be a str"):
        Authorized(subject=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="subject must not contain control"):
        Authorized(subject="jo\nhn")
    with pytest.raises(TypeError, match="not JSON serializable"):
        Authorized(subject="john", claims={"when": object()})


async def test_a_ticket_that_cannot_be_sent_is_refused_and_nothing_is_sent(
    mocked: aioresponses, handler: CompleteHandler
) -> None:
    with pytest.raises(ValueError, match="ticket"):
        await handler.complete("two\nlines", Denied())
    with pytest.raises(TypeError, match="decision must be"):
        await handler.complete(TICKET, "AUTHORIZED")  # type: ignore[arg-type]
    assert sent(mocked, COMPLETE_URL) == []


@pytest.mark.parametrize("mode", ["PING", "PUSH"])
async def test_a_notification_is_delivered_and_the_outcome_says_so(
    mocked: aioresponses,
    handler: CompleteHandler,
    raw_server_factory: RawServerFactory,
    mode: str,
) -> None:
    server = await raw_server_factory(respond(204))
    mocked.post(COMPLETE_URL, payload=notification(server.url + "/cb", mode))
    outcome = await handler.complete(TICKET, Authorized(subject="john"))
    assert outcome.action is CompleteAction.NOTIFICATION
    assert outcome.notified
    assert outcome.delivery is not None
    assert (outcome.delivery.status, outcome.delivery.attempts) == (204, 1)
    [request] = server.requests
    assert request.headers["authorization"] == f"Bearer {NOTIFICATION_TOKEN}"
    assert request.body == PUSHED.encode()


async def test_a_notification_that_fails_is_reported_not_raised(
    mocked: aioresponses,
    handler: CompleteHandler,
    raw_server_factory: RawServerFactory,
    watch: Watch,
) -> None:
    server = await raw_server_factory(respond(500))
    mocked.post(COMPLETE_URL, payload=notification(server.url + "/cb", "PUSH"))
    outcome = await handler.complete(TICKET, Denied())
    assert outcome.response is not None
    assert outcome.delivery is not None
    assert not outcome.notified
    assert (outcome.delivery.problem, outcome.delivery.status) == (DeliveryProblem.REFUSED, 500)
    [warning] = watch.records(logging.WARNING)
    assert "notification not delivered mode=PUSH" in warning.getMessage()
    assert "problem=REFUSED" in warning.getMessage()
    watch.add(outcome)


async def test_a_notification_to_plain_http_elsewhere_is_refused_and_reported(
    mocked: aioresponses, handler: CompleteHandler
) -> None:
    mocked.post(COMPLETE_URL, payload=notification("http://client.example/cb"))
    outcome = await handler.complete(TICKET, Authorized(subject="john"))
    assert outcome.delivery is not None
    assert outcome.delivery.problem is DeliveryProblem.INVALID_ENDPOINT


@pytest.mark.parametrize("action", ["NO_ACTION", "SERVER_ERROR"])
async def test_no_notification_is_sent_unless_authlete_asks_for_one(
    mocked: aioresponses, handler: CompleteHandler, watch: Watch, action: str
) -> None:
    mocked.post(COMPLETE_URL, payload=completed(action))
    outcome = await handler.complete(TICKET, Denied())
    assert outcome.action == action
    assert outcome.delivery is None
    errors = watch.messages(logging.ERROR)
    assert bool(errors) is (action == "SERVER_ERROR")


async def test_a_failed_complete_call_is_the_outcomes_error(
    mocked: aioresponses, handler: CompleteHandler, watch: Watch
) -> None:
    mocked.post(COMPLETE_URL, status=400, payload={"resultCode": "A001", "resultMessage": "no"})
    outcome = await handler.complete(TICKET, Denied())
    assert outcome.response is None
    assert outcome.action is None
    assert isinstance(outcome.error, AuthleteApiError)
    assert outcome.error.status == 400
    assert any("complete call failed" in m for m in watch.messages(logging.ERROR))
    watch.add(outcome, outcome.error)


async def test_a_handler_closes_the_sender_it_made_and_leaves_a_given_one_open(
    client: AuthleteClient, sender: NotificationSender
) -> None:
    async with CompleteHandler(client) as owning:
        made = owning.sender
    assert made.closed
    async with CompleteHandler(client, sender=sender) as borrowing:
        assert borrowing.sender is sender
    assert not sender.closed


def test_the_outcome_repr_shows_no_token(mocked: aioresponses, watch: Watch) -> None:
    from aioauthlete import BackchannelAuthenticationCompleteResponse
    from aioauthlete.ciba import CompleteOutcome

    response = BackchannelAuthenticationCompleteResponse(
        result_code="A",
        action=CompleteAction.NOTIFICATION,
        client_notification_token=NOTIFICATION_TOKEN,
        access_token=ACCESS_TOKEN,
        auth_req_id=AUTH_REQ_ID,
        response_content=PUSHED,
    )
    outcome = CompleteOutcome(response=response)
    for secret in (NOTIFICATION_TOKEN, ACCESS_TOKEN, AUTH_REQ_ID):
        assert secret not in repr(outcome)
    watch.add(outcome)
