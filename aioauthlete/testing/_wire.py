"""Reading what callers send: request bodies, their typed fields, the client's form body.

No aiohttp and none of the library's models here: the emulator judges the wire itself, so
that a client bug (a number sent as text, a list where one value belongs) shows up as the
answer Authlete would give. A JSON body must carry each field in its documented type; a
form body carries text, and a field that is a number, a flag or a list is read from it
the way the library writes it (decimal digits, ``true``/``false``, the key repeated).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping

from .._answer import JSON_TYPE, media_type
from .._protocol import FORM_TYPE


class FormParams(dict[str, object]):
    """A form body's parameters: every value is text, the first of a repeated key
    (assumption 2), and ``repeats`` keeps every value of a repeated key."""

    __slots__ = ("repeats",)

    def __init__(self, values: dict[str, object], repeats: dict[str, list[str]]) -> None:
        super().__init__(values)
        self.repeats = repeats


#: A request's parameters: a JSON object as decoded, or a form body.
Params = Mapping[str, object]


def decode_json(text: str | bytes) -> object:
    """The value of a JSON text, or None for one that does not parse or nests deeper
    than the decoder can follow (a 100,000-deep array would otherwise be a 500)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


#: Whole numbers are Authlete's int64; longer digit strings are not read at all.
MAX_WHOLE = 2**63 - 1


class WrongTypeError(Exception):
    """A parameter whose value does not have its field's type; names the field only."""


def read_params(content_type: str | None, body: bytes) -> Params | None:
    """The request parameters of a JSON or form body, or None if it cannot be read."""
    kind = media_type(content_type)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if kind == JSON_TYPE:
        data = decode_json(text)
        return data if isinstance(data, dict) else None
    if kind == FORM_TYPE:
        values: dict[str, object] = {}
        repeats: dict[str, list[str]] = {}
        for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
            if key in values:
                repeats.setdefault(key, [str(values[key])]).append(value)
            else:
                values[key] = value
        return FormParams(values, repeats)
    return None


def ticket_of(params: Mapping[str, object] | None) -> str | None:
    """The request's ticket if it names one, for counting and per-ticket faults."""
    ticket = None if params is None else params.get("ticket")
    return ticket if isinstance(ticket, str) and ticket else None


# -- typed fields: None when absent (or null); WrongTypeError when the type is wrong ------------


def text(params: Params, name: str) -> str | None:
    """A text field."""
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    raise WrongTypeError(name)


def whole(params: Params, name: str) -> int | None:
    """A whole-number field: a JSON integer, or decimal digits in a form."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(params, FormParams) and isinstance(value, str):
        digits = value.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= 19:
            value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_WHOLE:
        return value
    raise WrongTypeError(name)


def flag(params: Params, name: str) -> bool | None:
    """A boolean field: JSON ``true``/``false``, or that text in a form."""
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(params, FormParams) and value in ("true", "false"):
        return value == "true"
    raise WrongTypeError(name)


def texts(params: Params, name: str) -> list[str] | None:
    """A list of texts: a JSON array of strings, or every value of the key in a form."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(params, FormParams):
        return params.repeats.get(name) or [str(value)]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise WrongTypeError(name)


def objects(params: Params, name: str) -> list[dict[str, object]] | None:
    """A list of JSON objects; a form has no encoding for one, so it is refused there."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    raise WrongTypeError(name)


def mapping(params: Params, name: str) -> dict[str, object] | None:
    """A JSON object field (``cimdOptions``); a form has no encoding for one."""
    value = params.get(name)
    if value is None or isinstance(value, dict):
        return value
    raise WrongTypeError(name)


def json_text(params: Params, name: str) -> dict[str, object] | None:
    """A text field that must hold a JSON object (``claims``): the object."""
    value = text(params, name)
    if value is None:
        return None
    decoded = decode_json(value)
    if isinstance(decoded, dict):
        return decoded
    raise WrongTypeError(name)


# -- the client's own form body (the ``parameters`` of authentication and token calls) ----

#: Keys a client may repeat (RFC 8707's resource indicators); any other repeat is refused,
#: as RFC 6749 section 3.1 says request parameters must not be included more than once.
REPEATABLE = frozenset({"resource"})


def client_form(body: str) -> dict[str, list[str]] | None:
    """The client's form body as lists of values, or None if it is not a form body, has
    a key twice that may not repeat, or has bytes that are not UTF-8 once decoded."""
    try:
        pairs = urllib.parse.parse_qsl(
            body, keep_blank_values=True, strict_parsing=bool(body), errors="strict"
        )
    except ValueError:  # UnicodeDecodeError included
        return None
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        values = form.setdefault(key, [])
        if values and key not in REPEATABLE:
            return None
        values.append(value)
    return form


def single(form: Mapping[str, list[str]], name: str) -> str | None:
    """The one value of *name* in a client form, None when absent or empty."""
    values = form.get(name)
    return values[0] if values and values[0] else None
