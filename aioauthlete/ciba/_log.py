"""The ``aioauthlete.ciba`` logger, and how a failure of the application's code is told.

A hook's exception message may quote what it was given (a login hint token, a user code),
so records name the hook, the exception's class and where it was raised (the stack, file
and line, as the source reads), never the exception's message or any local. Tickets and
``auth_req_id`` values show as their short hash.
"""

from __future__ import annotations

import logging
import traceback

from .._redact import ticket_ref

logger = logging.getLogger("aioauthlete.ciba")


def ref(value: str | None) -> str:
    """A ticket or an ``auth_req_id`` as it appears in a record."""
    return "-" if value is None else ticket_ref(value)


def where(exc: BaseException) -> str:
    """The stack of *exc*: one ``File ..., line ..., in ...`` entry per frame, no message."""
    return "".join(traceback.format_tb(exc.__traceback__)).rstrip()


def hook_failed(hook: str, exc: BaseException, ticket: str | None, then: str) -> None:
    """One ERROR record: the application's *hook* raised; *then* says what was done."""
    logger.error(
        "hook %s raised %s ticket=%s; %s\n%s",
        hook,
        type(exc).__qualname__,
        ref(ticket),
        then,
        where(exc),
    )


def call_failed(call: str, error: Exception, ticket: str | None = None) -> None:
    """One ERROR record: an Authlete call gave no usable answer (its text is masked and
    escaped by the client)."""
    logger.error("%s call failed ticket=%s: %s", call, ref(ticket), error)
