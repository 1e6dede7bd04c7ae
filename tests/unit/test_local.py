"""Building the client-facing error locally, when Authlete cannot be reached."""

from __future__ import annotations

import json

import pytest

from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationFailResponse,
    FailAction,
    FailReason,
    local_fail_response,
)


@pytest.mark.parametrize(
    ("reason", "action", "status"),
    [
        (FailReason.ACCESS_DENIED, FailAction.FORBIDDEN, 403),
        (FailReason.SERVER_ERROR, FailAction.INTERNAL_SERVER_ERROR, 500),
        (FailReason.EXPIRED_LOGIN_HINT_TOKEN, FailAction.BAD_REQUEST, 400),
        (FailReason.UNKNOWN_USER_ID, FailAction.BAD_REQUEST, 400),
    ],
)
def test_local_answer_has_the_documented_action(
    reason: FailReason, action: FailAction, status: int
) -> None:
    """The local answer uses the action Authlete documents for the reason."""
    response = local_fail_response(BackchannelAuthenticationFailRequest(ticket="t", reason=reason))
    assert response.action is action
    assert response.action.status_code == status
    assert response.response_content is not None
    assert json.loads(response.response_content) == {"error": reason.value.lower()}


def test_local_answer_carries_description_and_uri_and_is_marked() -> None:
    """error_description and error_uri are passed through; the answer says it is local."""
    request = BackchannelAuthenticationFailRequest(
        ticket="t",
        reason=FailReason.INVALID_BINDING_MESSAGE,
        error_description="too long",
        error_uri="https://as.example/errors",
    )
    response = local_fail_response(request)
    assert response.locally_built
    assert response.response_content == (
        '{"error":"invalid_binding_message","error_description":"too long",'
        '"error_uri":"https://as.example/errors"}'
    )


def test_local_answer_for_the_form_request_uses_its_body() -> None:
    """The seed's form model is answered from its nested body."""
    body = ApiServiceIdBackchannelAuthenticationFail(ticket="t", reason=FailReason.ACCESS_DENIED)
    form = BackchannelAuthenticationFailApiFormRequest(
        service_id="1", api_service_id_backchannel_authentication_fail=body
    )
    assert local_fail_response(form).action is FailAction.FORBIDDEN


def test_answers_from_authlete_are_not_marked_local() -> None:
    """Only the local builder's result code marks an answer as local."""
    response = BackchannelAuthenticationFailResponse(
        result_code="A185001", action=FailAction.FORBIDDEN
    )
    assert not response.locally_built
