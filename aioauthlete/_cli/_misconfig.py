"""A batch that Authlete refuses as a whole stops early, and says what is likely wrong.

401, 403 and 404 describe the configuration (token, permissions, service ID, URL), not
the ticket: with a wrong token, a million tickets would earn a million 401s. So when the
first ``STOP_AFTER`` answers are all the same one of these statuses, and nothing else has
come back, the batch stops: its later tickets are not sent. One other outcome (an answer,
another status, a network error) disarms the watch for the rest of the batch, so a batch
that works is never stopped by a later, isolated 401.
"""

from __future__ import annotations

import urllib.parse

from .._config import ENV_ACCESS_TOKEN, ENV_API_SECRET, ENV_SERVICE_ID
from .._errors import AuthleteApiError, AuthleteError
from .._outcome import FailOutcome
from ._records import CONFIGURATION_STATUSES, http_status

#: Answers that must all be the same configuration error before a batch stops.
STOP_AFTER = 10


class ConfigurationWatch:
    """Counts the leading run of identical 401/403/404 answers of one batch."""

    def __init__(self, limit: int = STOP_AFTER) -> None:
        self._limit = limit
        self._armed = True
        self.count = 0
        #: The status every answer so far was; None before the first or once disarmed.
        self.status: int | None = None

    def see(self, outcome: FailOutcome) -> bool:
        """Count *outcome*; True exactly once, when the batch should stop."""
        if not self._armed:
            return False
        status = configuration_status(outcome.error)
        if status is None or self.status not in (None, status):
            self._armed = False
            self.status = None
            return False
        self.status = status
        self.count += 1
        return self.count == self._limit


def configuration_status(error: AuthleteError | None) -> int | None:
    """The 401, 403 or 404 of an API error; None for anything else."""
    if isinstance(error, AuthleteApiError) and error.status in CONFIGURATION_STATUSES:
        return error.status
    return None


def likely_cause(status: int, base_url: str, service_id: str) -> str:
    """What a 401, 403 or 404 from *base_url* most likely means, in one sentence."""
    if status == 401:
        return (
            f"Authlete at {base_url} does not accept the credentials: check {ENV_ACCESS_TOKEN} "
            f"(a token of service {service_id} or of its organization; for API V2, "
            f"{ENV_API_SECRET} with --api-version V2) and that {base_url} is the region "
            "the service lives in"
        )
    if status == 403:
        return (
            f"the credentials may not fail tickets of service {service_id}: check that the "
            "token covers this service and is allowed to call this API"
        )
    path = urllib.parse.urlsplit(base_url).path.rstrip("/")
    if path.split("/")[-1:] == ["api"]:
        return (
            f"the base URL {base_url} ends in /api, which the client adds itself "
            f"(/api/{service_id}/...): drop it"
        )
    return (
        f"{base_url} has no service {service_id}: check the service ID ({ENV_SERVICE_ID} "
        "or --service-id), the region (the base URL), and that the base URL has no path"
    )


def explain(status: int, count: int, base_url: str, service_id: str) -> str:
    """The note a stopped batch prints: what came back, and what is likely wrong."""
    return (
        f"stopped: the first {count} answers were all {http_status(status)}, so the other "
        f"tickets were not sent; {likely_cause(status, base_url, service_id)}"
    )
