"""Keeping secrets and tickets out of messages, reprs and logs.

Tickets are shown as a short SHA-256 prefix: enough to correlate a log line with a row of
a batch result, useless to anyone who wants to replay the ticket.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable, Iterable

# C0 controls, DEL and C1 controls (NEL ends a line for str.splitlines and some log
# viewers, CSI starts a terminal escape), and the Unicode line and paragraph separators.
_CONTROL_ESCAPES = {i: f"\\x{i:02x}" for i in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL_ESCAPES[0x2028] = "\\u2028"
_CONTROL_ESCAPES[0x2029] = "\\u2029"
# Lone surrogates (a JSON answer may escape one): a str, but no encoding can carry it, so a
# log handler writing UTF-8 would fail on the message.
_CONTROL_ESCAPES.update({i: f"\\u{i:04x}" for i in range(0xD800, 0xE000)})
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
    any reader and drives no terminal, and lone surrogates, so that any encoding can carry it.

    Server-provided text goes through this before it reaches a log line or an exception
    message, so that a hostile answer cannot forge log records.
    """
    if len(text) > limit:
        text = text[:limit] + "..."
    return text.translate(_CONTROL_ESCAPES)


def has_control(text: str) -> bool:
    """Whether *text* holds a C0 control character or DEL."""
    return _CONTROL.search(text) is not None


#: What a masked credential reads as. No JSON-special character: masking the raw bytes of
#: a JSON body leaves it valid JSON.
REDACTED = "<redacted>"
#: Shorter values are not masked: they would take ordinary words with them ("t" is in
#: every message), and Authlete's tokens, secrets and tickets are far longer.
MIN_MASKED = 8


class CredentialMask:
    """The client's own credentials, masked in whatever a server sends back.

    A proxy or a server that copies the Authorization header into its answer would put the
    token (or, in 2.x mode, the secret and its ``base64(service:secret)`` form) into error
    messages, log records, result files, and the ``response_content`` a caller forwards to
    its own client. Bodies are masked as raw bytes before they are decoded, verbatim and
    as JSON may escape them (``\\"``, ``\\\\``, ``\\/``), so that every field decoded from
    them is clean; texts from elsewhere (headers, the HTTP parser's complaints) are
    masked when they become part of an error.
    """

    __slots__ = ("_needles", "_pattern", "_secrets", "_shown", "find")

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = tuple(secrets)
        texts = {secret for secret in self._secrets if len(secret) >= MIN_MASKED}
        forms = set(texts)
        for text in texts:
            escaped = json.dumps(text)[1:-1]
            forms.update((escaped, escaped.replace("/", "\\/")))
        longest_first = sorted(forms, key=len, reverse=True)  # a form may contain another
        # What a masked value reads as; a secret inside REDACTED itself ("<redacte") would
        # survive its own masking, so then asterisks (shorter than any masked value).
        self._shown = "***" if any(form.lower() in REDACTED for form in forms) else REDACTED
        self._needles = tuple(form.encode() for form in longest_first)
        #: ``find(body)`` is not ``None`` when *body* holds a credential: a C call, which is
        #: all the usual answer costs (``body`` then does the masking).
        self.find = re.compile(b"|".join(map(re.escape, self._needles)) or b"(?!)").search
        # Texts are masked whatever their case: a header value may come back lowered.
        alternatives = "|".join(re.escape(form) for form in longest_first)
        self._pattern = re.compile(alternatives, re.IGNORECASE) if alternatives else None

    def body(self, data: bytes) -> bytes:
        """*data* with every credential masked (``REDACTED``; the usual body: as is)."""
        for needle in self._needles:
            if needle in data:
                data = data.replace(needle, self._shown.encode())
        return data

    def plus(self, secrets: Iterable[str]) -> CredentialMask:
        """A mask for these credentials and *secrets* too (a request's own secrets)."""
        return CredentialMask((*self._secrets, *secrets))

    def text(self, text: str) -> str:
        """*text* with every credential, in any case, masked."""
        return text if self._pattern is None else self._pattern.sub(self._shown, text)


def masking_named(mask: Callable[[str], str], ticket: str) -> Callable[[str], str]:
    """*mask*, and also *ticket* (or whatever value names the call: an ``auth_req_id``)
    replaced by its reference, as in a repr."""
    shown = repr(RedactedTicket(ticket))

    def masked(text: str) -> str:
        text = mask(text)
        return text.replace(ticket, shown) if len(ticket) >= MIN_MASKED else text

    return masked


def forget_locals(exc: BaseException) -> None:
    """Clear the locals of the frames *exc* has left: they have finished.

    A traceback printed with its locals (``pytest --showlocals``, error trackers) shows
    every local of every frame it passed: aiohttp's request frame holds the headers
    (Authorization included) and the body, a decoding frame the answer as the server sent
    it. The exception stays the same object and its traceback still says where it came
    from. A frame that is still running (the one handling *exc*) cannot be cleared and is
    skipped; frames *exc* did not pass are never touched (clearing a suspended coroutine's
    frame would end that coroutine).
    """
    tb = exc.__traceback__
    while tb is not None:
        with contextlib.suppress(RuntimeError):  # a frame that is still running
            tb.tb_frame.clear()
        tb = tb.tb_next
