"""The library's one cattrs converter: camelCase on the wire, ``None`` left out.

Unstructure and structure functions are generated once per class, when the converter is
first asked for them, and cached by cattrs; the hot path pays no per-call reflection.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._models import (
    ApiServiceIdBackchannelAuthenticationFail,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationFailResponse,
    FailAction,
    FailReason,
)

_WIRE_CLASSES = (
    BackchannelAuthenticationFailRequest,
    ApiServiceIdBackchannelAuthenticationFail,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailResponse,
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _renames(cls: type) -> dict[str, Any]:
    return {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}


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


def _structure_enum(value: object, cls: type[enum.Enum]) -> enum.Enum:
    return cls(value)


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    # A StrEnum is a str subclass: the enums get hooks of their own, more specific than the
    # str hook, and reach the wire (and any JSON library) as plain strings.
    conv.register_structure_hook(str, _structure_str)
    for enum_cls in (FailReason, FailAction):
        conv.register_structure_hook(enum_cls, _structure_enum)
        conv.register_unstructure_hook(enum_cls, _enum_value)
    for cls in _WIRE_CLASSES:
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
