"""The ``aioauthlete`` logger: one DEBUG record per attempt, a WARNING when giving up.

Records carry the service, the attempt number, the status and result code, the elapsed time
and a short hash of the ticket; never the ticket, the token or the secret. Text that came
from the server has its control characters escaped, so it cannot forge log lines. Nothing is
formatted unless the level is on.
"""

from __future__ import annotations

import logging
from typing import Protocol

from ._errors import AuthleteApiError, AuthleteError, AuthleteResponseError
from ._models import BackchannelAuthenticationFailResponse
from ._redact import escape_control, ticket_ref

logger = logging.getLogger("aioauthlete")
# A library logs only where the application says: without a handler of its own, Python's
# last-resort handler would print every give-up WARNING to stderr.
logger.addHandler(logging.NullHandler())


class Subject(Protocol):
    """What a record says of the call: its service, and its ticket as a hash only."""

    @property
    def service_id(self) -> str: ...

    @property
    def ticket(self) -> str: ...

    @property
    def status(self) -> int:
        """The HTTP status of the call's last answer."""
        ...

    def scrub(self, error: AuthleteError) -> AuthleteError:
        """*error* with the call's secrets masked in the texts a server sent."""
        ...


def _outcome(
    subject: Subject, result: BackchannelAuthenticationFailResponse | AuthleteError
) -> tuple[str, str]:
    if isinstance(result, BackchannelAuthenticationFailResponse):
        return str(subject.status), escape_control(result.result_code, 40)
    if isinstance(result, AuthleteApiError):
        return str(result.status), escape_control(result.result_code or "-", 40)
    if isinstance(result, AuthleteResponseError):
        return str(result.status), "-"
    return "none", "-"


def log_attempt(
    subject: Subject,
    attempt: int,
    result: BackchannelAuthenticationFailResponse | AuthleteError,
    elapsed: float,
) -> None:
    """One DEBUG record for one finished attempt."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    status, code = _outcome(subject, result)
    detail = "" if isinstance(result, BackchannelAuthenticationFailResponse) else f" ({result})"
    logger.debug(
        "fail attempt service=%s attempt=%d status=%s result_code=%s elapsed=%.3fs ticket=%s%s",
        subject.service_id,
        attempt,
        status,
        code,
        elapsed,
        ticket_ref(subject.ticket),
        detail,
    )


def log_give_up(subject: Subject, error: AuthleteError, why: str) -> None:
    """One WARNING record when a call ends without an answer it can return."""
    if not logger.isEnabledFor(logging.WARNING):
        return
    logger.warning(
        "fail call gave up service=%s attempts=%d ambiguous=%s ticket=%s why=%s: %s",
        subject.service_id,
        error.attempts,
        error.ambiguous,
        ticket_ref(subject.ticket),
        why,
        error,
    )
