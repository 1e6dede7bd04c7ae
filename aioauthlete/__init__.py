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
from ._operations._fail import (
    ApiServiceIdBackchannelAuthenticationFail,
    BackchannelAuthenticationFailApiFormRequest,
    BackchannelAuthenticationFailRequest,
    BackchannelAuthenticationFailResponse,
    FailAction,
    FailReason,
)
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
    "BackchannelAuthenticationFailApiFormRequest",
    "BackchannelAuthenticationFailRequest",
    "BackchannelAuthenticationFailResponse",
    "FailAction",
    "FailOutcome",
    "FailReason",
    "FormRequest",
    "Operation",
    "Outcome",
    "RetryPolicy",
    "TimeoutPolicy",
    "converter",
    "local_fail_response",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from ._version import package_version

        return package_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
