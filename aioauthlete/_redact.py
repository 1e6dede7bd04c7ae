"""Keeping secrets and tickets out of messages, reprs and logs.

Tickets are shown as a short SHA-256 prefix: enough to correlate a log line with a row of
a batch result, useless to anyone who wants to replay the ticket.
"""

from __future__ import annotations

import hashlib

_CONTROL_ESCAPES = {i: f"\\x{i:02x}" for i in (*range(0x20), 0x7F)}
_CONTROL_ESCAPES[ord("\r")] = "\\r"
_CONTROL_ESCAPES[ord("\n")] = "\\n"
_CONTROL_ESCAPES[ord("\t")] = "\\t"


def ticket_ref(ticket: str) -> str:
    """Return a short, stable, non-reversible reference to *ticket*."""
    return hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def escape_control(text: str, limit: int = 300) -> str:
    """Escape control characters (CR/LF first of all) and cut *text* to *limit* characters.

    Server-provided text goes through this before it reaches a log line or an exception
    message, so that a hostile answer cannot forge log records.
    """
    if len(text) > limit:
        text = text[:limit] + "..."
    return text.translate(_CONTROL_ESCAPES)


def has_control(text: str) -> bool:
    """Whether *text* holds a C0 control character or DEL."""
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)
