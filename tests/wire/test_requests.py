"""Every request body the client builds validates strictly against the official schema.

Strictly: the document's schemas leave ``additionalProperties`` open; here no key beyond
the schema's is allowed, required keys must be there, and each value has the type and enum
the document gives. JSON and form bodies both, for every operation the library has.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioauthlete import Operation, operations
from tests.strategies import full, instances
from tests.wire import spec

OPERATIONS = [getattr(operations, name) for name in operations.__all__]


def spec_path(operation: Operation[Any, Any]) -> str:
    return "/api/{serviceId}" + operation.path


def test_every_operation_is_in_the_document() -> None:
    """Each operation's path is one the document describes, with a JSON and a form body."""
    for operation in OPERATIONS:
        content = spec.operation(spec_path(operation))["requestBody"]["content"]
        assert set(content) == {spec.JSON, spec.FORM}, operation


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
@settings(max_examples=150)
@given(data=st.data())
def test_every_json_body_validates_strictly(
    operation: Operation[Any, Any], data: st.DataObject
) -> None:
    request = data.draw(instances(operation.request))
    body = json.loads(operation.encode_json(request))
    spec.request_validator(spec_path(operation)).validate(body)


def form_as_json(body: bytes, schema: dict[str, Any]) -> dict[str, Any]:
    """A form body's keys and values, typed as the schema's properties say."""
    typed: dict[str, Any] = {}
    properties = schema.get("properties", {})
    for key, values in urllib.parse.parse_qs(body.decode("ascii"), keep_blank_values=True).items():
        kind = properties.get(key, {}).get("type")
        if kind == "array":
            typed[key] = values
        elif kind == "integer":
            [typed[key]] = [int(v) for v in values]
        elif kind == "boolean":
            [typed[key]] = [{"true": True, "false": False}[v] for v in values]
        else:
            [typed[key]] = values
    return typed


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
@settings(max_examples=150)
@given(data=st.data())
def test_every_form_body_validates_strictly(
    operation: Operation[Any, Any], data: st.DataObject
) -> None:
    request = data.draw(instances(operation.request, form=True))
    validator = spec.request_validator(spec_path(operation), spec.FORM)
    validator.validate(form_as_json(operation.encode_form(request), validator.schema))


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_a_request_with_every_field_validates_strictly(operation: Operation[Any, Any]) -> None:
    """Every field of the model at once (nested models included) is a field of the schema."""
    body = json.loads(operation.encode_json(full(operation.request)))
    spec.request_validator(spec_path(operation)).validate(body)
    assert len(body) == len(attrs.fields(operation.request))


@pytest.mark.parametrize(
    "body",
    [
        {"ticket": "t", "reason": "ACCESS_DENIED", "errorDescriptoin": "typo"},
        {"reason": "ACCESS_DENIED"},
        {"ticket": "t", "reason": "access_denied"},
        {"ticket": 7, "reason": "ACCESS_DENIED"},
    ],
    ids=["unknown-key", "missing-required", "enum-value", "wrong-type"],
)
def test_the_check_refuses_what_the_document_does_not_allow(body: dict[str, Any]) -> None:
    """The strict check can fail: a misspelt key, a missing ticket, a reason in the wrong
    case and a number for a string are all refused."""
    with pytest.raises(jsonschema.ValidationError):
        spec.request_validator(spec_path(operations.FAIL)).validate(body)
