"""Notification delivery's limits against real loopback servers: the deadline, the
checks before any I/O, TLS, pooling, closing, cancellation and the slots in flight."""

from __future__ import annotations

import asyncio

import pytest

from aioauthlete.ciba import DeliveryProblem, NotificationPolicy, NotificationSender
from tests.ciba.delivering import CONTENT, FAST, PING, PUSH, never_answering, notify
from tests.ciba.support import NOTIFICATION_TOKEN, SkippedWaits
from tests.faults.fixtures import RawServerFactory
from tests.faults.scripts import (
    no_answer,
    respond,
)
from tests.faults.tls import TlsCA


@pytest.mark.parametrize(
    "endpoint",
    ["http://client.example/cb", "http://10.0.0.1/cb", "ftp://client.example/cb", None, ""],
)
async def test_an_endpoint_that_is_not_https_is_refused_before_any_io(
    sender: NotificationSender, endpoint: str | None
) -> None:
    delivery = await sender.notify(endpoint, NOTIFICATION_TOKEN, CONTENT, mode=PING)
    assert (delivery.problem, delivery.attempts) == (DeliveryProblem.INVALID_ENDPOINT, 0)
    assert sender._sessions == {}  # no session was even opened


@pytest.mark.parametrize("token", [None, "", "has space", "x" * 1025, "caf\u00e9", "a\r\nb"])
async def test_a_token_that_cannot_travel_in_a_header_is_refused_before_any_io(
    sender: NotificationSender, token: str | None
) -> None:
    delivery = await sender.notify("https://client.example/cb", token, CONTENT, mode=PING)
    assert (delivery.problem, delivery.attempts) == (DeliveryProblem.INVALID_TOKEN, 0)
    if token:
        assert token not in delivery.detail


async def test_https_is_verified_against_the_trust_given(
    raw_server_factory: RawServerFactory, tls_ca: TlsCA, waits: SkippedWaits
) -> None:
    server = await raw_server_factory(respond(204), ssl_context=tls_ca.server_context)
    async with NotificationSender(policy=FAST, ssl=tls_ca.client_context()) as trusting:
        assert (await notify(trusting, server.url, PUSH)).delivered
    async with NotificationSender(policy=FAST, sleep=waits.sleep) as default_trust:
        delivery = await notify(default_trust, server.url, PING)
    assert (delivery.problem, delivery.attempts) == (DeliveryProblem.NOT_CONNECTED, 1)
    assert len(server.requests) == 1  # the untrusted attempt sent nothing


async def test_pings_share_pooled_connections_and_each_push_gets_a_fresh_one(
    raw_server_factory: RawServerFactory, sender: NotificationSender
) -> None:
    pings = await raw_server_factory(respond(204))
    for _ in range(3):
        assert (await notify(sender, pings.url, PING)).delivered
    pushes = await raw_server_factory(respond(204))
    for _ in range(3):
        assert (await notify(sender, pushes.url, PUSH)).delivered
    assert (pings.connections, pushes.connections) == (1, 3)


async def test_a_closed_sender_sends_nothing(sender: NotificationSender) -> None:
    await sender.aclose()
    await sender.aclose()  # idempotent
    delivery = await sender.notify(
        "https://client.example/cb", NOTIFICATION_TOKEN, CONTENT, mode=PING
    )
    assert (delivery.problem, delivery.attempts) == (DeliveryProblem.CLOSED, 0)


async def test_closing_the_sender_ends_a_delivery_in_flight_as_closed(
    raw_server_factory: RawServerFactory, sender: NotificationSender
) -> None:
    arrived = asyncio.Event()
    server = await raw_server_factory(never_answering(arrived))
    delivery = asyncio.create_task(notify(sender, server.url, PING))
    await arrived.wait()
    await sender.aclose()
    outcome = await delivery
    assert (outcome.problem, outcome.attempts) == (DeliveryProblem.CLOSED, 1)


async def test_a_cancelled_delivery_raises_the_cancellation(
    raw_server_factory: RawServerFactory, sender: NotificationSender
) -> None:
    arrived = asyncio.Event()
    server = await raw_server_factory(never_answering(arrived))
    delivery = asyncio.create_task(notify(sender, server.url, PING))
    await arrived.wait()
    delivery.cancel()
    with pytest.raises(asyncio.CancelledError):
        await delivery
    assert (await notify(sender, (await raw_server_factory(respond(204))).url)).delivered


async def test_waiting_for_a_free_slot_counts_towards_the_deadline_and_sends_nothing(
    raw_server_factory: RawServerFactory,
) -> None:
    server = await raw_server_factory(no_answer())
    policy = NotificationPolicy(total=0.3, attempt=0.3, attempts=1)
    async with NotificationSender(policy=policy, max_connections=1) as sender:
        first = asyncio.create_task(notify(sender, server.url, PUSH))
        second = asyncio.create_task(notify(sender, server.url, PUSH))
        outcomes = await asyncio.gather(first, second)
    waited = [o for o in outcomes if o.attempts == 0]
    assert len(waited) == 1
    assert waited[0].problem is DeliveryProblem.TIMEOUT
    assert waited[0].may_have_reached is False
    assert len(server.requests) == 1
