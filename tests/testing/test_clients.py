"""Registered CIBA clients and users: the defaults, the registry, ``--client`` parsing
(refused with a clear usage error that never shows the secret), the user directory."""

from __future__ import annotations

import asyncio
import base64
import json
import signal

import aiohttp
import pytest

from aioauthlete._cli._app import build_parser
from aioauthlete._cli._emulator import configure
from aioauthlete.testing import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_CLIENTS,
    DEFAULT_PING_CLIENT,
    DEFAULT_POLL_CLIENT,
    DEFAULT_PUSH_CLIENT,
    DEFAULT_SERVICE_ID,
    AuthleteEmulator,
    CibaClient,
    ClientRegistry,
    User,
    UserDirectory,
    parse_client,
)
from tests.cli import cli_command, run_cli, subprocess_env
from tests.testing.support import ciba_request

SECRET = "s3cr3t-canary-7f1d"  # a test's secret, watched for in output


def test_default_clients_are_one_per_mode_with_fixed_public_values() -> None:
    """The three documented clients: numeric IDs, aliases, modes, endpoints for ping and
    push, and secrets that are public development values."""
    assert [(c.client_id, c.alias, c.mode) for c in DEFAULT_CLIENTS] == [
        (4326385670, "poll-client", "poll"),
        (4326385671, "ping-client", "ping"),
        (4326385672, "push-client", "push"),
    ]
    assert DEFAULT_POLL_CLIENT.endpoint is None
    assert DEFAULT_PING_CLIENT.endpoint == "https://client.example.invalid/ciba/ping"
    assert DEFAULT_PUSH_CLIENT.endpoint == "https://client.example.invalid/ciba/push"
    assert DEFAULT_PUSH_CLIENT.secret == "aioauthlete-emulator-push-client-secret"
    assert [c.client_id for c in AuthleteEmulator(environ={}).clients] == [
        c.client_id for c in DEFAULT_CLIENTS
    ]


def test_client_repr_leaves_the_secret_out() -> None:
    """A client's repr, and the registry's, show no secret."""
    client = CibaClient(7, SECRET, "poll")
    assert SECRET not in repr(client)
    assert SECRET not in repr(ClientRegistry([client]))


def test_registry_finds_by_id_or_alias_and_refuses_duplicates() -> None:
    """IDs and aliases both name a client (the alias flagged); taken ones are refused."""
    registry = ClientRegistry([DEFAULT_POLL_CLIENT])
    assert registry.find("4326385670") == (DEFAULT_POLL_CLIENT, False)
    assert registry.find("poll-client") == (DEFAULT_POLL_CLIENT, True)
    assert registry.find("04326385670") is None
    with pytest.raises(ValueError, match="already registered"):
        registry.add(CibaClient(9, "x", "poll", alias="poll-client"))
    with pytest.raises(ValueError, match="already registered"):
        registry.add(CibaClient(4326385670, "x", "poll"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"client_id": 0}, "client ID"),
        ({"mode": "ping"}, "needs a notification endpoint"),
        ({"endpoint": "http://client.example.com/cb"}, "https"),
        ({"endpoint": "https:///nohost"}, "https"),
        ({"alias": "12345"}, "all digits"),
        ({"secret": "has space"}, "not shown"),
        ({"mode": "pull"}, "pull"),
    ],
    ids=[
        "zero-id",
        "ping-without-endpoint",
        "plain-http",
        "no-host",
        "numeric-alias",
        "secret-with-space",
        "unknown-mode",
    ],
)
def test_unusable_clients_are_refused_at_construction(
    arguments: dict[str, object], message: str
) -> None:
    """A client that could not take part in the flow raises ValueError at once."""
    values: dict[str, object] = {"client_id": 5, "secret": "s", "mode": "poll", **arguments}
    with pytest.raises(ValueError, match=message):
        CibaClient(**values)  # type: ignore[arg-type]


def test_loopback_http_endpoint_is_accepted_for_local_servers() -> None:
    """http is fine on a loopback host, where a test's own notification server listens."""
    client = CibaClient(5, "s", "PING", endpoint="http://127.0.0.1:8080/cb")
    assert client.mode == "ping"


def test_parse_client_reads_every_key() -> None:
    """id, secret, mode (any case), endpoint and alias."""
    client = parse_client(f"id=77,secret={SECRET},mode=PUSH,endpoint=https://a.example/n,alias=a7")
    assert (client.client_id, client.secret, client.mode) == (77, SECRET, "push")
    assert (client.endpoint, client.alias) == ("https://a.example/n", "a7")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (f"id=1,secret={SECRET}", "missing mode"),
        (f"id=1,secret={SECRET},mode=poll,color=red", "unknown key"),
        (f"id=1,secret={SECRET},mode=poll,id=2", "id is given twice"),
        (f"id=1,secret={SECRET},x,mode=poll", "item 3 is not key=value"),
        (f"id=one,secret={SECRET},mode=poll", "id must be a whole number"),
        (f"id=1,secret={SECRET},mode=sometimes", "mode must be ping, poll or push"),
        (f"id=1,secret={SECRET},mode=ping", "needs a notification endpoint"),
        (f"id=1,secret={SECRET[:4]},{SECRET[4:]},mode=poll", "item 3 is not key=value"),
        (f"id=1,secret={SECRET},{SECRET}=x,mode=poll", "unknown key"),
    ],
    ids=[
        "no-mode",
        "unknown-key",
        "twice",
        "no-equals",
        "text-id",
        "bad-mode",
        "ping-without-endpoint",
        "comma-in-secret",
        "secret-as-key",
    ],
)
def test_malformed_client_spec_is_refused_without_showing_the_secret(
    spec: str, message: str
) -> None:
    """Each mistake is named; no part of the secret is in the message."""
    with pytest.raises(ValueError, match=message) as info:
        parse_client(spec)
    assert SECRET[:4] not in str(info.value)
    assert SECRET[4:] not in str(info.value)


