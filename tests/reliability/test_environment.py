"""Row 29: proxy variables and .netrc are ignored unless ``trust_env=True`` asks for them.

The "proxy" is a raw server that answers like the real endpoint and counts connections: a
plain-HTTP forward proxy receives the absolute URL as the request target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aioauthlete import AuthleteTransportError, FailAction
from tests.faults import respond
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import FAIL_PATH, OK_BODY, Canary, ClientFactory, Watch

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@pytest.fixture
def proxy_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No NO_PROXY, so that even loopback targets would go through a configured proxy."""
    for name in ("NO_PROXY", "no_proxy", "NETRC", *PROXY_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


async def test_proxy_variables_are_ignored_by_default(
    proxy_environment: pytest.MonkeyPatch,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 29: HTTP(S)_PROXY point at a fake proxy; the default client connects directly."""
    proxy = await raw_server_factory(respond(200, OK_BODY))
    server = await raw_server_factory(respond(200, OK_BODY))
    for name in PROXY_VARIABLES:
        proxy_environment.setenv(name, proxy.url)
    client = await client_factory(server.url)
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    assert proxy.connections == 0
    assert [r.path for r in server.requests] == [FAIL_PATH]


async def test_trust_env_sends_through_the_proxy(
    proxy_environment: pytest.MonkeyPatch,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 29: with ``trust_env=True`` the same variables route the call via the proxy."""
    proxy = await raw_server_factory(respond(200, OK_BODY))
    server = await raw_server_factory(respond(200, OK_BODY))
    for name in PROXY_VARIABLES:
        proxy_environment.setenv(name, proxy.url)
    client = await client_factory(server.url, trust_env=True)
    response = await client.backchannel_authentication_fail(canary.request())
    watch.add(response)
    assert response.action is FailAction.FORBIDDEN
    assert server.connections == 0
    assert [r.path for r in proxy.requests] == [server.url + FAIL_PATH]


def write_netrc(directory: Path) -> Path:
    netrc = directory / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    return netrc


async def test_netrc_is_ignored_by_default(
    proxy_environment: pytest.MonkeyPatch,
    tmp_path: Path,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 29: a matching .netrc entry changes nothing: the Bearer token goes, no Basic."""
    proxy_environment.setenv("NETRC", str(write_netrc(tmp_path)))
    server = await raw_server_factory(respond(200, OK_BODY))
    client = await client_factory(server.url)
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    assert server.requests[0].headers["authorization"] == f"Bearer {canary.token}"


async def test_netrc_with_trust_env_is_a_typed_error_before_sending(
    proxy_environment: pytest.MonkeyPatch,
    tmp_path: Path,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 29: ``trust_env=True`` plus a matching .netrc: aiohttp refuses to combine its
    credentials with our Authorization header; that refusal is an AuthleteTransportError
    (not sent, not retried) that says what to change, never aiohttp's own ValueError."""
    proxy_environment.setenv("NETRC", str(write_netrc(tmp_path)))
    server = await raw_server_factory(respond(200, OK_BODY))
    client = await client_factory(server.url, trust_env=True)
    error = await watch.fails(AuthleteTransportError, client)
    assert error.may_have_reached is False
    assert error.retryable is False
    assert error.attempts == 1
    assert ".netrc" in str(error)
    assert "trust_env" in str(error)
    assert "netrc-password" not in repr(error)
    assert server.connections == 0


async def test_netrc_with_trust_env_does_not_stop_a_batch(
    proxy_environment: pytest.MonkeyPatch,
    tmp_path: Path,
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 29: the same refusal in a batch is each ticket's outcome; every ticket has one."""
    proxy_environment.setenv("NETRC", str(write_netrc(tmp_path)))
    server = await raw_server_factory(respond(200, OK_BODY))
    client = await client_factory(server.url, trust_env=True)
    requests = [canary.request(ticket=f"t{n}") for n in range(5)]
    outcomes = await client.backchannel_authentication_fail_many(requests, concurrency=2)
    watch.add(*outcomes)
    assert [o.index for o in outcomes] == list(range(5))
    assert all(isinstance(o.error, AuthleteTransportError) for o in outcomes)
    assert not any(o.ambiguous for o in outcomes)
    assert server.connections == 0
