"""The ``aioauthlete`` logger: one DEBUG record per attempt, a WARNING when giving up.

Records carry the operation, the service, the attempt number, the status and result code,
the elapsed time and a short hash of what names the call (its ticket or ``auth_req_id``);
never the ticket itself, the token, the secret or a request's parameters. Text that came
from the server has its control characters escaped, so it cannot forge log lines. Nothing
is formatted unless the level is on.
"""

from __future__ import annotations

import logging
from typing import Protocol

from ._errors import AuthleteApiError, AuthleteError, AuthleteResponseError
from ._redact import escape_control, ticket_ref

logger = logging.getLogger("aioauthlete")
# A library logs only where the application says: without a handler of its own, Python's
# last-resort handler would print every give-up WARNING to stderr.
logger.addHandler(logging.NullHandler())


class Subject(Protocol):
    """What a record says of the call (the client passes its ``PreparedRequest``)."""

    @property
    def label(self) -> str:
        """The operation's name (``"fail"``)."""
        ...

    @property
    def service_id(self) -> str: ...

    @property
    def named(self) -> tuple[str, str] | None:
        """What names the call, raw (``("ticket", value)``); records show its hash."""
        ...

    @property
    def status(self) -> int:
        """The HTTP status of the call's last answer."""
        ...

    def scrub(self, error: AuthleteError) -> AuthleteError:
        """*error* with the call's secrets masked in the texts a server sent."""
        ...


def _outcome(subject: Subject, result: object) -> tuple[str, str]:
    if isinstance(result, AuthleteApiError):
        return str(result.status), escape_control(result.result_code or "-", 40)
    if isinstance(result, AuthleteResponseError):
        return str(result.status), "-"
    if isinstance(result, AuthleteError):
        return "none", "-"
    code = getattr(result, "result_code", None)
    return str(subject.status), escape_control(code, 40) if isinstance(code, str) else "-"


def _naming(subject: Subject) -> str:
    named = subject.named
    return "" if named is None else f" {named[0]}={ticket_ref(named[1])}"


def log_attempt(subject: Subject, attempt: int, result: object, elapsed: float) -> None:
    """One DEBUG record for one finished attempt (*result*: an answer or an error)."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    status, code = _outcome(subject, result)
    detail = f" ({result})" if isinstance(result, AuthleteError) else ""
    logger.debug(
        "%s attempt service=%s attempt=%d status=%s result_code=%s elapsed=%.3fs%s%s",
        subject.label,
        subject.service_id,
        attempt,
        status,
        code,
        elapsed,
        _naming(subject),
        detail,
    )


def log_give_up(subject: Subject, error: AuthleteError, why: str) -> None:
    """One WARNING record when a call ends without an answer it can return."""
    if not logger.isEnabledFor(logging.WARNING):
        return
    logger.warning(
        "%s call gave up service=%s attempts=%d ambiguous=%s%s why=%s: %s",
        subject.label,
        subject.service_id,
        error.attempts,
        error.ambiguous,
        _naming(subject),
        why,
        error,
    )