@pytest.mark.parametrize(
    "spec",
    [
        f"id=1,secret={SECRET},mode=ping",
        f"id=1,secret={SECRET},{SECRET}=x,mode=poll",
        f"id=4326385670,secret={SECRET},mode=poll",
    ],
    ids=["ping-without-endpoint", "secret-as-key", "default-clients-id"],
)
def test_client_flag_is_a_usage_error_that_never_echoes_the_value(
    capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    """aioauthlete emulator --client with a bad value exits 2 naming --client, and
    prints no part of the secret."""
    ran = run_cli(capsys, "emulator", "--client", spec)
    assert ran.status == 2
    assert "--client" in ran.err or "already registered" in ran.err
    assert SECRET not in ran.out + ran.err


def test_client_flags_add_to_the_default_clients() -> None:
    """Repeated --client flags register each client after the three defaults."""
    args = build_parser().parse_args(
        [
            "emulator",
            "--client",
            f"id=11,secret={SECRET},mode=poll",
            "--client",
            "id=12,secret=other,mode=ping,endpoint=https://c.example/cb,alias=twelve",
        ]
    )
    emulator = configure(args)
    assert [c.client_id for c in emulator.clients] == [
        *(c.client_id for c in DEFAULT_CLIENTS),
        11,
        12,
    ]
    assert emulator.clients.find("twelve") is not None


async def test_served_emulator_lists_clients_and_accepts_a_given_one() -> None:
    """The command prints a client line per client (defaults with their public secret, a
    given one's as '(given)'), and the given client authenticates; SIGTERM stops it."""
    process = await asyncio.create_subprocess_exec(
        *cli_command("emulator", "--tickets", "0", "--client", f"id=31,secret={SECRET},mode=poll"),
        env=subprocess_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 30)).decode().rstrip("\n")
            for _ in range(8)
        ]
        base_url = lines[0].split(" ", 1)[1]
        url = f"{base_url}/api/{DEFAULT_SERVICE_ID}/backchannel/authentication"
        client = CibaClient(31, SECRET, "poll")
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                url,
                json={"parameters": ciba_request(client)},
                headers={"Authorization": f"Bearer {DEFAULT_ACCESS_TOKEN}"},
            ) as response,
        ):
            answer = await response.json()
    finally:
        process.send_signal(signal.SIGTERM)
        rest, stderr = await asyncio.wait_for(process.communicate(), 30)
    clients = [line for line in lines if line.startswith("client ")]
    assert clients == [
        "client 4326385670 mode=poll alias=poll-client "
        "secret=aioauthlete-emulator-poll-client-secret",
        "client 4326385671 mode=ping alias=ping-client "
        "endpoint=https://client.example.invalid/ciba/ping "
        "secret=aioauthlete-emulator-ping-client-secret",
        "client 4326385672 mode=push alias=push-client "
        "endpoint=https://client.example.invalid/ciba/push "
        "secret=aioauthlete-emulator-push-client-secret",
        "client 31 mode=poll secret=(given)",
    ]
    assert (answer["action"], answer["clientId"]) == ("USER_IDENTIFICATION", 31)
    assert process.returncode == 0
    assert SECRET.encode() not in rest + stderr
    assert SECRET not in "\n".join(lines)


# -- users -------------------------------------------------------------------------------


def _jwt(claims: dict[str, object]) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


def test_default_users_resolve_by_login_email_or_subject() -> None:
    """alice, bob and carol, found by login name, e-mail (any case) or subject."""
    users = UserDirectory()
    assert [u.login for u in users] == ["alice", "bob", "carol"]
    bob = users.find("bob")
    assert bob is not None
    assert users.identify("LOGIN_HINT", "BOB@example.com") == bob
    assert users.identify("LOGIN_HINT", bob.subject) == bob
    assert users.identify("LOGIN_HINT", "mallory") is None


def test_token_hints_resolve_through_their_sub() -> None:
    """An id_token_hint names its user by the sub Authlete reported (else its own); a
    login_hint_token by the sub of its JWT payload; anything else is nobody."""
    users = UserDirectory()
    carol = users.find("carol")
    assert carol is not None
    assert users.identify("ID_TOKEN_HINT", "opaque", sub=carol.subject) == carol
    assert users.identify("ID_TOKEN_HINT", _jwt({"sub": carol.subject})) == carol
    assert users.identify("LOGIN_HINT_TOKEN", _jwt({"sub": carol.subject})) == carol
    assert users.identify("LOGIN_HINT_TOKEN", "not-a-jwt") is None
    assert users.identify("SOMETHING_ELSE", "carol") is None


def test_users_are_configurable_and_unique() -> None:
    """The emulator takes its own users; a login or subject taken twice is refused."""
    dave = User("900", "dave", "Dave Doe", "dave@example.com")
    emulator = AuthleteEmulator(users=[dave], environ={})
    assert emulator.users.find("dave") == dave
    assert emulator.users.find("alice") is None
    with pytest.raises(ValueError, match="taken"):
        emulator.users.add(User("901", "dave", "Another Dave", "d2@example.com"))
