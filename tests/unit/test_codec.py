"""The generated codecs equal the converter, for every wire class of every operation.

The strategies come from the field metadata (``tests.strategies``, ``fields_of``), so a
model added later is covered here without a line of its own.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioauthlete import AuthleteResponseError, Operation, converter
from aioauthlete._codec import fields_of, json_decoder, json_encoder
from aioauthlete._operations import WIRE_CLASSES
from aioauthlete.operations import COMPLETE, ISSUE, TOKEN
from tests.strategies import instances

ids = [cls.__name__ for cls in WIRE_CLASSES]
#: Any text JSON can carry: control characters and lone surrogates (as ``\\ud800``) too.
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=8) | st.sampled_from(
    ["", "\n", "\ud800"]
)
#: Any JSON value: what a server may put where a field should be.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def compact(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def structured(wire: dict[str, Any], cls: type) -> tuple[bool, Any]:
    """``(True, value)`` when the converter accepts *wire*, ``(False, None)`` when not."""
    try:
        return True, converter.structure(wire, cls)
    except Exception:  # any refusal: the decoder must then refuse too
        return False, None


@st.composite
def wire_dicts(draw: st.DrawFn, cls: type) -> dict[str, Any]:
    """A valid answer of *cls*, then damaged: fields dropped, values swapped for any JSON
    value (wrong types, unknown enum values, control characters, lone surrogates), keys
    added."""
    wire: dict[str, Any] = converter.unstructure(draw(instances(cls)))
    for field in fields_of(cls):
        change = draw(st.sampled_from(["keep", "keep", "drop", "junk", "unknown"]))
        if change == "drop":
            wire.pop(field.wire, None)
        elif change == "junk":
            wire[field.wire] = draw(JSON_VALUES)
        elif change == "unknown":
            wire[field.wire] = draw(ANY_TEXT)
    extra = draw(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=2))
    return {**extra, **wire}


@pytest.mark.parametrize("cls", WIRE_CLASSES, ids=ids)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_generated_encoder_writes_what_the_converter_and_json_dumps_write(
    cls: type, data: st.DataObject
) -> None:
    value = data.draw(instances(cls))
    assert json_encoder(cls, converter)(value) == compact(converter.unstructure(value))


@pytest.mark.parametrize("cls", WIRE_CLASSES, ids=ids)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_generated_decoder_refuses_or_agrees_with_the_converter(
    cls: type, data: st.DataObject
) -> None:
    """Whatever the dict holds, the decoder answers None (the caller then takes the
    converter's path) or exactly what the converter builds; it never raises."""
    wire = data.draw(wire_dicts(cls))
    decoded = json_decoder(cls, converter)(wire)
    accepted, expected = structured(wire, cls)
    if decoded is not None:
        assert accepted
        assert decoded == expected
        assert type(decoded) is cls


@pytest.mark.parametrize("cls", WIRE_CLASSES, ids=ids)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_structure_of_unstructure_gives_the_value_back(cls: type, data: st.DataObject) -> None:
    value = data.draw(instances(cls))
    wire = json.loads(compact(converter.unstructure(value)))
    assert converter.structure(wire, cls) == value
    assert json_decoder(cls, converter)(wire) == value


@pytest.mark.parametrize(
    ("operation", "field", "bad"),
    [
        (ISSUE, "resultMessage", "\\ud800"),
        (COMPLETE, "clientName", "x\\udc80y"),
        (TOKEN, "ticket", "a\\nb"),
    ],
    ids=["lone-surrogate", "lone-low-surrogate", "line-break-in-ticket"],
)
def test_an_answer_a_model_refuses_is_a_response_error_on_the_short_path(
    operation: Operation[Any, Any], field: str, bad: str
) -> None:
    """A text the model refuses (a lone surrogate escaped in the JSON; a line break in a
    ticket) reaches the caller as AuthleteResponseError, the usual answer's short path
    included, never as a bare ValueError."""
    [action] = [f.enum for f in fields_of(operation.response) if f.name == "action"]
    assert action is not None
    wire = {"resultCode": "A", "action": next(iter(action)).value}
    body = json.dumps(wire)[:-1] + f', "{field}": "{bad}"}}'
    with pytest.raises(AuthleteResponseError, match="unusable answer"):
        operation.decode(200, "application/json", body.encode(), None)
