"""The library's one cattrs converter: camelCase on the wire, ``None`` left out.

Unstructure and structure functions are generated once per class, when the converter is
first asked for them, and cached by cattrs; the hot path pays no per-call reflection.
Scalars are strict: a whole number is an ``int`` (not ``"12"``, ``1.5`` or ``true``), a
flag is a ``bool``; only text accepts a number, as Authlete's own 404 example sends one.
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._codec import camel
from ._operations import ENUMS, WIRE_CLASSES


def _renames(cls: type) -> dict[str, Any]:
    return {a.name: override(rename=camel(a.name)) for a in attrs.fields(cls)}


def wire_text(value: object) -> str | None:
    """A text field as Authlete writes it, or ``None`` when *value* is not one.

    Authlete's own 404 example carries a numeric resultCode: integers count as text, but
    None, a dict or a bool never become a string the way ``str()`` would make them.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _structure_str(value: object, _: type) -> str:
    text = wire_text(value)
    if text is None:
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return text


def _structure_int(value: object, _: type) -> int:
    # Not int(value): "12", 1.5 and True are not the whole numbers the spec promises.
    if type(value) is not int:
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if type(value) is not bool:
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def _structure_enum(value: object, cls: type[enum.Enum]) -> enum.Enum:
    return cls(value)


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _is_enum_or_text(tp: Any) -> bool:
    """``SomeEnum | str``: a field the spec types as a string, with values we know."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return False
    members = set(typing.get_args(tp)) - {type(None)}
    enums = [m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)]
    return len(members) == 2 and str in members and len(enums) == 1


def _enum_or_text_hook(tp: Any) -> Any:
    members = set(typing.get_args(tp)) - {type(None)}
    [enum_cls] = [m for m in members if m is not str]
    values = {member.value: member for member in enum_cls}
    optional = type(None) in typing.get_args(tp)

    def structure(value: object, _: type) -> object:
        if value is None and optional:
            return None
        text = _structure_str(value, str)
        return values.get(text, text)

    return structure


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    # A StrEnum is a str subclass: the enums get hooks of their own, more specific than the
    # str hook, and reach the wire (and any JSON library) as plain strings.
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook_factory(_is_enum_or_text, _enum_or_text_hook)
    for enum_cls in ENUMS:
        conv.register_structure_hook(enum_cls, _structure_enum)
        conv.register_unstructure_hook(enum_cls, _enum_value)
    for cls in WIRE_CLASSES:
        attrs.resolve_types(cls)  # the models use postponed annotations
        renames = _renames(cls)
        conv.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **renames)
        )
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv, **renames))
    return conv


#: The converter: ``converter.structure(wire_dict, Cls)`` and ``converter.unstructure(obj)``.
#: Unknown keys in an answer are ignored, so that fields Authlete adds later break nothing.
converter: cattrs.Converter = _make_converter()
