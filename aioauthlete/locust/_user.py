"""AuthleteUser: a Locust FastHttpUser whose ``client`` speaks Authlete's CIBA API."""

from __future__ import annotations

import os
from typing import Any, cast

from locust.contrib.fasthttp import FastHttpSession, FastHttpUser
from locust.env import Environment

from .._config import ENV_BASE_URL
from .._policies import TimeoutPolicy
from ..protocol import Service
from ._client import AuthleteLocustClient

_TIMEOUTS = TimeoutPolicy()


class AuthleteUser(FastHttpUser):
    """Subclass it, give it tasks, and call ``self.client.<operation>(request)``.

    The service is ``Service.from_env(base_url=self.host)``: the ``AUTHLETE_*``
    variables, with Locust's ``--host`` (or the class's ``host``) as the base URL, else
    ``AUTHLETE_BASE_URL``; with neither the user does not start (a load test never falls
    back on Authlete's own cluster). Override ``authlete_service`` to build it otherwise.

    Differences from a plain ``FastHttpUser``, all on purpose:

    - TLS certificates are verified (``insecure`` may not be True; to trust your own CA,
      set ``ssl_context_factory = staticmethod(make)``, where ``make(**kwargs)`` returns a
      context that trusts it: geventhttpclient turns verification back on either way);
    - redirects are never followed and nothing is retried: one attempt per call;
    - the connect and network timeouts are ``AuthleteClient``'s per-attempt ones (2 s to
      connect, 4 s per attempt), and ``network_timeout`` bounds each call as a whole, not
      each socket read: an answer that trickles in is cut there; a timeout is a failure.

    ``self.client.session`` is the underlying ``FastHttpSession``.
    """

    abstract = True
    #: Replaces FastHttpUser's client (the session) with the Authlete client on it.
    client: AuthleteLocustClient  # type: ignore[assignment]
    insecure = False
    connection_timeout = _TIMEOUTS.connect
    network_timeout = _TIMEOUTS.attempt
    max_retries = 0

    def __init__(self, environment: Environment) -> None:
        if self.insecure:
            raise ValueError(
                "insecure=True switches TLS verification off, which aioauthlete never does: "
                "give ssl_context_factory a context that trusts your CA instead"
            )
        if self.host is None:
            self.host = os.environ.get(ENV_BASE_URL) or None
        super().__init__(environment)  # refuses to start without a host
        session = cast(FastHttpSession, self.client)  # what FastHttpUser put there
        self.client = AuthleteLocustClient(
            session, self.authlete_service(), attempt_timeout=self.network_timeout
        )

    def authlete_service(self) -> Service:
        """The service to load: the ``AUTHLETE_*`` variables, ``self.host`` as its URL."""
        overrides: dict[str, Any] = {"base_url": self.host}
        return Service.from_env(**overrides)
