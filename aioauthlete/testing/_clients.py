"""The CIBA clients the emulator has registered, and how a request authenticates one.

A client has a numeric ID (as Authlete's are), an optional alias, a secret, a delivery
mode and, for ping and push, a notification endpoint. The three ``DEFAULT_*_CLIENT``
values are public on purpose: they open nothing but an emulator. Every client
authenticates with its secret, by HTTP Basic (the caller passes ``clientId`` and
``clientSecret``) or in its form body (``client_id`` and ``client_secret``); no message
and no ``repr`` ever shows a secret.
"""

from __future__ import annotations

import enum
import hmac
import ipaddress
import threading
import urllib.parse
from collections.abc import Iterable, Iterator

from attrs import field, frozen

from .._validate import check_credential

#: Authlete's client IDs are int64 numbers.
MAX_CLIENT_ID = 2**63 - 1
_LOOPBACK_NAMES = frozenset({"localhost"})


class DeliveryMode(enum.StrEnum):
    """How a client gets its tokens; the wire (``deliveryMode``) writes it upper-case."""

    PING = "ping"
    POLL = "poll"
    PUSH = "push"

    @property
    def wire(self) -> str:
        return self.value.upper()


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str) -> str:
    """Refuse a notification endpoint that is not an absolute https URL (http only to a
    loopback host, for a local test server); the URL is not secret and may be named."""
    parts = urllib.parse.urlsplit(url)
    usable = (
        url.isascii()
        and url.isprintable()
        and " " not in url
        and parts.hostname is not None
        and (parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)))
    )
    if not usable:
        raise ValueError(
            "a notification endpoint must be an absolute https URL (http only on a loopback host)"
        )
    return url


def _mode(value: str) -> DeliveryMode:
    """``ping``, ``POLL``...: a delivery mode in either case."""
    return DeliveryMode(str(value).lower())


def _check(client: CibaClient) -> None:
    if isinstance(client.client_id, bool) or not 1 <= client.client_id <= MAX_CLIENT_ID:
        raise ValueError("a client ID must be a whole number from 1 to 2**63 - 1")
    check_credential(client.secret, "a client's secret")
    if client.alias is not None:
        check_credential(client.alias, "a client's alias")
        if client.alias.isdigit():
            raise ValueError("a client's alias must not be all digits (IDs are)")
    if client.endpoint is not None:
        check_endpoint(client.endpoint)
    elif client.mode is not DeliveryMode.POLL:
        raise ValueError(f"a {client.mode} client needs a notification endpoint")


@frozen
class CibaClient:
    """One registered client. The ``repr`` leaves the secret out."""

    client_id: int
    secret: str = field(repr=False)
    mode: DeliveryMode = field(converter=_mode)
    endpoint: str | None = None
    alias: str | None = None
    name: str | None = None

    def __attrs_post_init__(self) -> None:
        _check(self)

    @property
    def display_name(self) -> str:
        """``clientName`` in the emulator's answers."""
        return self.name or f"CIBA {self.mode} client {self.client_id}"

    def accepts(self, secret: str) -> bool:
        """Whether *secret* is this client's, compared in constant time (a lone surrogate
        in *secret* is just a byte sequence that matches nothing)."""
        return hmac.compare_digest(
            secret.encode("utf-8", "surrogatepass"), self.secret.encode("utf-8")
        )


DEFAULT_POLL_CLIENT = CibaClient(
    4326385670,
    "aioauthlete-emulator-poll-client-secret",
    DeliveryMode.POLL,
    alias="poll-client",
    name="Emulator poll client",
)
DEFAULT_PING_CLIENT = CibaClient(
    4326385671,
    "aioauthlete-emulator-ping-client-secret",
    DeliveryMode.PING,
    endpoint="https://client.example.invalid/ciba/ping",
    alias="ping-client",
    name="Emulator ping client",
)
DEFAULT_PUSH_CLIENT = CibaClient(
    4326385672,
    "aioauthlete-emulator-push-client-secret",
    DeliveryMode.PUSH,
    endpoint="https://client.example.invalid/ciba/push",
    alias="push-client",
    name="Emulator push client",
)
DEFAULT_CLIENTS = (DEFAULT_POLL_CLIENT, DEFAULT_PING_CLIENT, DEFAULT_PUSH_CLIENT)


class ClientRegistry:
    """The registered clients, by ID and by alias; ``add`` works while serving."""

    def __init__(self, clients: Iterable[CibaClient] = DEFAULT_CLIENTS) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, CibaClient] = {}
        self._clients: list[CibaClient] = []
        for client in clients:
            self.add(client)

    def __repr__(self) -> str:
        return f"<ClientRegistry {[c.client_id for c in self._clients]}>"

    def __len__(self) -> int:
        return len(self._clients)

    def __iter__(self) -> Iterator[CibaClient]:
        with self._lock:
            return iter(list(self._clients))

    def add(self, client: CibaClient) -> None:
        """Register *client*; ValueError if its ID or alias is taken."""
        keys = [str(client.client_id)] + ([client.alias] if client.alias else [])
        with self._lock:
            if any(key in self._by_key for key in keys):
                raise ValueError(
                    f"client {client.client_id}: its ID or alias is already registered"
                )
            self._by_key.update(dict.fromkeys(keys, client))
            self._clients.append(client)

    def first(self) -> CibaClient | None:
        """The first client registered: seeded tickets act for it."""
        with self._lock:
            return self._clients[0] if self._clients else None

    def find(self, identifier: str) -> tuple[CibaClient, bool] | None:
        """The client *identifier* (an ID or an alias) names, and whether it was the alias."""
        client = self._by_key.get(identifier)
        if client is None:
            return None
        return client, identifier != str(client.client_id)


def parse_client(spec: str) -> CibaClient:
    """A client from ``id=ID,secret=SECRET,mode=MODE[,endpoint=URL][,alias=ALIAS]``.

    ValueError for a malformed one; its message names keys, never a value, because the
    text holds a secret.
    """
    given: dict[str, str] = {}
    for number, item in enumerate(spec.split(","), 1):
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals:
            raise ValueError(f"item {number} is not key=value (keys: {', '.join(_KEYS)})")
        if key not in _KEYS:  # not shown: a comma inside the secret would show a part
            raise ValueError(f"item {number} has an unknown key (keys: {', '.join(_KEYS)})")
        if key in given:
            raise ValueError(f"{key} is given twice")
        given[key] = value
    missing = [key for key in ("id", "secret", "mode") if key not in given]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return _build(given)


_KEYS = ("id", "secret", "mode", "endpoint", "alias")


def _build(given: dict[str, str]) -> CibaClient:
    text_id = given["id"]
    if not (text_id.isascii() and text_id.isdigit()):
        raise ValueError("id must be a whole number (Authlete's client IDs are numbers)")
    try:
        mode = DeliveryMode(given["mode"].lower())
    except ValueError:
        raise ValueError("mode must be ping, poll or push") from None
    return CibaClient(
        int(text_id), given["secret"], mode, given.get("endpoint"), given.get("alias") or None
    )
