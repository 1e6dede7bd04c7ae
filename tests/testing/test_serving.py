"""Serving: serve(), serve_in_thread(), the pytest fixture, the CLI and the real client."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from typing import Any

import aiohttp
import pytest

import aioauthlete.testing
from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    AuthleteClient,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    FailAction,
    FailReason,
)
from aioauthlete.testing import AuthleteEmulator, RunningEmulator
from aioauthlete.testing import pytest_plugin as plugin_module
from tests.testing.support import EXTRA_SERVICE_ID, SECRET, TOKEN, ciba_request


def _post_sync(url: str, body: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": authorization},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


async def test_serve_binds_loopback_on_a_free_port_and_closes_it(
    emulator: AuthleteEmulator,
) -> None:
    """serve() yields http://127.0.0.1:<port>; after exit nothing listens there."""
    async with emulator.serve() as base_url:
        host, _, port = base_url.removeprefix("http://").rpartition(":")
        assert host == "127.0.0.1"
        assert int(port) > 0
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorError):
            await session.post(base_url + "/api/backchannel/authentication/fail")


async def test_serve_on_ipv6_loopback_brackets_the_host(emulator: AuthleteEmulator) -> None:
    """An IPv6 address is written in brackets in the base URL, and answers there."""
    if not _ipv6_loopback_works():
        pytest.skip("no IPv6 loopback here")
    async with (
        emulator.serve(host="::1") as base_url,
        aiohttp.ClientSession() as session,
        session.post(base_url + "/api/backchannel/authentication/fail") as response,
    ):
        status = response.status
    assert base_url.startswith("http://[::1]:")
    assert status == 401


def _ipv6_loopback_works() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


async def test_two_serves_of_one_emulator_share_its_tickets(emulator: AuthleteEmulator) -> None:
    """Each serve() builds a fresh app, but the store and stats are the emulator's own."""
    [ticket] = emulator.tickets.issue_tickets(1)
    async with emulator.serve() as first, emulator.serve() as second:
        assert first != second
        async with AuthleteClient(**emulator.client_kwargs(second)) as client:
            request = BackchannelAuthenticationFailRequest(
                ticket=ticket, reason=FailReason.ACCESS_DENIED
            )
            response = await client.backchannel_authentication_fail(request)
    assert response.action is FailAction.FORBIDDEN
    assert not emulator.tickets.has_ticket(ticket)


async def test_client_kwargs_drive_the_real_client_in_every_form(
    emulator: AuthleteEmulator, base_url: str
) -> None:
    """AuthleteClient built from client_kwargs works with JSON, form and 2.x Basic calls."""
    one, two, three = emulator.tickets.issue_tickets(3)
    form = BackchannelAuthenticationFailApiFormRequest(
        service_id=EXTRA_SERVICE_ID,
        api_service_id_backchannel_authentication_fail=ApiServiceIdBackchannelAuthenticationFail(
            ticket=two, reason=FailReason.UNKNOWN_USER_ID, error_description="who?"
        ),
    )
    async with AuthleteClient(**emulator.client_kwargs(base_url)) as v3:
        denied = await v3.backchannel_authentication_fail(
            BackchannelAuthenticationFailRequest(ticket=one, reason=FailReason.ACCESS_DENIED)
        )
        unknown = await v3.backchannel_authentication_fail(form)
    async with AuthleteClient(**emulator.client_kwargs(base_url, api_version="V2")) as v2:
        server = await v2.backchannel_authentication_fail(
            BackchannelAuthenticationFailRequest(ticket=three, reason=FailReason.SERVER_ERROR)
        )
    assert denied.response_content == '{"error":"access_denied"}'
    assert unknown.action is FailAction.BAD_REQUEST
    assert unknown.response_content == '{"error":"unknown_user_id","error_description":"who?"}'
    assert server.action is FailAction.INTERNAL_SERVER_ERROR
    assert len(emulator.tickets) == 0
    assert emulator.stats.recent[-1].headers["Authorization"] == "Basic <redacted>"


