"""Notification delivery against real loopback servers: what counts as delivered, each
failure's problem, each delivery mode's retry rule, the bounds in time, TLS and pooling."""

from __future__ import annotations

import time

import pytest

from aioauthlete import DeliveryMode
from aioauthlete.ciba import DeliveryProblem, NotificationPolicy, NotificationSender
from tests.ciba.delivering import FAST, PING, PUSH, notify
from tests.ciba.support import AUTH_REQ_ID, NOTIFICATION_TOKEN, SkippedWaits
from tests.faults.fixtures import RawServerFactory
from tests.faults.scripts import (
    endless_body,
    no_answer,
    reset_after_request,
    respond,
    sequence,
    trickle_body,
)


@pytest.mark.parametrize("status", [200, 204])
async def test_200_and_204_are_delivered_with_the_bearer_token_and_the_json(
    raw_server_factory: RawServerFactory, sender: NotificationSender, status: int
) -> None:
    server = await raw_server_factory(respond(status, b"ignored" if status == 200 else b""))
    delivery = await notify(sender, server.url)
    assert (delivery.delivered, delivery.status, delivery.attempts) == (True, status, 1)
    assert delivery.problem is None
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/cb?x=1")
    assert request.headers["authorization"] == f"Bearer {NOTIFICATION_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"auth_req_id": AUTH_REQ_ID}


@pytest.mark.parametrize("status", [201, 202, 400, 401, 404])
@pytest.mark.parametrize("mode", [PING, PUSH])
async def test_any_other_status_is_refused_and_not_retried(
    raw_server_factory: RawServerFactory,
    sender: NotificationSender,
    status: int,
    mode: DeliveryMode,
) -> None:
    server = await raw_server_factory(respond(status))
    delivery = await notify(sender, server.url, mode)
    assert (delivery.delivered, delivery.problem) == (False, DeliveryProblem.REFUSED)
    assert (delivery.status, delivery.attempts, delivery.may_have_reached) == (status, 1, True)
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", [PING, PUSH])
async def test_a_redirect_is_a_failure_and_never_followed(
    raw_server_factory: RawServerFactory, sender: NotificationSender, mode: DeliveryMode
) -> None:
    server = await raw_server_factory(respond(302, b"", {"Location": "/elsewhere"}))
    delivery = await notify(sender, server.url, mode)
    assert (delivery.problem, delivery.status) == (DeliveryProblem.REDIRECT, 302)
    assert [r.path for r in server.requests] == ["/cb?x=1"]
    assert "redirects are not followed" in delivery.detail


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_a_ping_is_sent_again_after_throttling_or_a_server_error(
    raw_server_factory: RawServerFactory,
    sender: NotificationSender,
    waits: SkippedWaits,
    status: int,
) -> None:
    server = await raw_server_factory(sequence([respond(status), respond(204)]))
    delivery = await notify(sender, server.url, PING)
    assert (delivery.delivered, delivery.attempts) == (True, 2)
    assert waits.sleeps == [0.5 * FAST.wait_initial]
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_a_push_is_not_sent_again_after_it_was_answered(
    raw_server_factory: RawServerFactory, sender: NotificationSender, status: int
) -> None:
    server = await raw_server_factory(sequence([respond(status), respond(204)]))
    delivery = await notify(sender, server.url, PUSH)
    assert (delivery.problem, delivery.attempts, delivery.may_have_reached) == (
        DeliveryProblem.REFUSED,
        1,
        True,
    )
    assert len(server.requests) == 1


async def test_a_ping_gives_up_after_its_attempts(
    raw_server_factory: RawServerFactory, sender: NotificationSender, waits: SkippedWaits
) -> None:
    server = await raw_server_factory(respond(503))
    delivery = await notify(sender, server.url, PING)
    assert (delivery.problem, delivery.status, delivery.attempts) == (
        DeliveryProblem.REFUSED,
        503,
        3,
    )
    assert waits.sleeps == [0.1, 0.2]  # full jitter (0.5 drawn) under 0.2 * 2 ** (n - 1)
    assert len(server.requests) == 3


