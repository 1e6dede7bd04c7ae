"""The value classes: validation, immutability, enums and what their repr shows."""

from __future__ import annotations

import attrs
import pytest

from aioauthlete import (
    ApiServiceIdBackchannelAuthenticationFail,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationFailResponse,
    FailAction,
    FailReason,
)
from tests.helpers import TICKET

WIRE_REASONS = {
    "ACCESS_DENIED",
    "EXPIRED_LOGIN_HINT_TOKEN",
    "INVALID_BINDING_MESSAGE",
    "INVALID_TARGET",
    "INVALID_USER_CODE",
    "MISSING_USER_CODE",
    "SERVER_ERROR",
    "UNAUTHORIZED_CLIENT",
    "UNKNOWN_USER_ID",
}


def test_fail_reason_has_the_nine_wire_values() -> None:
    """FailReason carries exactly the spec's nine reasons as its values."""
    assert {r.value for r in FailReason} == WIRE_REASONS
    assert all(r == r.value for r in FailReason)


def test_fail_reason_maps_to_the_lower_case_oauth_error() -> None:
    """Each reason names the OAuth error code of the same name in lower case."""
    assert FailReason.ACCESS_DENIED.error_code == "access_denied"
    assert FailReason.UNKNOWN_USER_ID.error_code == "unknown_user_id"


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (FailAction.FORBIDDEN, 403),
        (FailAction.BAD_REQUEST, 400),
        (FailAction.INTERNAL_SERVER_ERROR, 500),
    ],
)
def test_fail_action_status_code(action: FailAction, status: int) -> None:
    """Each action tells the status the caller's endpoint must return."""
    assert action.status_code == status


def test_request_accepts_a_reason_string_and_converts_it() -> None:
    """A wire string for reason becomes the enum member."""
    request = BackchannelAuthenticationFailRequest(ticket="t", reason="INVALID_TARGET")
    assert request.reason is FailReason.INVALID_TARGET


def test_request_refuses_an_unknown_reason() -> None:
    """A reason outside the enum is refused at construction."""
    with pytest.raises(ValueError, match="FailReason"):
        BackchannelAuthenticationFailRequest(ticket="t", reason="NOPE")


def test_request_refuses_an_empty_ticket() -> None:
    """An empty ticket is refused before any I/O."""
    with pytest.raises(ValueError, match="ticket must not be empty"):
        BackchannelAuthenticationFailRequest(ticket="", reason=FailReason.ACCESS_DENIED)


@pytest.mark.parametrize("field", ["ticket", "error_description", "error_uri"])
@pytest.mark.parametrize("bad", ["a\r\nb", "a\nb", "nul\x00", "del\x7f"])
def test_request_refuses_control_characters_without_echoing_them(field: str, bad: str) -> None:
    """CR/LF and other control characters are refused, and the message does not echo the value."""
    values = {"ticket": "t", "reason": FailReason.ACCESS_DENIED, field: bad}
    with pytest.raises(ValueError, match=f"{field} must not contain control characters") as info:
        BackchannelAuthenticationFailRequest(**values)
    assert bad not in str(info.value)


@pytest.mark.parametrize("field", ["ticket", "error_description", "error_uri"])
@pytest.mark.parametrize("bad", ["\ud800", "x\udc80y", "\udfff\ud800"])
def test_request_refuses_lone_surrogates_without_echoing_them(field: str, bad: str) -> None:
    """A lone surrogate cannot be encoded as UTF-8: refused like any invalid text, at
    construction, and the message does not echo the value."""
    values = {"ticket": "t", "reason": FailReason.ACCESS_DENIED, field: bad}
    with pytest.raises(ValueError, match=f"{field} must be valid Unicode") as info:
        BackchannelAuthenticationFailRequest(**values)
    assert bad not in str(info.value)
    assert bad not in repr(info.value.args)


def test_form_request_body_refuses_lone_surrogates() -> None:
    """The seed's form body has the same checks (its body is urlencoded, also UTF-8)."""
    with pytest.raises(ValueError, match="ticket must be valid Unicode"):
        ApiServiceIdBackchannelAuthenticationFail(ticket="\ud800", reason=FailReason.SERVER_ERROR)


def test_request_accepts_text_beyond_the_basic_plane() -> None:
    """A real character outside the BMP (a surrogate pair in UTF-16, one code point here)
    is valid text."""
    request = BackchannelAuthenticationFailRequest(
        ticket="t", reason=FailReason.ACCESS_DENIED, error_description="ok \U0001f600"
    )
    assert request.error_description == "ok \U0001f600"


def test_request_is_frozen_and_keyword_only() -> None:
    """Requests are immutable and built with keywords only."""
    request = BackchannelAuthenticationFailRequest(ticket="t", reason=FailReason.ACCESS_DENIED)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.ticket = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        BackchannelAuthenticationFailRequest("t", FailReason.ACCESS_DENIED)  # type: ignore[call-arg]


def test_request_repr_hides_the_ticket() -> None:
    """The repr shows a short hash instead of the ticket."""
    request = BackchannelAuthenticationFailRequest(ticket=TICKET, reason=FailReason.ACCESS_DENIED)
    assert TICKET not in repr(request)
    assert "<ticket " in repr(request)


def test_form_request_body_is_the_same_shape_as_the_json_request() -> None:
    """The seed's body type is a BackchannelAuthenticationFailRequest with the same fields."""
    body = ApiServiceIdBackchannelAuthenticationFail(ticket="t", reason=FailReason.INVALID_TARGET)
    form = BackchannelAuthenticationFailApiFormRequest(
        service_id="42", api_service_id_backchannel_authentication_fail=body
    )
    assert isinstance(body, BackchannelAuthenticationFailRequest)
    assert [a.name for a in attrs.fields(ApiServiceIdBackchannelAuthenticationFail)] == [
        a.name for a in attrs.fields(BackchannelAuthenticationFailRequest)
    ]
    assert form.api_service_id_backchannel_authentication_fail is body


def test_response_is_frozen_and_slotted() -> None:
    """Responses are immutable slotted values."""
    response = BackchannelAuthenticationFailResponse(result_code="A", action=FailAction.FORBIDDEN)
    assert not hasattr(response, "__dict__")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        response.action = FailAction.BAD_REQUEST  # type: ignore[misc]