def test_serve_in_thread_answers_sync_code(emulator: AuthleteEmulator) -> None:
    """A sync caller (urllib) gets answers from the threaded server, then it stops."""
    [ticket] = emulator.tickets.issue_tickets(1)
    with emulator.serve_in_thread() as base_url:
        url = f"{base_url}/api/715948317/backchannel/authentication/fail"
        status, body = _post_sync(url, {"ticket": ticket}, f"Bearer {TOKEN}")
    assert (status, body["action"]) == (200, "INTERNAL_SERVER_ERROR")
    with pytest.raises(OSError, match="refused"):
        _post_sync(url, {"ticket": ticket}, f"Bearer {TOKEN}")


async def test_serve_in_thread_serves_another_event_loop(emulator: AuthleteEmulator) -> None:
    """The threaded server runs its own loop, so this test's loop can call it."""
    with emulator.serve_in_thread() as base_url:
        async with AuthleteClient(**emulator.client_kwargs(base_url)) as client:
            emulator.faults.fail_next(status=500)
            response = await client.backchannel_authentication_fail(
                BackchannelAuthenticationFailRequest(ticket="x", reason=FailReason.INVALID_TARGET)
            )
    assert response.result_code == "A185291"  # retried after the 500, then unknown ticket
    assert emulator.stats.statuses == {500: 1, 200: 1}


def test_serve_in_thread_raises_startup_errors_in_the_caller(
    emulator: AuthleteEmulator,
) -> None:
    """A port that cannot be bound fails the with-statement, not a background thread."""
    with emulator.serve_in_thread() as base_url:
        port = int(base_url.rpartition(":")[2])
        with pytest.raises(OSError, match="in use"), emulator.serve_in_thread(port=port):
            pass


