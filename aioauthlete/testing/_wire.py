"""The fail API's logic as pure functions: read the body, decide the answer.

No aiohttp here, so the rules can be read (and tested) apart from the serving code. The
answers for cases the spec leaves open are assumptions 1-3 of ``_assumptions``.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping

from attrs import frozen

from .._answer import JSON_TYPE, media_type
from .._local import client_error_content
from .._operations._fail import FailAction, FailReason
from .._protocol import FORM_TYPE
from ._assumptions import EmulatorResult

_REASONS = frozenset(FailReason)
_OPTIONAL_TEXT = {"errorDescription": "error_description", "errorUri": "error_uri"}


def read_params(content_type: str | None, body: bytes) -> dict[str, object] | None:
    """The request parameters of a JSON or form body, or None if it cannot be read."""
    kind = media_type(content_type)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if kind == JSON_TYPE:
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    if kind == FORM_TYPE:
        params: dict[str, object] = {}
        for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
            params.setdefault(key, value)  # the first of repeated keys wins
        return params
    return None


def ticket_of(params: Mapping[str, object] | None) -> str | None:
    """The request's ticket if it names one, for counting and per-ticket faults."""
    ticket = None if params is None else params.get("ticket")
    return ticket if isinstance(ticket, str) and ticket else None


@frozen
class Answer:
    """A 200 answer of the fail API."""

    result: EmulatorResult
    action: FailAction
    response_content: str

    def body(self) -> dict[str, object]:
        return {
            "resultCode": self.result.code,
            "resultMessage": self.result.message,
            "action": self.action.value,
            "responseContent": self.response_content,
        }


def _refusal(result: EmulatorResult) -> Answer:
    content = client_error_content(FailReason.SERVER_ERROR, result.message)
    return Answer(result, FailAction.INTERNAL_SERVER_ERROR, content)


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


def decide(params: Mapping[str, object], take_ticket: Callable[[str], bool]) -> Answer:
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
    return Answer(EmulatorResult.SUCCESS, reason.action, content)
