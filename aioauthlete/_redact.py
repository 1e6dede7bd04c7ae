"""Keeping secrets and tickets out of messages, reprs and logs.

Tickets are shown as a short SHA-256 prefix: enough to correlate a log line with a row of
a batch result, useless to anyone who wants to replay the ticket.
"""

from __future__ import annotations

import hashlib
import re

# C0 controls, DEL and C1 controls (NEL ends a line for str.splitlines and some log
# viewers, CSI starts a terminal escape), and the Unicode line and paragraph separators.
_CONTROL_ESCAPES = {i: f"\\x{i:02x}" for i in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL_ESCAPES[0x2028] = "\\u2028"
_CONTROL_ESCAPES[0x2029] = "\\u2029"
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_CONTROL_ESCAPES[ord("\r")] = "\\r"
_CONTROL_ESCAPES[ord("\n")] = "\\n"
_CONTROL_ESCAPES[ord("\t")] = "\\t"


def ticket_ref(ticket: str) -> str:
    """Return a short, stable, non-reversible reference to *ticket*."""
    return hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()[:12]


class RedactedTicket(str):
    """A ticket whose ``repr`` is its short hash; ``str()`` and the wire see the ticket.

    Tracebacks printed with their locals (``pytest --showlocals``, error reporters) and the
    ``repr`` of any container holding it then show ``<ticket 1a2b3c4d5e6f>`` instead.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<ticket {ticket_ref(self)}>"


def escape_control(text: str, limit: int = 300) -> str:
    """Escape control characters (CR/LF first of all) and cut *text* to *limit* characters.

    Escaped: C0 and C1 controls, DEL, U+2028 and U+2029, so that the result is one line for
    any reader and drives no terminal.

    Server-provided text goes through this before it reaches a log line or an exception
    message, so that a hostile answer cannot forge log records.
    """
    if len(text) > limit:
        text = text[:limit] + "..."
    return text.translate(_CONTROL_ESCAPES)


def has_control(text: str) -> bool:
    """Whether *text* holds a C0 control character or DEL."""
    return _CONTROL.search(text) is not None
