"""Hypothesis strategies for the wire models, derived from their fields.

Built from what the codecs know of each attribute (``aioauthlete._codec.fields_of``), so a
model added later is covered without a strategy of its own. Instances are valid: text has
no control characters and no lone surrogates, and a model that refuses a combination of
values (complete's ``subject`` for ``AUTHORIZED``) is simply drawn again.
"""

from __future__ import annotations

import typing
from typing import Any

import attrs
from hypothesis import assume
from hypothesis import strategies as st

from aioauthlete._codec import fields_of

#: Text a request may hold: no control characters (C0, DEL), no lone surrogates.
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)
LINE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=20)
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def _of_type(tp: Any, *, form: bool) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp)
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return st.lists(_of_type(item, form=form), max_size=3).map(tuple)
    if attrs.has(tp):
        return instances(tp, form=form)
    if tp is str:
        return TEXT
    if tp is int:
        return INT64
    if tp is bool:
        return st.booleans()
    raise TypeError(f"no strategy for {tp!r}")


def _value(cls: type, field: Any, *, form: bool) -> st.SearchStrategy[Any] | None:
    """A strategy for one field, or ``None`` when *form* bodies cannot carry it."""
    if field.kind == "enum":
        return st.sampled_from(list(field.enum))
    if field.kind == "enum|str":
        return st.sampled_from(list(field.enum)) | LINE
    if field.kind == "str":
        return LINE if field.required else TEXT
    if field.kind in ("int", "bool"):
        return _of_type(field.type, form=form)
    if form and not (
        typing.get_origin(field.type) is tuple and typing.get_args(field.type)[0] is str
    ):
        return None  # nested objects have no form encoding
    return _of_type(field.type, form=form)


_BUILT: dict[tuple[type, bool], st.SearchStrategy[Any]] = {}


def instances(cls: type, *, form: bool = False) -> st.SearchStrategy[Any]:
    """Valid instances of the model *cls* (with *form*: only fields a form body carries)."""
    built = _BUILT.get((cls, form))
    if built is None:
        built = _BUILT[(cls, form)] = _instances(cls, form)
    return built


def _instances(cls: type, form: bool) -> st.SearchStrategy[Any]:

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        kwargs: dict[str, Any] = {}
        for field in fields_of(cls):
            strategy = _value(cls, field, form=form)
            if strategy is None:
                continue
            if field.required or draw(st.booleans()):
                kwargs[field.name] = draw(strategy)
        try:
            return cls(**kwargs)
        except ValueError:
            assume(False)  # a combination the model refuses: draw again
            raise  # pragma: no cover - assume(False) raises

    return build()


def full(cls: type, *, form: bool = False) -> Any:
    """One instance of *cls* with every field set (those a form carries, with *form*)."""
    kwargs: dict[str, Any] = {}
    for field in fields_of(cls):
        if form and _value(cls, field, form=True) is None:
            continue
        kwargs[field.name] = _sample(field.kind, field.type, field.enum, form=form)
    return cls(**kwargs)


def _sample(kind: str, tp: Any, enum: Any, *, form: bool) -> Any:
    if kind in ("enum", "enum|str"):
        return list(enum)[-1]
    if kind == "str":
        return "sample text"
    if kind == "int":
        return 42
    if kind == "bool":
        return True
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        return ("one", "two") if item is str else (full(item, form=form),)
    return full(tp, form=form)
