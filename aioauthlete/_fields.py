"""Field definitions for the wire models: types checked at construction, secrets kept out
of reprs.

Every model is built by the caller (requests) or from Authlete's answer (responses), and
the codecs (``_codec``) rely on each field holding the type it declares, so the checks run
in the models' constructors, before any I/O. Messages name the field, never its value.

Three kinds of text, by what the value goes into:

- ``line``: values that name a call or reach a header or a log (tickets, subjects): no
  control characters, no lone surrogates, not empty;
- ``text``: body text that may hold line breaks by nature (PEM certificates, ``claims``
  JSON, the client's ``parameters``): no lone surrogates (no encoding can carry one);
- ``secret`` adds a repr that shows nothing to either.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import attrs

from ._redact import ticket_ref
from ._validate import check_text, text_suspect

E = TypeVar("E", bound=enum.Enum)


def _check_line(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_text(value, attribute.name, allow_empty=False)


def _check_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a str, not {type(value).__name__}")
    if text_suspect(value) is not None:
        _refuse_surrogates(value, attribute.name)


def _refuse_surrogates(value: str, name: str) -> None:
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError(
            f"{name} must be valid Unicode text (it holds a lone surrogate, which no "
            "encoding can carry)"
        )


def _check_texts(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    for item in value:  # type: ignore[attr-defined]  # a tuple, by the converter
        if not isinstance(item, str):
            raise TypeError(f"{attribute.name} must hold str items, not {type(item).__name__}")
        if text_suspect(item) is not None:
            _refuse_surrogates(item, attribute.name)


def _check_whole(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError(f"{attribute.name} must be an int, not {type(value).__name__}")


def _check_flag(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be a bool, not {type(value).__name__}")


def _items(value: Iterable[Any] | None) -> tuple[Any, ...] | None:
    """Lists (as JSON gives them, or as a caller writes them) become tuples."""
    if value is None or isinstance(value, tuple):
        return value
    if isinstance(value, str | bytes):
        raise TypeError("a sequence of items is needed here, not a single string")
    return tuple(value)


def _hidden(value: object) -> str:
    return "None" if value is None else "<redacted>"


def _by_hash(value: object) -> str:
    return "None" if value is None else f"<{ticket_ref(str(value))}>"


def _by_length(value: object) -> str:
    return "None" if value is None else f"<{len(str(value))} characters>"


def line(*, shown: str = "plain") -> Any:
    """An optional text that names a call or reaches a header: no control characters.

    *shown* is how the repr shows it: ``"plain"``, ``"hash"`` (tickets) or ``"hidden"``.
    """
    return attrs.field(default=None, validator=_check_line, repr=_REPRS[shown])


def text(*, shown: str = "plain") -> Any:
    """An optional body text, line breaks allowed. *shown* as for ``line``, or ``"length"``."""
    return attrs.field(default=None, validator=_check_text, repr=_REPRS[shown])


def required_line(*, shown: str = "plain") -> dict[str, Any]:
    """``line`` for a required field, written ``field(**required_line())``: a literal
    ``field()`` call is what type checkers read as "no default"."""
    return {"validator": [_present, _check_line], "repr": _REPRS[shown]}


def required_text(*, shown: str = "plain") -> dict[str, Any]:
    """``text`` for a required field, written ``field(**required_text())``."""
    return {"validator": [_present, _check_text], "repr": _REPRS[shown]}


_REPRS: dict[str, Callable[[object], str] | bool] = {
    "plain": True,
    "hash": _by_hash,
    "hidden": _hidden,
    "length": _by_length,
}


def _present(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:  # the checks above let None through, for optional fields
        raise TypeError(f"{attribute.name} must be a str, not NoneType")


def texts() -> Any:
    """A list of texts (a tuple on the model)."""
    return attrs.field(default=None, converter=_items, validator=_check_texts)


def items(cls: type) -> Any:
    """A list of nested models of *cls* (a tuple on the model)."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            for item in value:  # type: ignore[attr-defined]  # a tuple, by the converter
                if not isinstance(item, cls):
                    raise TypeError(
                        f"{attribute.name} must hold {cls.__name__} items, "
                        f"not {type(item).__name__}"
                    )

    return attrs.field(default=None, converter=_items, validator=check)


def nested(cls: type) -> Any:
    """One nested model of *cls*."""
    return attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(cls))
    )


def whole(*, shown: str = "plain") -> Any:
    """A whole number (``int``, never a ``bool``)."""
    return attrs.field(default=None, validator=_check_whole, repr=_REPRS[shown])


def flag() -> Any:
    """A ``bool``."""
    return attrs.field(default=None, validator=_check_flag)


def _member_converter(cls: type[E], *, optional: bool) -> Callable[[object], object]:
    def convert(value: object) -> object:
        if (value is None and optional) or type(value) is cls:
            return value
        return cls(value)  # a required field's None is refused here too

    return convert


def member(cls: type[E]) -> Any:
    """An optional member of the enum *cls*; its wire string is accepted too."""
    return attrs.field(default=None, converter=_member_converter(cls, optional=True))


def required_member(cls: type[E]) -> dict[str, Any]:
    """``member`` for a required field, written ``field(**required_member(cls))``."""
    return {"converter": _member_converter(cls, optional=False)}


def member_or_text(cls: type[E]) -> Any:
    """A member of *cls* when the wire string is one of its values, else the string itself
    (for fields the spec types as plain strings, such as ``hintType``)."""
    values = {m.value: m for m in cls}

    def convert(value: object) -> object:
        if isinstance(value, str) and not isinstance(value, enum.Enum):
            return values.get(value, value)
        return value

    return attrs.field(default=None, converter=convert, validator=_check_text)
