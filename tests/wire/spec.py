"""The official OpenAPI document, as the wire tests read it.

Loaded once per test session. Schemas come back with every ``$ref`` resolved, and made
strict for requests: no property beyond those the schema names (the document leaves
``additionalProperties`` open, which would let a misspelt key through unnoticed).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator

DOCUMENT = Path(__file__).with_name("authlete-openapi.yaml")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@functools.cache
def document() -> dict[str, Any]:
    with DOCUMENT.open(encoding="utf-8") as stream:
        loaded: dict[str, Any] = yaml.load(stream, Loader=yaml.CSafeLoader)
    return loaded


def _resolve(node: Any, strict: bool) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolve(document()["components"]["schemas"][name], strict)
        resolved = {key: _resolve(value, strict) for key, value in node.items()}
        if strict and resolved.get("type") == "object" and "properties" in resolved:
            resolved.setdefault("additionalProperties", False)
        return resolved
    if isinstance(node, list):
        return [_resolve(item, strict) for item in node]
    return node


def operation(path: str) -> dict[str, Any]:
    """The ``post`` operation of the 3.x *path* (``/api/{serviceId}/...``)."""
    post: dict[str, Any] = document()["paths"][path]["post"]
    return post


#: Where the document's prose overrides its schema. The complete operation's text says
#: ``subject`` "is mandatory" only when ``result=AUTHORIZED``; its schema lists it as
#: required for every result. The client follows the text (and refuses an AUTHORIZED
#: request without it), so the schema's ``required`` is read without it here.
NOT_REQUIRED = {"/api/{serviceId}/backchannel/authentication/complete": {"subject"}}


def request_validator(path: str, media: str = JSON) -> OAS30Validator:
    """A strict validator of *path*'s request body in *media*."""
    schema = _resolve(
        copy.deepcopy(operation(path)["requestBody"]["content"][media]["schema"]), strict=True
    )
    relaxed = NOT_REQUIRED.get(path, set())
    schema["required"] = [name for name in schema.get("required", []) if name not in relaxed]
    return OAS30Validator(schema)


def response_schema(path: str, status: str = "200") -> dict[str, Any]:
    """*path*'s response schema for *status*, resolved (not strict: answers may grow)."""
    response = operation(path)["responses"][status]
    if "$ref" in response:
        response = document()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema: dict[str, Any] = _resolve(response["content"][JSON]["schema"], strict=False)
    return schema


def examples(path: str, status: str = "200") -> list[Any]:
    """Every example the document gives for *path*'s answer with *status*."""
    response = operation(path)["responses"][status]
    if "$ref" in response:
        response = document()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    content = response.get("content", {}).get(JSON, {})
    found = [content["example"]] if "example" in content else []
    found += [entry["value"] for entry in content.get("examples", {}).values() if "value" in entry]
    return found
