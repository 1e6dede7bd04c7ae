"""aioauthlete.locust: load tests of Authlete's CIBA API with Locust (the ``locust`` extra).

Locust runs on gevent and cannot await asyncio code, so this is no ``AuthleteClient``: it
is the library's protocol layer (``aioauthlete.protocol``: the same requests, typed
answers and errors, without I/O) over Locust's own FastHttpSession::

    from locust import task
    from aioauthlete import BackchannelAuthenticationFailRequest, FailReason
    from aioauthlete.locust import AuthleteUser

    class Rejecting(AuthleteUser):
        @task
        def fail(self) -> None:
            self.client.backchannel_authentication_fail(
                BackchannelAuthenticationFailRequest(ticket=..., reason=FailReason.ACCESS_DENIED))

Each call is one row of Locust's statistics, named after its method. A transport error,
an API error (non-2xx) and an unusable answer are failures and raise the ``AuthleteError``;
every documented action is a success unless the call's ``expect`` says otherwise. One
attempt per call: nothing is retried. Importing this module imports Locust, which patches
the process for gevent: import it only where Locust runs (``import aioauthlete`` never
does).
"""

from __future__ import annotations

from ._client import METHOD_NAMES, AuthleteLocustClient
from ._outcome import FailedCall
from ._user import AuthleteUser

__all__ = ["METHOD_NAMES", "AuthleteLocustClient", "AuthleteUser", "FailedCall"]
