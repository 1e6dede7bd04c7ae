"""Rows 25-27: bad service ids, tokens and request fields are refused before any I/O.

A raw server stands by in each test: its connection counter proves that nothing was sent.
Messages about secrets and tickets never echo the value (the leak check covers them).
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    AuthleteClient,
    BackchannelAuthenticationFailRequest,
    FailReason,
)
from tests.faults import RawHttpServer, respond
from tests.faults.fixtures import RawServerFactory
from tests.reliability.conftest import OK_BODY, SERVICE_ID, Canary, ClientFactory, Watch

PATH_TAIL = "/backchannel/authentication/fail"
HOSTILE_SERVICE_IDS = [
    "a/b",
    "../../admin",
    "..",
    ".",
    "x?y=1",
    "x#frag",
    "12\r\nX-Injected: 1",
    "12\n",
    "",
    " 12",
    "1" * 129,
    "\uff11\uff12\uff13",  # fullwidth digits
    "é",
    "%2e%2e",
    "a%2Fb",
    "a\\b",
    "\x00",
    "a b",
    "@evil",
    "a:b",
]
VISIBLE_ASCII = set(string.printable) - set(string.whitespace)  # "\x21" to "\x7e"
HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
async def server(raw_server_factory: RawServerFactory) -> RawHttpServer:
    return await raw_server_factory(respond(200, OK_BODY))


@pytest.mark.parametrize("service_id", HOSTILE_SERVICE_IDS, ids=repr)
def test_hostile_service_id_is_refused_at_construction(
    service_id: str, server: RawHttpServer, canary: Canary
) -> None:
    """Row 25: traversal, query, fragment, CR/LF, empty, long or non-ASCII ids: ValueError."""
    with pytest.raises(ValueError, match="service_id"):
        AuthleteClient(base_url=server.url, service_id=service_id, access_token=canary.token)
    assert server.connections == 0


@pytest.mark.parametrize("service_id", HOSTILE_SERVICE_IDS, ids=repr)
async def test_hostile_service_id_of_a_form_request_is_refused_before_io(
    service_id: str,
    server: RawHttpServer,
    client_factory: ClientFactory,
    canary: Canary,
) -> None:
    """Row 25: the seed's form request carries its own id; it is checked before sending."""
    client = await client_factory(server.url)
    with pytest.raises(ValueError, match="service_id"):
        await client.backchannel_authentication_fail(canary.form_request(service_id))
    assert server.connections == 0


def test_non_string_service_id_is_a_type_error(server: RawHttpServer, canary: Canary) -> None:
    """Row 25: an int id (a common slip: ids look numeric) is refused, not formatted."""
    with pytest.raises(TypeError, match="service_id"):
        AuthleteClient(base_url=server.url, service_id=715948317, access_token=canary.token)  # type: ignore[arg-type]


VALID_IDS = st.from_regex(r"[A-Za-z0-9._~-]{1,128}", fullmatch=True).filter(
    lambda s: s not in {".", ".."}
)


