"""The public converter: camelCase on the wire, None omitted, lenient reading of answers."""

from __future__ import annotations

import json
from typing import Any

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationFailResponse,
    FailAction,
    FailReason,
    converter,
)

SEED_EXAMPLE = {
    "serviceId": "<id>",
    "apiServiceIdBackchannelAuthenticationFail": {
        "ticket": "<value>",
        "reason": "UNAUTHORIZED_CLIENT",
    },
}

# Text without control characters, as the models accept.
clean_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)
requests = st.builds(
    BackchannelAuthenticationFailRequest,
    ticket=clean_text,
    reason=st.sampled_from(FailReason),
    error_description=st.none() | clean_text,
    error_uri=st.none() | clean_text,
)
responses = st.builds(
    BackchannelAuthenticationFailResponse,
    result_code=clean_text,
    action=st.sampled_from(FailAction),
    result_message=st.none() | clean_text,
    response_content=st.none() | clean_text,
)


def test_seed_example_structures_and_unstructures_unchanged() -> None:
    """The seed page's example reads into the operation model and writes back identically."""
    value = converter.structure(SEED_EXAMPLE, BackchannelAuthenticationFailApiFormRequest)
    body = value.api_service_id_backchannel_authentication_fail
    assert value.service_id == "<id>"
    assert isinstance(body, ApiServiceIdBackchannelAuthenticationFail)
    assert body.reason is FailReason.UNAUTHORIZED_CLIENT
    assert converter.unstructure(value) == SEED_EXAMPLE


def test_unstructure_writes_camel_case_and_plain_strings() -> None:
    """Optional fields become camelCase keys and enums become plain str (JSON-ready)."""
    request = BackchannelAuthenticationFailRequest(
        ticket="t", reason=FailReason.ACCESS_DENIED, error_description="d", error_uri="u"
    )
    wire = converter.unstructure(request)
    assert wire == {
        "ticket": "t",
        "reason": "ACCESS_DENIED",
        "errorDescription": "d",
        "errorUri": "u",
    }
    assert type(wire["reason"]) is str


def test_none_fields_are_omitted_not_null() -> None:
    """A None field is left out of the wire form, never sent as null."""
    request = BackchannelAuthenticationFailRequest(ticket="t", reason=FailReason.SERVER_ERROR)
    assert converter.unstructure(request) == {"ticket": "t", "reason": "SERVER_ERROR"}


@given(requests)
def test_requests_round_trip_through_json(request: BackchannelAuthenticationFailRequest) -> None:
    """Any valid request survives unstructure, JSON and structure unchanged."""
    wire = json.loads(json.dumps(converter.unstructure(request)))
    assert None not in wire.values()
    assert converter.structure(wire, BackchannelAuthenticationFailRequest) == request


@given(responses)
def test_responses_round_trip_through_json(response: BackchannelAuthenticationFailResponse) -> None:
    """Any response survives unstructure, JSON and structure unchanged."""
    wire = json.loads(json.dumps(converter.unstructure(response)))
    assert converter.structure(wire, BackchannelAuthenticationFailResponse) == response


@given(requests, clean_text)
def test_form_requests_round_trip(
    request: BackchannelAuthenticationFailRequest, service_id: str
) -> None:
    """The operation model round-trips with its nested camelCase body."""
    body = ApiServiceIdBackchannelAuthenticationFail(
        ticket=request.ticket,
        reason=request.reason,
        error_description=request.error_description,
        error_uri=request.error_uri,
    )
    value = BackchannelAuthenticationFailApiFormRequest(
        service_id=service_id, api_service_id_backchannel_authentication_fail=body
    )
    wire = converter.unstructure(value)
    assert set(wire) == {"serviceId", "apiServiceIdBackchannelAuthenticationFail"}
    assert converter.structure(wire, BackchannelAuthenticationFailApiFormRequest) == value


def test_unknown_response_keys_are_ignored() -> None:
    """Fields Authlete may add later do not break reading an answer."""
    wire = {"resultCode": "A185001", "action": "BAD_REQUEST", "newField": {"x": 1}}
    response = converter.structure(wire, BackchannelAuthenticationFailResponse)
    assert response.action is FailAction.BAD_REQUEST
    assert response.response_content is None


def test_numeric_result_code_is_accepted_as_a_string() -> None:
    """The spec's 404 example carries resultCode as a number; it reads as a string."""
    wire = {"resultCode": 404, "action": "INTERNAL_SERVER_ERROR"}
    assert converter.structure(wire, BackchannelAuthenticationFailResponse).result_code == "404"


@pytest.mark.parametrize(
    "wire",
    [
        {"resultCode": "A", "action": "SOMETHING_NEW"},
        {"resultCode": None, "action": "FORBIDDEN"},
        {"resultCode": True, "action": "FORBIDDEN"},
        {"resultCode": "A"},
        {"resultCode": "A", "action": "FORBIDDEN", "responseContent": {"not": "a string"}},
    ],
)
def test_malformed_responses_are_refused(wire: dict[str, Any]) -> None:
    """Unknown actions, nulls, booleans and missing actions do not structure silently."""
    with pytest.raises(cattrs.BaseValidationError):
        converter.structure(wire, BackchannelAuthenticationFailResponse)
