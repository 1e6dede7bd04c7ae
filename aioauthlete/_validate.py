"""Input checks that run before any I/O.

Messages name the offending argument but never echo its value: the value may be a token, a
secret or a ticket.
"""

from __future__ import annotations

import re

from ._redact import has_control

# One path segment of RFC 3986 unreserved characters. Authlete's service IDs are numeric
# strings; the wider set keeps on-premises deployments with other IDs working while still
# making path traversal (`..`, `/`, `?`, `#`, `%`) impossible.
_SERVICE_ID = re.compile(r"[A-Za-z0-9._~-]{1,128}")
# Visible ASCII: what an HTTP header value can carry without folding or injection.
_TOKEN = re.compile(r"[\x21-\x7e]{1,4096}")
# A lone surrogate is a str but not text: no encoding, UTF-8 included, can carry it.
_SURROGATE = re.compile("[\ud800-\udfff]")

#: Finds anything a request's text field may not hold (a control character or a lone
#: surrogate); ``None`` for ordinary text. Requests run this once per field they check,
#: and the full check (which says what is wrong) only when it finds something.
text_suspect = re.compile("[\x00-\x1f\x7f\ud800-\udfff]").search


def check_service_id(value: object, name: str = "service_id") -> str:
    """Return *value* if it is one safe path segment, else raise ``ValueError``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if _SERVICE_ID.fullmatch(value) is None or value in {".", ".."}:
        raise ValueError(
            f"{name} must be one path segment of the characters A-Z a-z 0-9 . _ ~ - "
            "(and not '.' or '..')"
        )
    return value


def check_credential(value: object, name: str) -> str:
    """Return *value* if it can travel in an HTTP header, else raise without echoing it."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if _TOKEN.fullmatch(value) is None:
        raise ValueError(
            f"{name} must be 1-4096 visible ASCII characters "
            "(no spaces, control characters or non-ASCII); its value is not shown"
        )
    return value


def check_text(value: object, name: str, *, allow_empty: bool = True) -> None:
    """Refuse a non-str, an empty string (unless allowed), control characters, or a lone
    surrogate (which would fail later, when the body is encoded, with the body in the
    exception)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if has_control(value):
        raise ValueError(f"{name} must not contain control characters (CR, LF, ...)")
    if _SURROGATE.search(value) is not None:
        raise ValueError(
            f"{name} must be valid Unicode text (it holds a lone surrogate, which no "
            "encoding can carry)"
        )
