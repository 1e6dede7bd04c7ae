"""One result line per ticket: what happened, and whether a rerun should try again.

A result is *definitive* when sending the ticket again cannot change it: an answer (any
action), an unusable answer (``AuthleteResponseError``), an invalid row, or an API error
whose status the retry policy does not retry. Two exceptions to the last rule: 401, 403
and 404 describe the configuration (token, permissions, service ID), not the ticket, so
they are recorded as not definitive and a rerun with fixed settings sends the ticket again
instead of skipping the whole file.

An answer can also be *lost*: an attempt (in this run, or in an earlier run that died
with the call in flight) may have failed the ticket without its answer arriving, and the
answer that did arrive says Authlete no longer knows the ticket. That answer describes
the retry, not the ticket: the result says so (``ok`` false, ``ambiguous`` true) instead
of passing it off as the ticket's answer, and it is definitive, since sending the ticket
again cannot bring the lost answer back.
"""

from __future__ import annotations

import http
from collections.abc import Collection
from typing import Any

from .._errors import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTimeoutError,
    AuthleteTransportError,
)
from .._operations._fail import FailAction
from .._outcome import FailOutcome
from ._input import Row

#: Statuses that say the configuration is wrong, whatever the ticket.
CONFIGURATION_STATUSES = frozenset({401, 403, 404})
#: The result code of a fail call that did its job (the spec's success answer). Any other
#: code with action INTERNAL_SERVER_ERROR means the call did not fail the ticket: Authlete
#: no longer knows it (the request itself was checked before it was sent).
SUCCESS_CODE = "A185001"
LOST = (
    "answer lost: an earlier request for this ticket may have failed it without its answer "
    "arriving, and Authlete now says it does not know the ticket ({code})"
)


def answer_lost(outcome: FailOutcome, reached_before: bool) -> bool:
    """Whether the answer says the ticket is unknown after a request that may have failed it."""
    response = outcome.response
    return (
        response is not None
        and (outcome.ambiguous or reached_before)
        and response.action is FailAction.INTERNAL_SERVER_ERROR
        and response.result_code != SUCCESS_CODE
    )


def is_definitive(error: AuthleteError | None, retry_statuses: Collection[int]) -> bool:
    """Whether a rerun should leave this result alone (see the module docstring)."""
    if error is None or isinstance(error, AuthleteResponseError):
        return True
    if isinstance(error, AuthleteApiError):
        return error.status not in retry_statuses and error.status not in CONFIGURATION_STATUSES
    return False


def outcome_record(
    row: Row, outcome: FailOutcome, definitive: bool, *, reached: bool = False, lost: bool = False
) -> dict[str, Any]:
    """The result line of a ticket that was sent.

    *reached*: an earlier run may have sent it unanswered (the result is then ambiguous);
    *lost*: see ``answer_lost``.
    """
    record: dict[str, Any] = {"index": row.index, "line": row.line, "ticket": row.ticket}
    response, error = outcome.response, outcome.error
    if response is not None and not lost:
        record["ok"] = True
        record["action"] = response.action.value
        record["resultCode"] = response.result_code
    elif response is not None:
        record["ok"] = False
        record["error"] = LOST.format(code=response.result_code)
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
    record["ambiguous"] = outcome.ambiguous or reached
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


def category(outcome: FailOutcome, lost: bool = False) -> tuple[str, str]:
    """The summary's (group, detail) for an outcome: ``("answered", "FORBIDDEN")``..."""
    if lost:
        return "answers lost", ""
    if outcome.response is not None:
        return "answered", outcome.response.action.value
    error = outcome.error
    if isinstance(error, AuthleteApiError):
        return "API errors", http_status(error.status)
    if isinstance(error, AuthleteResponseError):
        return "unusable answers", http_status(error.status)
    if isinstance(error, AuthleteTimeoutError):
        return "timeouts", _reach(error)
    if isinstance(error, AuthleteTransportError):
        return "no answer", _reach(error)
    return "other errors", type(error).__name__


def http_status(status: int) -> str:
    """``HTTP 401 Unauthorized``: a status with its name, which a bare number lacks."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
    return f"HTTP {status} {phrase}"


def _reach(error: AuthleteTransportError) -> str:
    return "may have reached Authlete" if error.may_have_reached else "not sent"
