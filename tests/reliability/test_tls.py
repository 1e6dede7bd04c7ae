"""Rows 4-5: TLS verification is on by default; a failed check is final, a trusted CA works.

A ToxicProxy (a plain TCP relay) sits in front of the TLS server so that handshakes can be
counted: the server itself only sees connections whose handshake succeeded.
"""

from __future__ import annotations

import ssl

import pytest

from aioauthlete import AuthleteClient, AuthleteTransportError, FailAction
from tests.faults import RawConnection, RawHttpServer, ToxicProxy, respond
from tests.faults.fixtures import RawServerFactory, ToxicProxyFactory
from tests.faults.tls import TlsCA
from tests.reliability.conftest import OK_BODY, Canary, ClientFactory, FastTime, Watch


async def tls_server(
    raw_server_factory: RawServerFactory,
    toxic_proxy_factory: ToxicProxyFactory,
    context: ssl.SSLContext,
) -> tuple[RawHttpServer, ToxicProxy]:
    server = await raw_server_factory(respond(200, OK_BODY), ssl_context=context)
    proxy = await toxic_proxy_factory(server.port)
    return server, proxy


async def test_untrusted_certificate_is_refused_once_by_default(
    raw_server_factory: RawServerFactory,
    toxic_proxy_factory: ToxicProxyFactory,
    tls_ca: TlsCA,
    client_factory: ClientFactory,
    canary: Canary,
    fast_time: FastTime,
    watch: Watch,
) -> None:
    """Row 4: no ``ssl=`` means the system CAs; a private CA's certificate fails, not retried."""
    server, proxy = await tls_server(raw_server_factory, toxic_proxy_factory, tls_ca.server_context)
    client = await client_factory(f"https://127.0.0.1:{proxy.port}")
    error = await watch.fails(AuthleteTransportError, client)
    assert error.may_have_reached is False
    assert error.retryable is False
    assert error.attempts == 1
    assert "Certificate" in error.detail
    assert "verify failed" in error.detail
    assert proxy.connections == 1  # one handshake, no retry
    assert server.requests == []
    assert fast_time.sleeps == []


async def test_hostname_mismatch_is_refused_once(
    raw_server_factory: RawServerFactory,
    toxic_proxy_factory: ToxicProxyFactory,
    tls_ca: TlsCA,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 4: a certificate from a trusted CA for another name is refused, not retried."""
    other = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.ca.issue_cert("authlete.example").configure_cert(other)
    server, proxy = await tls_server(raw_server_factory, toxic_proxy_factory, other)
    client = await client_factory(f"https://127.0.0.1:{proxy.port}", ssl=tls_ca.client_context())
    error = await watch.fails(AuthleteTransportError, client)
    assert error.may_have_reached is False
    assert error.retryable is False
    assert error.attempts == 1
    assert "address mismatch" in error.detail  # 127.0.0.1 is an IP: "IP address mismatch"
    assert proxy.connections == 1
    assert server.requests == []


async def test_plain_http_server_behind_an_https_url_is_refused_once(
    raw_server_factory: RawServerFactory,
    client_factory: ClientFactory,
    tls_ca: TlsCA,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 4: a TLS handshake answered by plain HTTP is a TLS error: final, nothing sent."""

    async def plain_http(conn: RawConnection) -> None:
        await conn.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await conn.close()

    server = await raw_server_factory(plain_http)
    client = await client_factory(f"https://127.0.0.1:{server.port}", ssl=tls_ca.client_context())
    error = await watch.fails(AuthleteTransportError, client)
    assert error.may_have_reached is False
    assert error.retryable is False
    assert error.attempts == 1
    assert server.connections == 1


async def test_trusted_ca_through_ssl_context_succeeds(
    raw_server_factory: RawServerFactory,
    toxic_proxy_factory: ToxicProxyFactory,
    tls_ca: TlsCA,
    client_factory: ClientFactory,
    canary: Canary,
    watch: Watch,
) -> None:
    """Row 5: ``ssl=client_ssl_context(ca)`` verifies the private CA and gets the answer."""
    server, proxy = await tls_server(raw_server_factory, toxic_proxy_factory, tls_ca.server_context)
    client = await client_factory(f"https://127.0.0.1:{proxy.port}", ssl=tls_ca.client_context())
    response = await client.backchannel_authentication_fail(canary.request())
    watch.add(response)
    assert response.action is FailAction.FORBIDDEN
    assert len(server.requests) == 1
    assert server.requests[0].headers["authorization"] == f"Bearer {canary.token}"
    assert proxy.connections == 1


@pytest.mark.parametrize("value", [False, True, 0, "CERT_NONE"])
def test_there_is_no_switch_to_turn_verification_off(value: object, canary: Canary) -> None:
    """Row 5: ``ssl`` takes only an SSLContext; ``ssl=False`` and friends are refused."""
    with pytest.raises(TypeError, match="SSLContext"):
        AuthleteClient(service_id="1", access_token=canary.token, ssl=value)  # type: ignore[arg-type]


def unverifying(tls_ca: TlsCA, how: str) -> ssl.SSLContext:
    """A context that trusts the test CA but has a check switched off."""
    context = tls_ca.client_context()
    context.check_hostname = False
    if how == "cert-none":
        context.verify_mode = ssl.CERT_NONE
    return context


@pytest.mark.parametrize("how", ["no-hostname-check", "cert-none"])
def test_a_context_with_verification_switched_off_is_refused(
    how: str, tls_ca: TlsCA, canary: Canary
) -> None:
    """Row 5: ``check_hostname=False`` or ``CERT_NONE`` is refused at construction: a
    context cannot switch verification off either."""
    with pytest.raises(ValueError, match="verif"):
        AuthleteClient(service_id="1", access_token=canary.token, ssl=unverifying(tls_ca, how))


async def test_a_context_switched_off_after_construction_sends_nothing(
    raw_server_factory: RawServerFactory,
    toxic_proxy_factory: ToxicProxyFactory,
    tls_ca: TlsCA,
    client_factory: ClientFactory,
    canary: Canary,
) -> None:
    """Row 5: the context is checked again when the client opens its session, so one
    changed in between cannot send the token to a certificate for another host."""
    other = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.ca.issue_cert("authlete.example").configure_cert(other)
    server, proxy = await tls_server(raw_server_factory, toxic_proxy_factory, other)
    context = tls_ca.client_context()
    client = AuthleteClient(
        base_url=f"https://127.0.0.1:{proxy.port}",
        service_id="1",
        access_token=canary.token,
        ssl=context,
    )
    context.check_hostname = False
    with pytest.raises(ValueError, match="verif"):
        await client.backchannel_authentication_fail(canary.request())
    await client.aclose()
    assert proxy.connections == 0
    assert server.requests == []
