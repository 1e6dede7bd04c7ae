"""The Locust user against the emulator (served in this process, on 127.0.0.1), with Locust
running in a process of its own through its Environment API (``tests.locust.driver``)."""

from __future__ import annotations

from typing import Any

from aioauthlete.testing import DEFAULT_POLL_CLIENT, DEFAULT_USERS, RunningEmulator
from tests.faults.ports import closed_port
from tests.locust.support import run_driver

OPERATIONS = (
    "backchannel_authentication",
    "backchannel_authentication_issue",
    "backchannel_authentication_complete",
    "token",
    "backchannel_authentication_fail",
)


def calls_against(emulator: RunningEmulator) -> dict[str, Any]:
    alice = DEFAULT_USERS[0]
    return run_driver(
        "calls",
        {
            "base_url": emulator.base_url,
            "client_id": str(DEFAULT_POLL_CLIENT.client_id),
            "client_secret": DEFAULT_POLL_CLIENT.secret,
            "hint": alice.login,
            "subject": alice.subject,
        },
    )


def test_each_method_returns_its_typed_response_in_a_statistics_row_of_its_name(
    authlete_emulator: RunningEmulator,
) -> None:
    ran = calls_against(authlete_emulator)
    assert ran["answers"][:5] == [
        ["BackchannelAuthenticationResponse", "USER_IDENTIFICATION"],
        ["BackchannelAuthenticationIssueResponse", "OK"],
        ["BackchannelAuthenticationCompleteResponse", "NO_ACTION"],
        ["TokenResponse", "OK"],
        ["BackchannelAuthenticationFailResponse", "INTERNAL_SERVER_ERROR"],  # ticket used up
    ]
    rows = ran["rows"]
    assert {name: rows[name][0] for name in OPERATIONS[:4]} == dict.fromkeys(OPERATIONS[:4], 1)
    assert rows["fail, named"] == [1, 0]  # name= replaces the method's name
    served = authlete_emulator.stats.snapshot().operations
    assert dict(served) == {
        "authentication": 1,
        "issue": 1,
        "complete": 1,
        "token": 1,
        "fail": 3,
    }


def test_an_internal_server_error_action_is_a_success_unless_expect_says_otherwise(
    authlete_emulator: RunningEmulator,
) -> None:
    ran = calls_against(authlete_emulator)
    # Two fail calls under the method's name: as is (a success), and with expect=FORBIDDEN.
    assert ran["answers"][5] == ["BackchannelAuthenticationFailResponse", "INTERNAL_SERVER_ERROR"]
    assert ran["rows"]["backchannel_authentication_fail"] == [2, 1]
    assert ran["errors"] == [
        ["backchannel_authentication_fail", "unexpected action INTERNAL_SERVER_ERROR", 1]
    ]


def test_a_bad_request_raises_before_anything_is_sent_and_is_not_recorded(
    authlete_emulator: RunningEmulator,
) -> None:
    ran = calls_against(authlete_emulator)
    assert ran["refused"] == "ValueError"
    assert sum(requests for requests, _ in ran["rows"].values()) == 7  # the seven calls above
    assert authlete_emulator.stats.snapshot().requests == 7


def test_the_example_flow_runs_every_operation_without_a_failure(
    authlete_emulator: RunningEmulator,
) -> None:
    ran = run_driver("flow", {"base_url": authlete_emulator.base_url, "users": 10, "seconds": 2})
    rows = ran["rows"]
    assert set(rows) == set(OPERATIONS)
    assert ran["errors"] == []
    assert all(failures == 0 for _, failures in rows.values())
    # A flow is authentication, then fail or issue + complete + token: the counts agree
    # (a flow cut off when the run stopped may miss its last calls).
    authentications = rows["backchannel_authentication"][0]
    issued, failed = rows["backchannel_authentication_issue"][0], rows[OPERATIONS[4]][0]
    assert 0 <= authentications - (issued + failed) <= 10
    assert 0 <= issued - rows["token"][0] <= 10
    assert failed > 0
    assert issued > failed  # 0.2 of the flows fail, by default
    served = authlete_emulator.stats.snapshot()
    # Stopping the run cuts off each user's call in flight: sent, never recorded.
    assert 0 <= served.requests - sum(requests for requests, _ in rows.values()) <= 10
    assert set(served.statuses) == {200}


def test_request_listeners_get_what_locust_gives_them_for_each_call(
    authlete_emulator: RunningEmulator,
) -> None:
    refusing_url = f"http://127.0.0.1:{closed_port()}"
    said = run_driver(
        "listened",
        {"base_url": authlete_emulator.base_url, "ticket": "t" * 20, "refusing_url": refusing_url},
    )
    answered, unexpected, refused = said["seen"]
    service_id = authlete_emulator.client_kwargs()["service_id"]
    fail_path = f"/api/{service_id}/backchannel/authentication/fail"
    for event, base in ((answered, authlete_emulator.base_url), (refused, refusing_url)):
        assert event["url"] == base + fail_path
    for event in (answered, unexpected, refused):
        assert event["request_type"] == "POST"
        assert event["name"] == "backchannel_authentication_fail"
        assert event["context"] == {"tenant": "t1"}  # the user's context(), as Locust passes it
        assert event["timed"]
        assert event["started"]
    assert answered["exception"] is None
    assert answered["response"] == "FastResponse"
    assert answered["response_length"] > 0
    assert unexpected["exception"] == "unexpected action INTERNAL_SERVER_ERROR"
    assert unexpected["error"] == "NoneType"  # an answer, not an error
    assert refused["exception"].startswith("AuthleteTransportError: ")
    assert refused["error"] == "AuthleteTransportError"
    assert refused["response"] == "NoneType"
    assert refused["response_length"] == 0