@pytest.mark.parametrize("mode", [PING, PUSH, None])
async def test_a_refused_connection_is_retried_in_every_mode_since_nothing_was_sent(
    sender: NotificationSender, closed_port: int, mode: DeliveryMode | None
) -> None:
    delivery = await notify(sender, f"http://127.0.0.1:{closed_port}", mode)
    assert (delivery.problem, delivery.attempts) == (DeliveryProblem.NOT_CONNECTED, 3)
    assert delivery.may_have_reached is False
    assert "cannot connect to 127.0.0.1" in delivery.detail


async def test_a_connect_timeout_is_retried_for_a_push_since_nothing_was_sent(
    sender: NotificationSender, backlog_full_port: int
) -> None:
    started = time.monotonic()
    delivery = await notify(sender, f"http://127.0.0.1:{backlog_full_port}", PUSH)
    assert (delivery.problem, delivery.attempts) == (DeliveryProblem.NOT_CONNECTED, 3)
    assert delivery.may_have_reached is False
    assert time.monotonic() - started < 3 * FAST.attempt + 1.0


async def test_a_ping_without_an_answer_times_out_and_is_retried(
    raw_server_factory: RawServerFactory, sender: NotificationSender
) -> None:
    server = await raw_server_factory(no_answer())
    started = time.monotonic()
    delivery = await notify(sender, server.url, PING)
    assert (delivery.problem, delivery.attempts) == (DeliveryProblem.TIMEOUT, 3)
    assert delivery.may_have_reached is True
    assert len(server.requests) == 3
    assert time.monotonic() - started < 3 * FAST.attempt + 1.0


async def test_a_push_without_an_answer_times_out_once(
    raw_server_factory: RawServerFactory, sender: NotificationSender
) -> None:
    server = await raw_server_factory(no_answer())
    delivery = await notify(sender, server.url, PUSH)
    assert (delivery.problem, delivery.attempts, delivery.may_have_reached) == (
        DeliveryProblem.TIMEOUT,
        1,
        True,
    )
    assert len(server.requests) == 1


async def test_a_connection_lost_after_sending_is_retried_for_a_ping_only(
    raw_server_factory: RawServerFactory, sender: NotificationSender
) -> None:
    ping_server = await raw_server_factory(sequence([reset_after_request(), respond(204)]))
    assert (await notify(sender, ping_server.url, PING)).attempts == 2
    push_server = await raw_server_factory(sequence([reset_after_request(), respond(204)]))
    delivery = await notify(sender, push_server.url, PUSH)
    assert (delivery.problem, delivery.attempts) == (DeliveryProblem.CONNECTION_LOST, 1)
    assert len(push_server.requests) == 1


async def test_a_slow_body_after_a_200_is_delivered_without_waiting_for_it(
    raw_server_factory: RawServerFactory, sender: NotificationSender
) -> None:
    server = await raw_server_factory(trickle_body(0.05, count=200))
    started = time.monotonic()
    delivery = await notify(sender, server.url, PUSH)
    assert (delivery.delivered, delivery.status, delivery.attempts) == (True, 200, 1)
    assert time.monotonic() - started < FAST.attempt + 1.0


async def test_an_endless_body_is_read_up_to_the_cap_only(
    raw_server_factory: RawServerFactory, sender: NotificationSender
) -> None:
    server = await raw_server_factory(endless_body())
    started = time.monotonic()
    delivery = await notify(sender, server.url, PING)
    assert (delivery.delivered, delivery.attempts) == (True, 1)
    assert time.monotonic() - started < FAST.attempt  # the cap, not the timer, ended it


async def test_the_deadline_bounds_the_whole_delivery(
    raw_server_factory: RawServerFactory, waits: SkippedWaits
) -> None:
    server = await raw_server_factory(no_answer())
    policy = NotificationPolicy(total=0.5, attempt=0.4, attempts=10)
    async with NotificationSender(policy=policy, sleep=waits.sleep, clock=waits.clock) as sender:
        started = time.monotonic()
        delivery = await notify(sender, server.url, PING)
    assert delivery.problem is DeliveryProblem.TIMEOUT
    assert delivery.attempts < 10
    assert time.monotonic() - started < 2.0
