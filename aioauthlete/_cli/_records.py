"""One result line per ticket: what happened, and whether a rerun should try again.

A result is *definitive* when sending the ticket again cannot change it: an answer (any
action), an unusable answer (``AuthleteResponseError``), an invalid row, or an API error
whose status the retry policy does not retry. Two exceptions to the last rule: 401, 403
and 404 describe the configuration (token, permissions, service ID), not the ticket, so
they are recorded as not definitive and a rerun with fixed settings sends the ticket again
instead of skipping the whole file.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .._errors import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTimeoutError,
    AuthleteTransportError,
)
from .._outcome import FailOutcome
from ._input import Row

#: Statuses that say the configuration is wrong, whatever the ticket.
CONFIGURATION_STATUSES = frozenset({401, 403, 404})


def is_definitive(error: AuthleteError | None, retry_statuses: Collection[int]) -> bool:
    """Whether a rerun should leave this result alone (see the module docstring)."""
    if error is None or isinstance(error, AuthleteResponseError):
        return True
    if isinstance(error, AuthleteApiError):
        return error.status not in retry_statuses and error.status not in CONFIGURATION_STATUSES
    return False


def outcome_record(row: Row, outcome: FailOutcome, definitive: bool) -> dict[str, Any]:
    """The result line of a ticket that was sent."""
    record: dict[str, Any] = {"index": row.index, "line": row.line, "ticket": row.ticket}
    response, error = outcome.response, outcome.error
    if response is not None:
        record["ok"] = True
        record["action"] = response.action.value
        record["resultCode"] = response.result_code
    else:
        assert error is not None
        record["ok"] = False
        record["error"] = str(error)
        if isinstance(error, AuthleteApiError):
            if error.result_code is not None:
                record["resultCode"] = error.result_code
            record["status"] = error.status
        elif isinstance(error, AuthleteResponseError):
            record["status"] = error.status
    record["attempts"] = outcome.attempts
    record["ambiguous"] = outcome.ambiguous
    record["elapsed"] = round(outcome.elapsed, 3)
    record["definitive"] = definitive
    return record


def invalid_record(row: Row) -> dict[str, Any]:
    """The result line of a row that could not be sent."""
    return {
        "index": row.index,
        "line": row.line,
        "ticket": row.ticket,
        "ok": False,
        "error": f"invalid row: {row.problem}",
        "attempts": 0,
        "ambiguous": False,
        "elapsed": 0.0,
        "definitive": True,
    }


def category(outcome: FailOutcome) -> tuple[str, str]:
    """The summary's (group, detail) for an outcome: ``("answered", "FORBIDDEN")``..."""
    if outcome.response is not None:
        return "answered", outcome.response.action.value
    error = outcome.error
    if isinstance(error, AuthleteApiError):
        return "API errors", f"HTTP {error.status}"
    if isinstance(error, AuthleteResponseError):
        return "unusable answers", f"HTTP {error.status}"
    if isinstance(error, AuthleteTimeoutError):
        return "timeouts", _reach(error)
    if isinstance(error, AuthleteTransportError):
        return "no answer", _reach(error)
    return "other errors", type(error).__name__


def _reach(error: AuthleteTransportError) -> str:
    return "may have reached Authlete" if error.may_have_reached else "not sent"
