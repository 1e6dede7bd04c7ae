"""``/backchannel/authentication/fail``: read the body, delete the ticket, build the error.

The answers for cases the spec leaves open are assumptions 1 and 2 of ``_assumptions``.
This is the load tests' path: a dict lookup per field, no copies, nothing logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .._local import client_error_content
from .._operations._fail import FailAction, FailReason
from ._results import EmulatorResult

_REASONS = frozenset(FailReason)
_OPTIONAL_TEXT = ("errorDescription", "errorUri")


def _body(result: EmulatorResult, action: FailAction, content: str) -> dict[str, object]:
    return {
        "resultCode": result.code,
        "resultMessage": result.message_for(),  # built once per row, not per call
        "action": action.value,
        "responseContent": content,
    }


def _refusal(result: EmulatorResult) -> dict[str, object]:
    content = client_error_content(FailReason.SERVER_ERROR, result.message_for())
    return _body(result, FailAction.INTERNAL_SERVER_ERROR, content)


def _check(params: Mapping[str, object]) -> EmulatorResult | None:
    """Which "wrong request parameters" result applies, if any (assumption 2)."""
    ticket = params.get("ticket")
    if ticket is None or ticket == "":
        return EmulatorResult.MISSING_TICKET
    if not isinstance(ticket, str):
        return EmulatorResult.BAD_PARAMETER
    reason = params.get("reason")
    if reason not in (None, "") and not (isinstance(reason, str) and reason in _REASONS):
        return EmulatorResult.UNKNOWN_REASON
    if any(
        params.get(key) is not None and not isinstance(params[key], str) for key in _OPTIONAL_TEXT
    ):
        return EmulatorResult.BAD_PARAMETER
    return None


def decide(params: Mapping[str, object], take_ticket: Callable[[str], bool]) -> dict[str, object]:
    """Answer one fail call; *take_ticket* deletes a ticket and says whether it was live.

    Parameters are checked before the ticket is touched, so a wrong call deletes nothing.
    """
    wrong = _check(params)
    if wrong is not None:
        return _refusal(wrong)
    ticket = params["ticket"]
    assert isinstance(ticket, str)
    if not take_ticket(ticket):
        return _refusal(EmulatorResult.UNKNOWN_TICKET)
    given = params.get("reason")
    reason = FailReason(given) if isinstance(given, str) and given else FailReason.SERVER_ERROR
    description, uri = (params.get(key) for key in _OPTIONAL_TEXT)
    assert description is None or isinstance(description, str)  # checked by _check
    assert uri is None or isinstance(uri, str)
    # None and "" both mean "not given".
    content = client_error_content(reason, description, uri)
    return _body(EmulatorResult.SUCCESS, reason.action, content)