def test_emulator_logs_neither_token_nor_ticket(
    emulator: AuthleteEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing logged while serving (DEBUG on) contains the token, secret or ticket."""
    caplog.set_level(logging.DEBUG)
    [ticket] = emulator.tickets.issue_tickets(1)
    with emulator.serve_in_thread() as base_url:
        emulator.faults.drop_next()
        url = f"{base_url}/api/715948317/backchannel/authentication/fail"
        with pytest.raises(OSError, match=r"closed|Remote end"):
            _post_sync(url, {"ticket": ticket}, f"Bearer {TOKEN}")
        _post_sync(url, {"ticket": ticket}, f"Bearer {TOKEN}")
    logged = caplog.text
    assert caplog.records  # the capture does see records from the server's thread
    assert emulator.stats.requests == 2
    assert all(secret not in logged for secret in (TOKEN, SECRET, ticket))


# -- the pytest plugin ---------------------------------------------------------------------


def test_plugin_is_registered_through_the_entry_point(pytestconfig: pytest.Config) -> None:
    """Installing aioauthlete registers the plugin under the name 'aioauthlete'."""
    assert pytestconfig.pluginmanager.get_plugin("aioauthlete") is plugin_module


def test_fixture_serves_a_sync_test(authlete_emulator: RunningEmulator) -> None:
    """The fixture's emulator answers a sync caller with the fixture's credentials."""
    [ticket] = authlete_emulator.tickets.issue_tickets(1)
    kwargs = authlete_emulator.client_kwargs()
    url = f"{authlete_emulator.base_url}/api/{kwargs['service_id']}/backchannel/authentication/fail"
    status, body = _post_sync(
        url, {"ticket": ticket, "reason": "ACCESS_DENIED"}, f"Bearer {kwargs['access_token']}"
    )
    assert (status, body["action"]) == (200, "FORBIDDEN")
    assert authlete_emulator.stats.requests == 1


async def test_fixture_serves_the_real_client(authlete_emulator: RunningEmulator) -> None:
    """An AuthleteClient on this test's loop talks to the fixture's threaded emulator."""
    [ticket] = authlete_emulator.tickets.issue_tickets(1)
    async with AuthleteClient(**authlete_emulator.client_kwargs()) as client:
        response = await client.backchannel_authentication_fail(
            BackchannelAuthenticationFailRequest(ticket=ticket, reason=FailReason.ACCESS_DENIED)
        )
    assert response.action is FailAction.FORBIDDEN
    assert authlete_emulator.base_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    "authlete_emulator_options", [{"service_id": "42", "accept_any_ticket": True, "environ": {}}]
)
def test_fixture_options_can_be_overridden(authlete_emulator: RunningEmulator) -> None:
    """Parametrizing authlete_emulator_options configures the fixture's emulator."""
    emulator = authlete_emulator.emulator
    assert emulator.service_id == "42"
    assert emulator.accept_any_ticket is True
    assert authlete_emulator.client_kwargs()["service_id"] == "42"


def test_fixture_exposes_clients_users_and_auth_requests(
    authlete_emulator: RunningEmulator,
) -> None:
    """The fixture's shortcuts reach the registered clients, the users and the issued
    auth_req_ids, for a sync test driving the flow over urllib."""
    kwargs = authlete_emulator.client_kwargs()
    poll = authlete_emulator.clients.first()
    assert poll is not None
    url = f"{authlete_emulator.base_url}/api/{kwargs['service_id']}/backchannel/authentication"
    parameters = ciba_request(poll)
    bearer = f"Bearer {kwargs['access_token']}"
    _, started = _post_sync(url, {"parameters": parameters}, bearer)
    _, issued = _post_sync(url + "/issue", {"ticket": started["ticket"]}, bearer)
    assert issued["authReqId"] in authlete_emulator.auth_requests
    user = authlete_emulator.users.identify(started["hintType"], started["hint"])
    assert user is not None
    assert user.login == "alice"


# -- packaging and the command line ----------------------------------------------------------


def test_testing_package_does_not_import_pytest() -> None:
    """Importing aioauthlete.testing in a fresh interpreter leaves pytest unimported."""
    code = "import sys, aioauthlete.testing; print('pytest' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "False"


def test_public_names_are_exported() -> None:
    """Every name of __all__ is importable, and the assumptions text is there to read."""
    for name in aioauthlete.testing.__all__:
        assert hasattr(aioauthlete.testing, name), name
    assert "UNKNOWN_TICKET" in aioauthlete.testing.ASSUMPTIONS


async def test_module_command_line_is_the_emulator_command_and_stops_on_ctrl_c() -> None:
    """python -m aioauthlete.testing runs 'aioauthlete emulator': the same key-value lines
    (base_url first, tickets, the default clients), served until SIGINT, then exit 0."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aioauthlete.testing",
        "--tickets",
        "2",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("AUTHLETE_")},
    )
    assert process.stdout is not None
    try:
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 20)).decode().rstrip("\n")
            for _ in range(9)
        ]
        fields = [line.split(" ", 1) for line in lines]
        tickets = [value for key, value in fields if key == "ticket"]
        kwargs = AuthleteEmulator(environ={}).client_kwargs(fields[0][1])
        async with AuthleteClient(**kwargs) as client:
            response = await client.backchannel_authentication_fail(
                BackchannelAuthenticationFailRequest(
                    ticket=tickets[0], reason=FailReason.ACCESS_DENIED
                )
            )
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert lines[0].startswith("base_url http://127.0.0.1:")
    assert [key for key, _ in fields] == [
        "base_url",
        "service_id",
        "access_token",
        "api_secret",
        "ticket",
        "ticket",
        "client",
        "client",
        "client",
    ]
    assert [len(t) for t in tickets] == [43, 43]
    assert response.action is FailAction.FORBIDDEN
    assert process.returncode == 0
    assert b"Traceback" not in stderr
