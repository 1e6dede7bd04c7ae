"""aioauthlete: an asyncio client for Authlete's CIBA API."""

from __future__ import annotations

from ._client import AuthleteClient
from ._converter import converter
from ._errors import (
    AuthleteApiError,
    AuthleteError,
    AuthleteResponseError,
    AuthleteTimeoutError,
    AuthleteTransportError,
)
from ._local import local_fail_response
from ._operation import FormRequest, Operation
from ._operations._authentication import (
    BackchannelAuthenticationAction,
    BackchannelAuthenticationRequest,
    BackchannelAuthenticationResponse,
)
from ._operations._complete import (
    BackchannelAuthenticationCompleteRequest,
    BackchannelAuthenticationCompleteResponse,
    CompleteAction,
    CompleteResult,
)
from ._operations._fail import (
    ApiServiceIdBackchannelAuthenticationFail,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationFailResponse,
    FailAction,
    FailReason,
)
from ._operations._issue import (
    BackchannelAuthenticationIssueRequest,
    BackchannelAuthenticationIssueResponse,
    IssueAction,
)
from ._operations._shared import (
    AuthorizationDetails,
    AuthorizationDetailsElement,
    CimdOptions,
    DeliveryMode,
    DynamicScope,
    Grant,
    GrantManagementAction,
    GrantScope,
    HintType,
    Pair,
    Property,
    Scope,
    TaggedValue,
    TokenInfo,
    TokenType,
)
from ._operations._token import TokenAction, TokenRequest, TokenResponse
from ._outcome import FailOutcome, Outcome
from ._policies import RetryPolicy, TimeoutPolicy

__all__ = [
    "ApiServiceIdBackchannelAuthenticationFail",
    "AuthleteApiError",
    "AuthleteClient",
    "AuthleteError",
    "AuthleteResponseError",
    "AuthleteTimeoutError",
    "AuthleteTransportError",
    "AuthorizationDetails",
    "AuthorizationDetailsElement",
    "BackchannelAuthenticationAction",
    "BackchannelAuthenticationCompleteRequest",
    "BackchannelAuthenticationCompleteResponse",
    "BackchannelAuthenticationFailApiFormRequest",
    "BackchannelAuthenticationFailRequest",
    "BackchannelAuthenticationFailResponse",
    "BackchannelAuthenticationIssueRequest",
    "BackchannelAuthenticationIssueResponse",
    "BackchannelAuthenticationRequest",
    "BackchannelAuthenticationResponse",
    "CimdOptions",
    "CompleteAction",
    "CompleteResult",
    "DeliveryMode",
    "DynamicScope",
    "FailAction",
    "FailOutcome",
    "FailReason",
    "FormRequest",
    "Grant",
    "GrantManagementAction",
    "GrantScope",
    "HintType",
    "IssueAction",
    "Operation",
    "Outcome",
    "Pair",
    "Property",
    "RetryPolicy",
    "Scope",
    "TaggedValue",
    "TimeoutPolicy",
    "TokenAction",
    "TokenInfo",
    "TokenRequest",
    "TokenResponse",
    "TokenType",
    "converter",
    "local_fail_response",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from ._version import package_version

        return package_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
