"""No secret of the flow in a log record, an answer's or an outcome's repr, an error, or
the locals a traceback keeps: the notification token, the client secret, the Authlete
token, the user code, the login hint token, pushed tokens and the ticket (the leak check
of conftest.py runs after every test; these tests hand it everything they can reach)."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from pathlib import Path

import pytest
from aioresponses import aioresponses

import aioauthlete
from aioauthlete import (
    AuthleteClient,
    BackchannelAuthenticationCompleteResponse,
    CompleteAction,
    DeliveryMode,
)
from aioauthlete.ciba import (
    Authorized,
    BackchannelAuthenticationHandler,
    ClientRequest,
    CompleteHandler,
    NotificationPolicy,
    NotificationSender,
)
from tests.ciba.conftest import Watch
from tests.ciba.delivering import never_answering
from tests.ciba.hooks import ScriptedHooks
from tests.ciba.support import (
    ACCESS_TOKEN,
    AUTH_REQ_ID,
    AUTHENTICATION_URL,
    BASIC,
    BODY,
    CANARIES,
    CLIENT_SECRET,
    COMPLETE_URL,
    HINT_TOKEN,
    ISSUE_URL,
    ISSUED,
    NOTIFICATION_TOKEN,
    TICKET,
    TOKEN_,
    USER_CODE,
    completed,
    identification,
)
from tests.faults.fixtures import RawServerFactory
from tests.faults.scripts import respond

LIBRARY = str(Path(aioauthlete.__file__).parent)
PUSHED = json.dumps({"auth_req_id": AUTH_REQ_ID, "access_token": ACCESS_TOKEN})


class Completing(ScriptedHooks):
    """Approves in the device step and keeps what the complete handler answered."""

    def __init__(self, complete: CompleteHandler) -> None:
        super().__init__()
        self.complete = complete
        self.outcomes: list[object] = []

    async def start_authentication(self, device: object) -> None:
        from aioauthlete.ciba import DeviceRequest

        assert isinstance(device, DeviceRequest)
        self.devices.append(device)
        self.outcomes.append(await self.complete.complete(device.ticket, Authorized(subject="j")))


async def test_a_whole_push_flow_with_a_failing_endpoint_shows_no_secret(
    mocked: aioresponses,
    client: AuthleteClient,
    raw_server_factory: RawServerFactory,
    watch: Watch,
) -> None:
    server = await raw_server_factory(respond(503, f"no {NOTIFICATION_TOKEN}"))
    mocked.post(
        AUTHENTICATION_URL,
        payload=identification(
            hintType="LOGIN_HINT_TOKEN", hint=HINT_TOKEN, userCode=USER_CODE, deliveryMode="PUSH"
        ),
    )
    mocked.post(ISSUE_URL, payload=ISSUED)
    mocked.post(
        COMPLETE_URL,
        payload=completed(
            "NOTIFICATION",
            deliveryMode="PUSH",
            clientNotificationEndpoint=server.url + "/cb",
            clientNotificationToken=NOTIFICATION_TOKEN,
            authReqId=AUTH_REQ_ID,
            accessToken=ACCESS_TOKEN,
            responseContent=PUSHED,
        ),
    )
    async with CompleteHandler(client) as complete:
        hooks = Completing(complete)
        async with BackchannelAuthenticationHandler(client, hooks, complete=complete) as handler:
            request = ClientRequest(body=BODY, authorization=BASIC)
            answer = await handler.handle(request)
            await handler.drain()
    assert answer.status == 200
    [outcome] = hooks.outcomes
    assert not outcome.notified  # type: ignore[attr-defined]
    watch.add(request, answer, hooks.devices[0], outcome, outcome.delivery)  # type: ignore[attr-defined]
    assert any("not delivered" in m for m in watch.messages(logging.WARNING))


async def test_secrets_an_authlete_error_echoes_are_masked_in_the_log(
    mocked: aioresponses, client: AuthleteClient, watch: Watch
) -> None:
    echo = f"bad token {TOKEN_} for secret {CLIENT_SECRET}"
    mocked.post(AUTHENTICATION_URL, status=400, payload={"resultCode": "A1", "resultMessage": echo})
    async with CompleteHandler(client) as complete:
        handler = BackchannelAuthenticationHandler(client, ScriptedHooks(), complete=complete)
        answer = await handler.handle(ClientRequest(body=BODY, authorization=BASIC))
    assert answer.status == 500
    [record] = watch.records(logging.ERROR)
    assert "<redacted>" in record.getMessage()


async def test_a_cancelled_delivery_leaves_no_token_in_the_librarys_frames(
    raw_server_factory: RawServerFactory, watch: Watch
) -> None:
    arrived = asyncio.Event()
    server = await raw_server_factory(never_answering(arrived))
    response = BackchannelAuthenticationCompleteResponse(
        result_code="A",
        action=CompleteAction.NOTIFICATION,
        delivery_mode=DeliveryMode.PUSH,
        client_notification_endpoint=server.url + "/cb",
        client_notification_token=NOTIFICATION_TOKEN,
        response_content=PUSHED,
        auth_req_id=AUTH_REQ_ID,
    )
    async with NotificationSender(policy=NotificationPolicy(attempt=5.0)) as sender:
        delivery = asyncio.create_task(sender.deliver(response))
        await arrived.wait()
        delivery.cancel()
        with pytest.raises(asyncio.CancelledError) as info:
            await delivery
    texts = ["".join(traceback.format_exception(info.value))]
    library_frames = 0
    for frame, _ in traceback.walk_tb(info.value.__traceback__):
        if frame.f_code.co_filename.startswith(LIBRARY):
            library_frames += 1
            texts.extend(f"{name}={value!r}" for name, value in frame.f_locals.items())
    assert library_frames > 0
    for text in texts:
        for name, value in CANARIES.items():
            assert value not in text, f"the {name} is in a frame's locals: {text[:300]}"
    watch.add(info.value)


def test_the_ticket_and_tokens_in_the_canaries_are_distinct() -> None:
    """The leak check means something only if each canary is its own value."""
    values = list(CANARIES.values())
    assert len(set(values)) == len(values)
    assert TICKET in values
