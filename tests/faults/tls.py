"""TLS material for loopback servers: a throwaway trustme CA and matching SSL contexts.

Tests must exercise real certificate verification (never ``ssl=False``), so the client side
trusts this CA explicitly and the server certificate names ``127.0.0.1`` and ``localhost``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import trustme

SERVER_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class TlsCA:
    """A CA, and a server context whose certificate the CA issued for ``SERVER_NAMES``."""

    ca: trustme.CA
    server_context: ssl.SSLContext

    def client_context(self) -> ssl.SSLContext:
        """A fresh verifying client context that trusts only this CA."""
        return client_ssl_context(self.ca)


def client_ssl_context(ca: trustme.CA) -> ssl.SSLContext:
    """A verifying, hostname-checking client context that trusts ``ca`` and nothing else.

    ``PROTOCOL_TLS_CLIENT`` turns on ``CERT_REQUIRED`` and ``check_hostname`` but, unlike
    ``create_default_context()``, loads no system CAs, so only this CA can vouch for a server.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    ca.configure_trust(context)
    return context


def make_tls_ca() -> TlsCA:
    """Create a CA and a server context for ``127.0.0.1``/``localhost``."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*SERVER_NAMES).configure_cert(server_context)
    return TlsCA(ca=ca, server_context=server_context)
