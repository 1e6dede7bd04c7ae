"""Where the client connects and with which credentials, checked before any I/O."""

from __future__ import annotations

import ipaddress
import os
import ssl
import urllib.parse
from collections.abc import Mapping
from typing import Literal

from ._validate import check_credential, check_service_id

Region = Literal["us", "jp", "eu", "br"]
ApiVersion = Literal["V2", "V3"]

REGION_URLS: Mapping[str, str] = {
    "us": "https://us.authlete.com",
    "jp": "https://jp.authlete.com",
    "eu": "https://eu.authlete.com",
    "br": "https://br.authlete.com",
}
DEFAULT_BASE_URL = REGION_URLS["us"]

#: The variables of Authlete's official Python SDK, read by ``AuthleteClient.from_env()``.
ENV_BASE_URL = "AUTHLETE_BASE_URL"
ENV_API_VERSION = "AUTHLETE_API_VERSION"
ENV_SERVICE_ID = "AUTHLETE_SERVICE_APIKEY"
ENV_ACCESS_TOKEN = "AUTHLETE_SERVICE_ACCESSTOKEN"  # noqa: S105 - a variable name
ENV_API_SECRET = "AUTHLETE_SERVICE_APISECRET"  # noqa: S105 - a variable name


def resolve_base_url(base_url: str | None, region: str | None) -> str:
    """The base URL from either argument; plain HTTP only towards a loopback host."""
    if base_url is not None and region is not None:
        raise ValueError("give base_url or region, not both")
    if region is not None:
        try:
            return REGION_URLS[region]
        except KeyError:
            raise ValueError(f"region must be one of {sorted(REGION_URLS)}") from None
    if base_url is None:
        return DEFAULT_BASE_URL
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ValueError("base_url must be an absolute https:// URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("base_url must not carry a query, a fragment or credentials")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("base_url must use https:// (plain http:// is allowed for loopback only)")
    return base_url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_credentials(
    api_version: str, service_id: str, access_token: str | None, api_secret: str | None
) -> None:
    """Refuse a configuration that cannot authenticate, without echoing any credential."""
    check_service_id(service_id)
    if api_version == "V3":
        if access_token is None:
            raise ValueError("api_version V3 needs access_token (a service or organization token)")
        check_credential(access_token, "access_token")
    elif api_version == "V2":
        if api_secret is None:
            raise ValueError(
                "api_version V2 needs api_secret (HTTP Basic with the service API key)"
            )
        check_credential(api_secret, "api_secret")
    else:
        raise ValueError("api_version must be 'V2' or 'V3'")


def env_settings(
    environ: Mapping[str, str] | None = None, *, service_id_given: bool = False
) -> dict[str, str]:
    """The client arguments named by the ``AUTHLETE_*`` variables that are set and non-empty."""
    env = os.environ if environ is None else environ
    names = {
        ENV_BASE_URL: "base_url",
        ENV_API_VERSION: "api_version",
        ENV_SERVICE_ID: "service_id",
        ENV_ACCESS_TOKEN: "access_token",
        ENV_API_SECRET: "api_secret",
    }
    settings = {arg: env[var] for var, arg in names.items() if env.get(var)}
    if "service_id" not in settings and not service_id_given:
        raise ValueError(f"{ENV_SERVICE_ID} is not set (the service ID)")
    if "api_version" in settings:
        settings["api_version"] = settings["api_version"].upper()
    return settings


def check_ssl_context(context: object) -> None:
    """Refuse anything but an ``ssl.SSLContext`` that verifies the certificate and its host.

    ``CERT_OPTIONAL`` verifies as ``CERT_REQUIRED`` does on a client. A context is mutable,
    so the client checks it again when it opens its session.
    """
    if not isinstance(context, ssl.SSLContext):
        raise TypeError("ssl must be an ssl.SSLContext (verification cannot be switched off)")
    if context.verify_mode == ssl.CERT_NONE or not context.check_hostname:
        raise ValueError(
            "ssl: the context must verify the certificate and the host name (verify_mode "
            "CERT_REQUIRED, check_hostname True); verification cannot be switched off"
        )
