"""The protocol layer, for HTTP clients other than the asyncio one: no I/O here.

``AuthleteClient`` is an asyncio client. A program on another kind of I/O (Locust's
gevent workers, threads, a test harness) brings its own HTTP client and uses this to get
the same requests, the same typed answers and the same errors::

    from aioauthlete import BackchannelAuthenticationFailRequest, FailReason, operations
    from aioauthlete.protocol import Service, read_answer

    service = Service.from_env()                   # checked as AuthleteClient is
    prepared = service.prepare(operations.FAIL, BackchannelAuthenticationFailRequest(
        ticket=ticket, reason=FailReason.ACCESS_DENIED))
    answer = http.post(prepared.url, headers=dict(prepared.headers), data=prepared.body)
    response = read_answer(prepared, answer.status, answer.headers.get("Content-Type"),
                           answer.body, answer.headers.get("Retry-After"))

- ``Service``: where and as whom, built and checked like ``AuthleteClient`` (the client
  holds one itself): base URL (https, or http to loopback), service ID, a token (V3) or
  the API secret (V2), ``from_env()`` with the same ``AUTHLETE_*`` variables, and
  ``max_body_size`` for request and answer bodies.
- ``Service.prepare(operation, request)``: a ``PreparedRequest``: ``url``, ``headers``
  (a mapping whose ``repr`` hides the credential) and ``body`` (bytes) to POST;
  ``max_body``, the most of the answer worth reading. Bad input raises ``ValueError`` or
  ``TypeError`` here, before anything is sent.
- ``read_answer(prepared, status, content_type, body, retry_after)``: the operation's
  typed response (every documented action, ``INTERNAL_SERVER_ERROR`` included), or it
  raises the ``AuthleteError`` the answer stands for (``AuthleteApiError`` for a non-2xx
  status, ``AuthleteResponseError`` for an unusable answer, ``AuthleteTransportError`` for
  a status line that is no final answer). Credentials a server echoed are masked first.
  It is ``AuthleteClient``'s own path from bytes to a response.
- ``PreparedRequest.scrub(error)``: for the errors a transport raises itself (no answer:
  build an ``AuthleteTransportError``), the same masking of server text.

Retries are the transport's choice: nothing here retries or sleeps. ``AuthleteClient``'s
policy, for reference, is in the README (Retries and timeouts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from ._config import check_credentials, env_settings, resolve_base_url
from ._errors import AuthleteError
from ._protocol import DEFAULT_MAX_BODY, PreparedRequest, ServiceConnection
from ._redact import forget_locals
from ._version import user_agent

__all__ = ["PreparedRequest", "Service", "read_answer"]

Resp = TypeVar("Resp")


class Service(ServiceConnection):
    """One Authlete service, as a client reaches it; checked before any I/O.

    The arguments are ``AuthleteClient``'s of the same names (``region`` picks a
    region's URL; without ``base_url`` or ``region`` it is Authlete's US cluster).
    ``max_body_size`` caps request bodies (``prepare`` raises ``ValueError``) and answer
    bodies (``read_answer`` raises ``AuthleteResponseError``). The ``repr`` shows no
    credential.
    """

    __slots__ = ("_api_version",)

    def __init__(
        self,
        *,
        service_id: str,
        access_token: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        region: str | None = None,
        api_version: str = "V3",
        max_body_size: int = DEFAULT_MAX_BODY,
    ) -> None:
        url = resolve_base_url(base_url, region)
        check_credentials(api_version, service_id, access_token, api_secret)
        if max_body_size < 1:
            raise ValueError("max_body_size must be 1 or more")
        super().__init__(
            base_url=url,
            service_id=service_id,
            api_version=api_version,
            access_token=access_token,
            api_secret=api_secret,
            user_agent=user_agent(),
            max_body=max_body_size,
        )
        self._api_version = api_version

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Read ``AUTHLETE_BASE_URL``, ``AUTHLETE_API_VERSION``, ``AUTHLETE_SERVICE_APIKEY``,
        ``AUTHLETE_SERVICE_ACCESSTOKEN`` and ``AUTHLETE_SERVICE_APISECRET`` (of *environ*,
        else ``os.environ``), as ``AuthleteClient.from_env`` does; *overrides* win."""
        settings: dict[str, Any] = dict(
            env_settings(environ, service_id_given="service_id" in overrides)
        )
        settings.update(overrides)
        return cls(**settings)

    @property
    def api_version(self) -> str:
        return self._api_version

    @property
    def max_body_size(self) -> int:
        return self._max_body

    def __repr__(self) -> str:
        return (
            f"<Service {self.base_url} service_id={self.service_id}"
            f" api_version={self._api_version}>"
        )


def read_answer(
    prepared: PreparedRequest[Any, Resp],
    status: int,
    content_type: str | None,
    body: bytes,
    retry_after: str | None,
) -> Resp:
    """The response *prepared*'s answer stands for, or raise the ``AuthleteError`` it
    stands for.

    Headers are passed as sent (``None`` when absent). The error raised has the
    credentials, the request's secrets and its ticket masked in every text a server
    sent, as ``AuthleteClient``'s errors have, and keeps no locals of the frames that
    decoded the answer. ``attempts`` on it is 1: count your own.
    """
    try:
        return prepared.answer(status, content_type, body, retry_after)
    except AuthleteError as exc:
        forget_locals(exc)  # the frames that decoded it hold the answer as it came
        error = prepared.scrub(exc)
    del body  # an echoed credential may be in it: not a local of the traceback either
    raise error
