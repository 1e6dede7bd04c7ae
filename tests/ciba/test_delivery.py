"""The checks before a notification is sent, and the retry rule as a table."""

from __future__ import annotations

import pytest

from aioauthlete import DeliveryMode
from aioauthlete.ciba import Delivery, DeliveryProblem, NotificationPolicy
from aioauthlete.ciba._delivery import endpoint_problem, shown, token_problem, worth_retrying

PING, PUSH = DeliveryMode.PING, DeliveryMode.PUSH


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://client.example/cb",
        "https://client.example:8443/cb?tenant=1",
        "http://127.0.0.1:8080/cb",
        "http://127.5.6.7/cb",
        "http://[::1]:8080/cb",
        "http://localhost/cb",
    ],
)
def test_https_anywhere_and_http_towards_loopback_are_accepted(endpoint: str) -> None:
    assert endpoint_problem(endpoint) is None


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("http://client.example/cb", "must use https://"),
        ("http://192.168.1.2/cb", "must use https://"),
        ("http://localhost.example.com/cb", "must use https://"),
        ("ws://client.example/cb", "absolute https:// URL"),
        ("/cb", "absolute https:// URL"),
        ("https://user:pw@client.example/cb", "credentials"),
        ("https://client.example/cb#frag", "fragment"),
        ("https://client.example:99999/cb", "not a valid URL"),
        ("https://client.example/c b", "spaces"),
        ("https://client.example/\r\nX: y", "spaces, controls"),
        (None, "no client notification endpoint"),
        (42, "no client notification endpoint"),
    ],
)
def test_other_endpoints_are_refused_saying_why(endpoint: object, why: str) -> None:
    problem = endpoint_problem(endpoint)
    assert problem is not None
    assert why in problem


def test_a_token_is_refused_without_being_shown() -> None:
    assert token_problem("a" * 1024) is None
    for bad in (None, "", "a" * 1025, "two words", "tab\t"):
        problem = token_problem(bad)
        assert problem is not None
        if bad:
            assert bad not in problem


def test_records_show_the_endpoint_without_its_query() -> None:
    assert shown("https://client.example/cb?key=secret") == "https://client.example/cb"


def delivery(problem: DeliveryProblem, status: int | None = None, reached: bool = True) -> Delivery:
    return Delivery(
        delivered=False, attempts=1, problem=problem, status=status, may_have_reached=reached
    )


@pytest.mark.parametrize(
    ("outcome", "ping", "push"),
    [
        (delivery(DeliveryProblem.NOT_CONNECTED, reached=False), True, True),
        (delivery(DeliveryProblem.NOT_CONNECTED, reached=True), True, False),  # an earlier try
        (delivery(DeliveryProblem.TIMEOUT), True, False),
        (delivery(DeliveryProblem.CONNECTION_LOST), True, False),
        (delivery(DeliveryProblem.REFUSED, 503), True, False),
        (delivery(DeliveryProblem.REFUSED, 429), True, False),
        (delivery(DeliveryProblem.REFUSED, 400), False, False),
        (delivery(DeliveryProblem.REFUSED, 501), False, False),
        (delivery(DeliveryProblem.REDIRECT, 302), False, False),
    ],
)
def test_the_retry_rule_by_mode(outcome: Delivery, ping: bool, push: bool) -> None:
    assert worth_retrying(PING, outcome, retryable=True) is ping
    assert worth_retrying(PUSH, outcome, retryable=True) is push
    assert worth_retrying(None, outcome, retryable=True) is push  # unknown: push's rule
    assert worth_retrying(DeliveryMode.POLL, outcome, retryable=True) is push


def test_a_failure_a_retry_cannot_fix_is_never_retried() -> None:
    outcome = delivery(DeliveryProblem.NOT_CONNECTED, reached=False)  # a certificate refused
    assert worth_retrying(PING, outcome, retryable=False) is False


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("total", 0, ValueError),
        ("attempt", float("inf"), ValueError),
        ("connect", -1, ValueError),
        ("wait_max", "1", TypeError),
        ("attempts", 0, ValueError),
        ("max_body", -1, ValueError),
        ("attempts", 1.5, TypeError),
    ],
)
def test_a_policy_refuses_values_that_bound_nothing(field: str, value: object, error: type) -> None:
    with pytest.raises(error):
        NotificationPolicy(**{field: value})  # type: ignore[arg-type]
