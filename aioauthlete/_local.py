"""Answering the CIBA client without Authlete, when Authlete cannot be reached.

The spec notes that the error response is easy to build by hand; this builds the same one
(``{"error": ..., "error_description": ..., "error_uri": ...}`` with the documented action
per reason), so an endpoint can still answer its client after a timeout or an outage. The
ticket is then not deleted by this call: it expires on Authlete's side.
"""

from __future__ import annotations

import json
from typing import Any

from ._operations._fail import (
    LOCAL_RESULT_CODE,
    AnyFailRequest,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailResponse,
    FailReason,
)


def compact_json(value: Any) -> str:
    """JSON without spaces, as Authlete writes ``responseContent``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def client_error_content(
    reason: FailReason, description: str | None = None, uri: str | None = None
) -> str:
    """The compact JSON error body the CIBA client receives."""
    content = {"error": reason.error_code}
    if description:
        content["error_description"] = description
    if uri:
        content["error_uri"] = uri
    return compact_json(content)


def local_fail_response(request: AnyFailRequest) -> BackchannelAuthenticationFailResponse:
    """The answer Authlete would give for *request*, built here and marked as such.

    Use it after an ``AuthleteTransportError`` (or a 5xx/429 ``AuthleteApiError``) to answer
    the client anyway; ``response.locally_built`` is True, so logs and metrics can tell.
    """
    if isinstance(request, BackchannelAuthenticationFailApiFormRequest):
        request = request.api_service_id_backchannel_authentication_fail
    return BackchannelAuthenticationFailResponse(
        result_code=LOCAL_RESULT_CODE,
        action=request.reason.action,
        result_message="Built locally by aioauthlete: Authlete was not reached or did not answer.",
        response_content=client_error_content(
            request.reason, request.error_description, request.error_uri
        ),
    )