@HYPOTHESIS
@given(service_id=VALID_IDS)
async def test_valid_service_id_reaches_the_server_as_exactly_one_segment(
    service_id: str,
    server: RawHttpServer,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 25 (property): any allowed id arrives as ``/api/<id>/backchannel/...``, verbatim."""
    client = await client_factory(server.url)
    response = await client.backchannel_authentication_fail(canary.form_request(service_id))
    assert response.result_code == OK_BODY["resultCode"]
    assert server.requests[-1].path == f"/api/{service_id}{PATH_TAIL}"


@HYPOTHESIS
@given(service_id=st.text(max_size=40))
async def test_any_text_service_id_is_refused_or_sent_verbatim(
    service_id: str,
    server: RawHttpServer,
    client_factory: ClientFactory,
    canary: Canary,
) -> None:
    """Row 25 (property): arbitrary text is either a ValueError before I/O or one exact segment."""
    client = await client_factory(server.url)
    before = len(server.requests)
    try:
        await client.backchannel_authentication_fail(canary.form_request(service_id))
    except ValueError:
        assert len(server.requests) == before
    else:
        assert server.requests[-1].path == f"/api/{service_id}{PATH_TAIL}"
        assert server.requests[-1].path.count("/") == 5


HOSTILE_TOKENS = [
    "tok\r\nX-Injected: 1",
    "tok\n",
    "tok en",
    "tök",
    "",
    "\x00",
    "tok\x7f",
    "t" * 4097,
]


@pytest.mark.parametrize("bad", HOSTILE_TOKENS, ids=lambda t: repr(t[:20]))
def test_hostile_token_is_refused_at_construction_without_echo(
    bad: str, server: RawHttpServer, canary: Canary
) -> None:
    """Row 26: a token that could split a header is a ValueError that does not repeat it."""
    token = bad.replace("tok", canary.token)
    with pytest.raises(ValueError, match="access_token") as info:
        AuthleteClient(base_url=server.url, service_id=SERVICE_ID, access_token=token)
    assert canary.token not in str(info.value)
    assert not token or token not in repr(info.value)
    assert server.connections == 0


@pytest.mark.parametrize("bad", HOSTILE_TOKENS, ids=lambda t: repr(t[:20]))
def test_hostile_api_secret_is_refused_at_construction_without_echo(
    bad: str, server: RawHttpServer, canary: Canary
) -> None:
    """Row 26: the same for the 2.x API secret."""
    secret = bad.replace("tok", canary.secret)
    with pytest.raises(ValueError, match="api_secret") as info:
        AuthleteClient(
            base_url=server.url, service_id=SERVICE_ID, api_version="V2", api_secret=secret
        )
    assert canary.secret not in str(info.value)
    assert server.connections == 0


@HYPOTHESIS
@given(suffix=st.text(max_size=12))
async def test_any_token_is_refused_without_echo_or_sent_verbatim(
    suffix: str,
    server: RawHttpServer,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 26 (property): a token outside visible ASCII is refused, any other sent unaltered."""
    token = canary.token + suffix
    if not set(suffix) <= VISIBLE_ASCII:
        with pytest.raises(ValueError, match="access_token") as info:
            await client_factory(server.url, access_token=token)
        assert canary.token not in str(info.value)
        return
    client = await client_factory(server.url, access_token=token)
    watch.add(await client.backchannel_authentication_fail(canary.request()))
    assert server.requests[-1].headers["authorization"] == f"Bearer {token}"


@pytest.mark.parametrize(
    "ticket", ["", "a\r\nb", "a\nb", "\x00", "a\x1b[31mb", "a\tb", "a\x7fb"], ids=repr
)
def test_ticket_with_control_characters_is_refused_without_echo(
    ticket: str, canary: Canary
) -> None:
    """Row 27: an empty ticket or one with control characters: ValueError, value not shown."""
    ticket = ticket.replace("a", canary.ticket)
    with pytest.raises(ValueError, match="ticket") as info:
        BackchannelAuthenticationFailRequest(ticket=ticket, reason=FailReason.ACCESS_DENIED)
    assert canary.ticket not in str(info.value)
    with pytest.raises(ValueError, match="ticket"):
        ApiServiceIdBackchannelAuthenticationFail(ticket=ticket, reason=FailReason.SERVER_ERROR)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("error_description", "line\r\nInjected: 1"),
        ("error_description", "bell\x07"),
        ("error_uri", "https://example.com/\nx"),
        ("error_uri", "\x00"),
    ],
)
def test_description_or_uri_with_control_characters_is_refused(
    field: str, value: str, canary: Canary
) -> None:
    """Row 27: CR/LF and other controls in the client-facing fields are refused up front."""
    with pytest.raises(ValueError, match=field):
        BackchannelAuthenticationFailRequest(
            ticket=canary.ticket, reason=FailReason.ACCESS_DENIED, **{field: value}
        )


@pytest.mark.parametrize("reason", ["BOGUS", "access_denied", "", None, 3])
def test_reason_outside_the_enum_is_refused(reason: object, canary: Canary) -> None:
    """Row 27: only the nine documented reasons (or their wire strings) are accepted."""
    with pytest.raises(ValueError, match="FailReason"):
        BackchannelAuthenticationFailRequest(ticket=canary.ticket, reason=reason)  # type: ignore[arg-type]


@pytest.mark.parametrize("ticket", [None, 123, b"bytes"], ids=repr)
def test_ticket_of_the_wrong_type_is_a_type_error(ticket: object) -> None:
    """Row 27: a ticket must be a str."""
    with pytest.raises(TypeError, match="ticket"):
        BackchannelAuthenticationFailRequest(ticket=ticket, reason=FailReason.ACCESS_DENIED)  # type: ignore[arg-type]


async def test_wrong_request_type_is_a_type_error_before_io(
    server: RawHttpServer, client_factory: ClientFactory, canary: Canary
) -> None:
    """Row 27: a dict instead of a request object is refused before any I/O."""
    client = await client_factory(server.url)
    wire = {"ticket": canary.ticket, "reason": "ACCESS_DENIED"}
    with pytest.raises(TypeError, match="BackchannelAuthenticationFailRequest"):
        await client.backchannel_authentication_fail(wire)  # type: ignore[arg-type]
    assert server.connections == 0


async def test_form_request_for_another_service_goes_to_that_service(
    server: RawHttpServer, client_factory: ClientFactory, canary: Canary, watch: Watch
) -> None:
    """Row 25: a valid form request reaches its own service's path, form-encoded."""
    client = await client_factory(server.url)
    watch.add(await client.backchannel_authentication_fail(canary.form_request("21653835348762")))
    [seen] = server.requests
    assert seen.path == f"/api/21653835348762{PATH_TAIL}"
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
